// The workflow being edited: its definition, what is selected, live validation,
// the preview sample, and saving (draft or publish) with conflict detection.
import {
  isScheduleTrigger,
  type Problem,
  type ScheduleTrigger,
  type Step,
  triggerType,
  validateDefinition,
  type WorkflowDefinition,
} from "@switchyard/engine";
import { ApiFailure, type ApiProblem, endpoints, messageOf, type Workflow } from "$lib/api";
import { draftEndpoints } from "$lib/api-drafts";
import { nonMemberProblems } from "$lib/model/people";
import { previewWorkflow } from "$lib/model/preview";
import { NEW_SCHEDULE } from "$lib/model/schedule";
import {
  allIds,
  cloneWithFreshIds,
  describePlace,
  freshId,
  type ListRef,
  listAt,
  locate,
  type MoveTarget,
  moveStep,
  stepOfPath,
} from "$lib/model/steps";
import { BLANK, TEMPLATES } from "$lib/model/templates";
import { savesSettled } from "./autosave.svelte";
import { catalog } from "./catalog.svelte";
import { people } from "./people.svelte";

export type Selection = "trigger" | "filter" | { step: string } | null;

export type NewStep =
  | { kind: "action"; action: string }
  | { kind: "if" }
  | { kind: "parallel" }
  | { kind: "delay" }
  | { kind: "waitFor" }
  | { kind: "forEach" };

const snapshot = (def: WorkflowDefinition): string => JSON.stringify(def);

export class Editor {
  def = $state<WorkflowDefinition>(structuredClone(BLANK));
  workflow = $state<Workflow | null>(null);
  saved = $state(snapshot(BLANK));
  selection = $state<Selection>(null);
  loading = $state(false);
  loadError = $state("");
  saving = $state(false);
  notice = $state("");
  saveError = $state("");
  serverProblems = $state<ApiProblem[]>([]);
  /** The definition the server's problems are about (as sent in the refused save). */
  private serverProblemsOf = $state("");
  /** The preview's event data, as JSON text the user may edit or paste. */
  sampleText = $state("");
  /** Announced to screen readers after keyboard moves. */
  announcement = $state("");

  readonly dirty = $derived(snapshot(this.def) !== this.saved);
  /** The event type runs start on: the trigger's event, or `schedule.fired` for a schedule. */
  readonly eventType = $derived(triggerType(this.def.trigger));
  /** The schedule, when the workflow runs on one. */
  readonly schedule = $derived(
    isScheduleTrigger(this.def.trigger) ? this.def.trigger.schedule : null,
  );
  readonly validation = $derived(validateDefinition($state.snapshot(this.def)));
  readonly problems: Problem[] = $derived([
    ...(this.validation.ok ? [] : (this.validation as { problems: Problem[] }).problems),
    // A static email of someone who is not a member (issue 14, item 6): flagged before publishing.
    ...(people.loaded ? nonMemberProblems(this.def, people.items) : []),
  ]);
  readonly problemsByStep = $derived.by(() => {
    const map = new Map<string, Array<{ rest: string; message: string }>>();
    // A refused save (422) mostly repeats what the editor already found: each
    // problem once, or cards count it twice and keyed lists see duplicate keys.
    const seen = new Set<string>();
    // The server's problems hold for the definition it refused; once edited,
    // the editor's own checks speak for it until the next save.
    const server = snapshot(this.def) === this.serverProblemsOf ? this.serverProblems : [];
    for (const p of [...this.problems, ...server]) {
      const id = `${p.path}\u0000${p.message}`;
      if (seen.has(id)) continue;
      seen.add(id);
      const { stepId, rest } = stepOfPath(this.def, p.path);
      const key =
        stepId ??
        (p.path.startsWith("filter")
          ? "filter"
          : p.path.startsWith("trigger")
            ? "trigger"
            : // "Keeping runs in check" (issue 16): the trigger's panel shows these.
              /^(concurrency|throttle|debounce)\b/.test(p.path)
              ? "flow"
              : "workflow");
      map.set(key, [...(map.get(key) ?? []), { rest, message: p.message }]);
    }
    return map;
  });
  readonly sample = $derived.by((): { data: unknown; error: string } => {
    try {
      return { data: JSON.parse(this.sampleText || "{}"), error: "" };
    } catch (err) {
      return { data: {}, error: `The sample is not valid JSON: ${(err as Error).message}` };
    }
  });
  readonly preview = $derived.by(() =>
    previewWorkflow(
      $state.snapshot(this.def),
      { type: this.eventType, data: this.sample.data },
      (name) => catalog.action(name),
    ),
  );
  readonly selectedStep = $derived.by((): Step | null => {
    const sel = this.selection;
    if (sel === null || typeof sel === "string") return null;
    return locate(this.def, sel.step)?.step ?? null;
  });

  // ---- loading -----------------------------------------------------------

