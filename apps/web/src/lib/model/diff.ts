// A readable diff of two versions of a workflow, for people rather than
// programmers: the workflow's own settings, then one section per step (matched
// by id) saying whether it was added, removed or changed, and for a change
// only the fields that differ, old beside new.
import type { Step, WorkflowDefinition } from "@switchyard/engine";
import { failureWords, type LoopLike } from "./loop-words";

export type Change = "same" | "added" | "removed" | "changed";

/** One field of the workflow or of a step, old beside new (null: not there). */
export interface FieldDiff {
  /** The field's path in the definition ("config.to"), or "kind" / "where". */
  key: string;
  label: string;
  old: string | null;
  new: string | null;
  change: Change;
}

/** The workflow's own settings (`id` null) or one step, and what became of it. */
export interface SectionDiff {
  /** The step id, or null for the workflow's own settings. */
  id: string | null;
  title: string;
  change: Change;
  /** Only the differing fields of a changed section; every field of an added or removed step. */
  fields: FieldDiff[];
}

export interface DefinitionDiff {
  sections: SectionDiff[];
  /** True when the two versions say the same thing. */
  same: boolean;
}

const WORKFLOW_LABELS: Record<string, string> = {
  name: "Name",
  description: "Description",
  "trigger.event": "When this event happens",
  "trigger.schedule.cron": "On the schedule (cron)",
  "trigger.schedule.every": "Every",
  "trigger.schedule.timezone": "Time zone",
  "trigger.schedule.start": "Starts",
  "trigger.schedule.end": "Ends",
  "trigger.schedule.jitter": "Spread the start by up to",
  "trigger.schedule.overlap": "If the previous run is still going",
  "trigger.schedule.catchUp": "After Switchyard was unavailable",
  filter: "Only if",
};

const STEP_LABELS = {
  kind: "Kind",
  where: "Where",
  name: "Name",
  action: "Action",
  if: "Condition",
  delay: "Wait for",
  branches: "Branches",
  timeout: "Time limit per attempt",
  // A "For each" step's settings, by their labels in the side panel.
  forEach: "The list",
  as: "Call each item",
  concurrency: "How many at once",
  maxItems: "At most this many items",
  onItemFailure: "When an item fails",
} as const;
const stepLabel = (key: string): string =>
  (STEP_LABELS as Record<string, string | undefined>)[key] ?? humanize(key);

const KIND_WORDS = {
  action: "Action",
  if: "If / else",
  parallel: "At the same time",
  delay: "Wait",
  waitFor: "Wait for an event",
  forEach: "For each",
};

/** "max_attempts" or "maxAttempts" → "Max attempts". */
export function humanize(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/[_-]+/g, " ")
    .trim()
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A value as text a person reads: strings as they are, the rest as compact JSON. */
export function showValue(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === undefined) return "";
  return JSON.stringify(value);
}

/** Flattens nested objects and arrays of objects into labelled leaves. */
function flatten(
  value: unknown,
  path: string,
  label: string,
  out: Map<string, { label: string; value: string }>,
): void {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0 && path) out.set(path, { label, value: "(empty)" });
    for (const [k, v] of entries) {
      flatten(v, path ? `${path}.${k}` : k, label ? `${label} › ${k}` : humanize(k), out);
    }
  } else if (Array.isArray(value) && value.some((v) => v !== null && typeof v === "object")) {
    value.forEach((v, i) => {
      flatten(v, `${path}[${i}]`, `${label} ${i + 1}`, out);
    });
    if (value.length === 0) out.set(path, { label, value: "(none)" });
  } else if (value !== undefined) {
    out.set(path, { label, value: showValue(value) });
  }
}

interface Placed {
  step: Step;
  /** The list it sits in, by structure: "" for the main steps, "check/then", "together/1". */
  container: string;
  /** The list in words, in this version: "the Yes branch of Approved?". */
  where: string;
  index: number;
}

const titleOf = (step: Step): string => step.name || step.id;

function place(steps: Step[], container: string, where: string, into: Map<string, Placed>): void {
  steps.forEach((step, index) => {
    into.set(step.id, { step, container, where, index });
    const name = titleOf(step);
    if ("if" in step) {
      place(step.then, `${step.id}/then`, `the Yes branch of ${name}`, into);
      place(step.else ?? [], `${step.id}/else`, `the No branch of ${name}`, into);
    } else if ("parallel" in step) {
      step.parallel.forEach((branch, b) => {
        place(branch, `${step.id}/${b}`, `branch ${b + 1} of ${name}`, into);
      });
    } else if ("waitFor" in step) {
      place(
        step.onTimeout ?? [],
        `${step.id}/onTimeout`,
        `the If nothing arrives branch of ${name}`,
        into,
      );
    } else if ("forEach" in step) {
      place(step.steps, `${step.id}/steps`, `the repeated steps of ${name}`, into);
    }
  });
}

