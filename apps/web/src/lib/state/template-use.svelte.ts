// Using one template (issue 17, item 5): its blanks filled in with pickers,
// the workflow it will make said in words as they are filled, and "Create
// draft" (POST /v1/templates/:id/use). Problems the API finds come back to
// their blank (`params.<name>`); those found here first never leave the page.
import { checkValues, fillTemplate, type WorkflowDefinition } from "@switchyard/engine";
import { ApiFailure, messageOf } from "$lib/api";
import type { DraftWorkflow } from "$lib/api-drafts";
import { type TemplateDetail, travelEndpoints } from "$lib/api-travel";
import {
  initialValues,
  paramValues,
  previewValues,
  problemsByParam,
} from "$lib/model/template-words";
import { credentials } from "./credentials.svelte";

/** The detail's definition as fillTemplate takes a template: name and description apart. */
function asTemplate(t: TemplateDetail) {
  const { name, description, ...definition } = t.definition;
  return {
    params: t.params,
    workflow: {
      name: typeof name === "string" ? name : t.title,
      ...(typeof description === "string" ? { description } : {}),
      definition,
    },
  };
}

export class TemplateUse {
  template = $state<TemplateDetail | null>(null);
  loading = $state(true);
  loadError = $state("");
  values = $state<Record<string, string>>({});
  /** The new workflow's name; empty: the template's own (filled in). */
  name = $state("");
  creating = $state(false);
  /** Problems by blank ("" for the template as a whole): the API's, or this page's on Create. */
  problems = $state<Map<string, string[]>>(new Map());
  error = $state("");

  /** The template's own name for the workflow, its blanks filled in. */
  readonly defaultName = $derived.by((): string => {
    const t = this.template;
    if (!t) return "";
    const filled = fillTemplate(asTemplate(t), previewValues(t.params, this.values));
    return filled.ok ? String(filled.definition.name ?? t.title) : t.title;
  });

  /** The workflow as it will be made, blanks filled as typed so far (or with their defaults). */
  readonly preview = $derived.by((): WorkflowDefinition | null => {
    const t = this.template;
    if (!t) return null;
    const filled = fillTemplate(
      asTemplate(t),
      previewValues(t.params, this.values),
      this.name.trim() || undefined,
    );
    return filled.ok ? (filled.definition as unknown as WorkflowDefinition) : null;
  });

  async load(id: string): Promise<void> {
    this.loading = true;
    this.loadError = "";
    try {
      const [t] = await Promise.all([travelEndpoints.template(id), credentials.load()]);
      this.template = t;
      this.values = initialValues(t.params);
      this.name = "";
    } catch (err) {
      this.loadError =
        err instanceof ApiFailure && err.status === 404
          ? "There is no such template (it may have been renamed). Choose one from the gallery."
          : messageOf(err);
    } finally {
      this.loading = false;
    }
  }

  set(name: string, value: string): void {
    this.values[name] = value;
    // A blank changed: what was said about it no longer holds.
    if (this.problems.has(name)) {
      const next = new Map(this.problems);
      next.delete(name);
      this.problems = next;
      // Every marked blank was changed: the summary line has said its piece.
      if (next.size === 0) this.error = "";
    }
  }

  /** Creates the draft; null (with the problems at their blanks) when it could not. */
  async create(): Promise<DraftWorkflow | null> {
    const t = this.template;
    if (!t || this.creating) return null;
    this.error = "";
    const params = paramValues(t.params, this.values);
    // The same check the API makes, so most problems never leave the page.
    const local = checkValues(t.params, params);
    if (!local.ok) {
      this.problems = problemsByParam(local.problems);
      this.error = "Some blanks need another look: see the marked fields.";
      return null;
    }
    this.creating = true;
    try {
      return await travelEndpoints.useTemplate(t.id, params, this.name.trim() || undefined);
    } catch (err) {
      if (err instanceof ApiFailure && err.details?.length) {
        this.problems = problemsByParam(err.details);
        this.error = this.problems.has("")
          ? (this.problems.get("") ?? []).join(" ")
          : "Some blanks need another look: see the marked fields.";
      } else {
        this.error = messageOf(err);
      }
      return null;
    } finally {
      this.creating = false;
    }
  }
}