  async open(id: string, template: string | null): Promise<void> {
    this.loading = true;
    this.loadError = "";
    this.selection = null;
    this.serverProblems = [];
    // The people pickers offer the members, and a non-member's email is flagged.
    void people.ensure();
    try {
      await catalog.load();
      if (id === "new") {
        const from = TEMPLATES.find((t) => t.key === template)?.definition ?? BLANK;
        this.workflow = null;
        this.def = structuredClone(from);
        this.saved = "";
      } else {
        // A save made as the person left the editor lands first: open what was saved.
        await savesSettled();
        const wf = await endpoints.workflow(id);
        this.workflow = wf;
        this.def = structuredClone(wf.definition);
        this.saved = snapshot(this.def);
      }
      this.resetSample();
    } catch (err) {
      this.loadError = messageOf(err);
    } finally {
      this.loading = false;
    }
  }

  resetSample(): void {
    const info = catalog.eventType(this.eventType);
    this.sampleText = JSON.stringify(info?.sample ?? {}, null, 2);
  }

  /** The last real events of the trigger's type, offered as preview samples. */
  recentEvents = $state<Array<{ id: string; receivedAt: string; data: unknown }>>([]);
  recentError = $state("");

  async loadRecentEvents(): Promise<void> {
    this.recentError = "";
    try {
      const page = await endpoints.events(`type=${encodeURIComponent(this.eventType)}&limit=5`);
      this.recentEvents = page.items.map((e) => ({
        id: e.id,
        receivedAt: e.receivedAt,
        data: e.data,
      }));
      if (this.recentEvents.length === 0)
        this.recentError = "No events of this type have arrived yet.";
    } catch (err) {
      this.recentError = messageOf(err);
    }
  }

  useEvent(id: string): void {
    const found = this.recentEvents.find((e) => e.id === id);
    if (found) this.sampleText = JSON.stringify(found.data, null, 2);
  }

  /** Puts an older version's definition in the editor (save to keep it). */
  loadDefinition(def: WorkflowDefinition): void {
    this.def = structuredClone(def);
    this.selection = null;
  }

  // ---- editing -------------------------------------------------------------

  setTrigger(event: string): void {
    const changed = event !== this.eventType;
    this.def.trigger = { event };
    if (changed && catalog.eventType(event)) this.resetSample();
  }

  // What each kind of trigger was before a switch, so switching back restores it.
  #lastEvent = "order.created";
  #lastSchedule: ScheduleTrigger = NEW_SCHEDULE;