/** A step's own fields (its branches' steps are sections of their own). */
function stepFields(
  p: Placed,
  actionTitle: (name: string) => string | undefined,
): Map<string, { label: string; value: string }> {
  const out = new Map<string, { label: string; value: string }>();
  const { step } = p;
  const kind =
    "action" in step
      ? "action"
      : "if" in step
        ? "if"
        : "parallel" in step
          ? "parallel"
          : "waitFor" in step
            ? "waitFor"
            : "forEach" in step
              ? "forEach"
              : "delay";
  out.set("kind", { label: STEP_LABELS.kind, value: KIND_WORDS[kind] });
  out.set("where", { label: STEP_LABELS.where, value: `${p.where}, step ${p.index + 1}` });
  for (const [key, value] of Object.entries(step)) {
    if (key === "id" || key === "then" || key === "else" || key === "onTimeout") continue;
    if (kind === "forEach" && key === "steps") continue;
    if (kind === "forEach" && key === "onItemFailure") {
      out.set(key, {
        label: STEP_LABELS.onItemFailure,
        value: failureWords(value as LoopLike["onItemFailure"]),
      });
      continue;
    }
    if (key === "parallel") {
      out.set("branches", {
        label: STEP_LABELS.branches,
        value: String((value as Step[][]).length),
      });
    } else if (key === "action") {
      const title = actionTitle(String(value));
      out.set("action", { label: STEP_LABELS.action, value: title ?? String(value) });
    } else if (key === "config") {
      // Config fields read as themselves ("To", "Subject"), not "Config › to".
      for (const [k, v] of Object.entries((value ?? {}) as Record<string, unknown>)) {
        flatten(v, `config.${k}`, humanize(k), out);
      }
    } else {
      flatten(value, key, stepLabel(key), out);
    }
  }
  return out;
}

function compareFields(
  a: Map<string, { label: string; value: string }> | null,
  b: Map<string, { label: string; value: string }> | null,
  onlyDifferent: boolean,
): FieldDiff[] {
  const keys = [...new Set([...(a?.keys() ?? []), ...(b?.keys() ?? [])])];
  const out: FieldDiff[] = [];
  for (const key of keys) {
    const old = a?.get(key);
    const now = b?.get(key);
    const change: Change =
      old && now ? (old.value === now.value ? "same" : "changed") : old ? "removed" : "added";
    if (onlyDifferent && change === "same") continue;
    out.push({
      key,
      label: (now ?? old)?.label ?? key,
      old: old?.value ?? null,
      new: now?.value ?? null,
      change,
    });
  }
  return out;
}

/** Where each common step sits among the common steps of its list (insertions elsewhere do not move it). */
function relativeOrder(placed: Map<string, Placed>, common: Set<string>): Map<string, string> {
  const lists = new Map<string, Placed[]>();
  for (const [id, p] of placed) {
    if (!common.has(id)) continue;
    lists.set(p.container, [...(lists.get(p.container) ?? []), p]);
  }
  const out = new Map<string, string>();
  for (const [container, items] of lists) {
    items.sort((x, y) => x.index - y.index);
    items.forEach((p, i) => {
      out.set(p.step.id, `${container}#${i}`);
    });
  }
  return out;
}

/**
 * The differences between two versions, section by section.
 *
 * @example diffDefinitions(v1, v2).sections.filter((s) => s.change !== "same")
 * // [{ id: null, title: "Workflow", change: "changed", fields: [{ label: "Name", old: "A", new: "B", change: "changed" }] }]
 */
export function diffDefinitions(
  a: WorkflowDefinition,
  b: WorkflowDefinition,
  actionTitle: (name: string) => string | undefined = () => undefined,
): DefinitionDiff {
  const sections: SectionDiff[] = [];
  const own = (def: WorkflowDefinition) => {
    const out = new Map<string, { label: string; value: string }>();
    const { steps: _steps, ...rest } = def;
    flatten(rest, "", "", out);
    for (const [key, field] of out) field.label = WORKFLOW_LABELS[key] ?? field.label;
    return out;
  };
  const workflowFields = compareFields(own(a), own(b), true);
  sections.push({
    id: null,
    title: "Workflow",
    change: workflowFields.length ? "changed" : "same",
    fields: workflowFields,
  });

  const before = new Map<string, Placed>();
  const after = new Map<string, Placed>();
  place(a.steps, "", "the main steps", before);
  place(b.steps, "", "the main steps", after);
  const common = new Set([...before.keys()].filter((id) => after.has(id)));
  const orderBefore = relativeOrder(before, common);
  const orderAfter = relativeOrder(after, common);

  // The new version's order, each removed step slotted in after the step it followed.
  const order = [...after.keys()];
  let anchor = -1;
  for (const id of before.keys()) {
    const at = order.indexOf(id);
    if (at >= 0) anchor = at;
    else order.splice(++anchor, 0, id);
  }

  for (const id of order) {
    const old = before.get(id);
    const now = after.get(id);
    const title = titleOf((now ?? old)!.step);
    if (old && now) {
      const fields = compareFields(
        stepFields(old, actionTitle),
        stepFields(now, actionTitle),
        true,
      );
      // Only a real move counts for "Where": not steps added or removed around it.
      const moved = orderBefore.get(id) !== orderAfter.get(id);
      const shown = moved ? fields : fields.filter((f) => f.key !== "where");
      sections.push({ id, title, change: shown.length ? "changed" : "same", fields: shown });
    } else {
      const fields = compareFields(
        old ? stepFields(old, actionTitle) : null,
        now ? stepFields(now, actionTitle) : null,
        false,
      );
      sections.push({ id, title, change: now ? "added" : "removed", fields });
    }
  }
  return { sections, same: sections.every((s) => s.change === "same") };
}