  /** "On a schedule": the schedule had before, else every hour. */
  triggerOnSchedule(): void {
    if (this.schedule) return;
    if (this.eventType) this.#lastEvent = this.eventType;
    this.def.trigger = { schedule: structuredClone(this.#lastSchedule) };
    this.resetSample();
  }

  /** "When an event happens": the event type had before. */
  triggerOnEvent(): void {
    if (!this.schedule) return;
    this.#lastSchedule = $state.snapshot(this.schedule);
    this.def.trigger = { event: this.#lastEvent };
    this.resetSample();
  }

  setSchedule(schedule: ScheduleTrigger): void {
    this.def.trigger = { schedule };
  }

  setFilter(source: string): void {
    if (source.trim() === "") delete this.def.filter;
    else this.def.filter = source;
  }

  makeStep(spec: NewStep): Step {
    const taken = allIds(this.def);
    switch (spec.kind) {
      case "action": {
        const info = catalog.action(spec.action);
        return {
          id: freshId(spec.action, taken),
          name: info?.title ?? spec.action,
          action: spec.action,
          config: {},
        };
      }
      case "if":
        return { id: freshId("check", taken), name: "If…", if: "", then: [], else: [] };
      case "parallel":
        return { id: freshId("together", taken), name: "At the same time", parallel: [[], []] };
      case "delay":
        return { id: freshId("wait", taken), name: "Wait", delay: "1h" };
      case "waitFor":
        // Up to 7 days by default; the event type is the person's to choose.
        return {
          id: freshId("wait_for_event", taken),
          name: "Wait for an event",
          waitFor: { event: "", timeout: "168h" },
          onTimeout: [],
        };
      case "forEach":
        // The list and the steps are the person's to choose; one item at a time.
        return {
          id: freshId("for_each", taken),
          name: "For each",
          forEach: "",
          as: "item",
          steps: [],
        };
    }
  }

  insert(ref: ListRef, index: number, spec: NewStep): void {
    const step = this.makeStep(spec);
    listAt(this.def, ref).splice(index, 0, step);
    this.selection = { step: step.id };
    this.announcement = `Added ${step.name ?? step.id}.`;
  }

  move(from: ListRef, fromIndex: number, to: ListRef, toIndex: number): boolean {
    const ok = moveStep(this.def, from, fromIndex, to, toIndex);
    if (!ok) this.announcement = "A block cannot move inside itself.";
    return ok;
  }

  /** Keyboard move from a step's "Move…" menu (see `moveTargets`), announced. */
  moveTo(id: string, target: MoveTarget): boolean {
    const at = locate(this.def, id);
    if (!at) return false;
    const ok = this.move(at.ref, at.index, target.to, target.toIndex);
    if (ok) {
      this.announcement = `Moved ${at.step.name || id} to ${describePlace(this.def, id)}.`;
    }
    return ok;
  }

  /** Keyboard reorder: one place up or down within the same list. */
  nudge(id: string, delta: -1 | 1): void {
    const at = locate(this.def, id);
    if (!at) return;
    const list = listAt(this.def, at.ref);
    const target = at.index + delta;
    if (target < 0 || target >= list.length) {
      this.announcement = `${at.step.name ?? id} is already ${delta < 0 ? "first" : "last"} here.`;
      return;
    }
    const [step] = list.splice(at.index, 1);
    list.splice(target, 0, step);
    this.announcement = `Moved ${step.name ?? id} to position ${target + 1} of ${list.length}.`;
  }

  remove(id: string): void {
    const at = locate(this.def, id);
    if (!at) return;
    listAt(this.def, at.ref).splice(at.index, 1);
    if (this.selection && typeof this.selection === "object" && this.selection.step === id) {
      this.selection = null;
    }
    this.announcement = `Deleted ${at.step.name ?? id}.`;
  }

  duplicate(id: string): void {
    const at = locate(this.def, id);
    if (!at) return;
    const copy = cloneWithFreshIds(at.step, allIds(this.def));
    listAt(this.def, at.ref).splice(at.index + 1, 0, copy);
    this.selection = { step: copy.id };
    this.announcement = `Duplicated as ${copy.name ?? copy.id}.`;
  }

  /** Changes a step's id, keeping it a valid, unique identifier. Returns an error text or "". */
  renameId(oldId: string, newId: string): string {
    if (newId === oldId) return "";
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(newId))
      return "Use letters, digits and _ only, not starting with a digit.";
    if (allIds(this.def).has(newId)) return `Another step is already called ${newId}.`;
    const at = locate(this.def, oldId);
    if (!at) return "";
    at.step.id = newId;
    if (this.selection && typeof this.selection === "object") this.selection = { step: newId };
    return "";
  }

  // ---- saving --------------------------------------------------------------

  /**
   * Saves the draft (incomplete or not: its problems only block publishing)
   * or publishes. `auto`: the autosave, which leaves the notice alone.
   */
  async save(publish: boolean, auto = false): Promise<Workflow | null> {
    this.saving = true;
    this.saveError = "";
    if (!auto) this.notice = "";
    this.serverProblems = [];
    const def = $state.snapshot(this.def);
    try {
      // Publishing an unchanged draft makes that version live instead of saving a copy.
      const draft = this.workflow?.draftVersion;
      if (publish && this.workflow && draft && !this.dirty) {
        const wf = await endpoints.publish(this.workflow.id, draft);
        this.workflow = wf;
        this.notice = `Published version ${draft}.`;
        return wf;
      }
      const wf = await this.send(def, publish);
      this.workflow = wf;
      this.saved = snapshot(def);
      if (!auto)
        this.notice = publish
          ? `Published version ${wf.liveVersion}.`
          : `Saved draft version ${wf.draftVersion ?? wf.latestVersion}. The live version is unchanged.`;
      return wf;
    } catch (err) {
      if (err instanceof ApiFailure && err.status === 409) {
        this.saveError =
          "Someone saved this workflow since you opened it. Open it again to see their changes (copy yours first).";
      } else if (err instanceof ApiFailure && err.details?.length) {
        this.serverProblems = err.details;
        this.serverProblemsOf = snapshot(def);
        this.saveError = `Not saved: ${err.details.length} problem${err.details.length > 1 ? "s" : ""} to fix.`;
      } else {
        this.saveError = `Not saved: ${messageOf(err)}`;
      }
      return null;
    } finally {
      this.saving = false;
    }
  }

  /** A draft writes over the person's own latest draft (no version per autosave). */
  private send(def: WorkflowDefinition, publish: boolean): Promise<Workflow> {
    const wf = this.workflow;
    if (publish) {
      return wf
        ? endpoints.saveWorkflow(wf.id, def, { publish, baseVersion: wf.latestVersion })
        : endpoints.createWorkflow(def, { publish, enabled: true });
    }
    return wf
      ? draftEndpoints.saveDraft(wf.id, def, wf.latestVersion)
      : draftEndpoints.createDraft(def);
  }

  async setEnabled(enabled: boolean): Promise<void> {
    if (!this.workflow) return;
    this.saveError = "";
    try {
      this.workflow = enabled
        ? await endpoints.enable(this.workflow.id)
        : await endpoints.disable(this.workflow.id);
      this.notice = enabled
        ? "Enabled: new events start runs."
        : "Disabled: new events are ignored.";
    } catch (err) {
      this.saveError = messageOf(err);
    }
  }

  /** DELETE /v1/workflows/:id: disabled and hidden; its runs and versions stay. */
  async deleteWorkflow(): Promise<boolean> {
    if (!this.workflow) return false;
    this.saveError = "";
    try {
      await endpoints.remove(this.workflow.id);
      // Nothing left to lose: the unsaved-changes guard lets the builder leave.
      this.saved = snapshot(this.def);
      return true;
    } catch (err) {
      this.saveError = `Not deleted: ${messageOf(err)}`;
      return false;
    }
  }

  async refresh(): Promise<void> {
    if (!this.workflow) return;
    this.workflow = await endpoints.workflow(this.workflow.id);
  }
}
