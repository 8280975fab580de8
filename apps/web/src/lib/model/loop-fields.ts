// The data a step can read because of "For each" loops (issue 15, part 2):
// inside a loop, the item (its fields inferred from the list's first element
// in the sample, like other sample-based fields) and `index`; after a loop,
// its results. And which fields are lists, for choosing a loop's list.
import type { ActionStep, ForEachStep, Step, WorkflowDefinition } from "@switchyard/engine";
import type { CatalogAction, JsonSchema } from "../api";
import { type FieldInfo, flattenSchema } from "./fields";
import { listWords } from "./loop-words";

/** The loops around `targetId`, outermost first (not the step itself). */
export function loopsAround(def: WorkflowDefinition, targetId: string): ForEachStep[] {
  const visit = (steps: Step[], around: ForEachStep[]): ForEachStep[] | null => {
    for (const step of steps) {
      if (step.id === targetId) return around;
      const lists: Step[][] =
        "if" in step
          ? [step.then, step.else ?? []]
          : "parallel" in step
            ? step.parallel
            : "waitFor" in step
              ? [step.onTimeout ?? []]
              : "forEach" in step
                ? [step.steps]
                : [];
      const inner = "forEach" in step ? [...around, step] : around;
      for (const list of lists) {
        const found = visit(list, inner);
        if (found) return found;
      }
    }
    return null;
  };
  return visit(def.steps, []) ?? [];
}

/** The loops that have finished before `targetId` runs (at its level or around it). */
export function loopsBefore(def: WorkflowDefinition, targetId: string): ForEachStep[] {
  const out: ForEachStep[] = [];
  let done = false;
  const visit = (steps: Step[]): void => {
    for (const step of steps) {
      if (done) return;
      if (step.id === targetId) {
        done = true;
        return;
      }
      const mark = out.length;
      if ("forEach" in step) {
        visit(step.steps);
        if (done) return;
        out.length = mark;
        out.push(step);
      } else if ("if" in step) {
        visit(step.then);
        visit(step.else ?? []);
      } else if ("parallel" in step) for (const b of step.parallel) visit(b);
      else if ("waitFor" in step) visit(step.onTimeout ?? []);
    }
  };
  visit(def.steps);
  return out;
}

/** The schema at a dotted path of a context schema (`order.lines`), or null. */
export function schemaAt(root: JsonSchema, path: string): JsonSchema | null {
  let node: JsonSchema | undefined = root;
  for (const key of path.trim().split(".")) {
    node = node?.properties?.[key];
    if (!node) return null;
  }
  return node ?? null;
}

/** The value at a dotted path of a sample context, or undefined. */
export function sampleAt(sample: unknown, path: string): unknown {
  let node = sample;
  for (const key of path.trim().split(".")) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

const isList = (f: FieldInfo): boolean => f.type.split(" | ").includes("array");

/** Only the lists among the fields, named in words: what a loop may go through. */
export function listFields(fields: FieldInfo[]): FieldInfo[] {
  return fields.filter(isList).map((f) => ({ ...f, label: f.label ?? cap(listWords(f.path)) }));
}

const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** A loop's item and index, as the data picker offers them inside the loop. */
export function itemFields(loop: ForEachStep, itemSchema: JsonSchema, first: unknown): FieldInfo[] {
  const as = loop.as?.trim() || "item";
  const group = `Each ${as} of “${loop.name ?? loop.id}”`;
  const kind =
    typeof itemSchema.type === "string"
      ? itemSchema.type
      : itemSchema.properties
        ? "object"
        : "any";
  return [
    { path: as, type: kind, group, label: `The ${as} itself`, sample: first },
    ...flattenSchema(as, itemSchema, group, first),
    { path: "index", type: "number", group, label: "Position in the list (the first is 0)" },
  ];
}

/** What a loop's output holds: each item's results by step, and the failed items. */
export function loopOutputSchema(
  loop: ForEachStep,
  actionOf: (name: string) => CatalogAction | undefined,
): JsonSchema {
  const byStep: Record<string, JsonSchema> = {};
  const visit = (steps: Step[]): void => {
    for (const s of steps) {
      if ("action" in s) byStep[s.id] = actionOf(s.action)?.outputSchema ?? {};
      else if ("if" in s) {
        visit(s.then);
        visit(s.else ?? []);
      } else if ("parallel" in s) for (const b of s.parallel) visit(b);
      else if ("waitFor" in s) visit(s.onTimeout ?? []);
      else if ("forEach" in s) byStep[s.id] = loopOutputSchema(s, actionOf);
    }
  };
  visit(loop.steps);
  return {
    type: "object",
    properties: {
      results: { type: "array", items: { type: "object", properties: byStep } },
      failed: {
        type: "array",
        items: {
          type: "object",
          properties: { index: { type: "number" }, error: { type: "object" } },
        },
      },
    },
  };
}

/** After a loop: its results, for the data picker. */
export function loopResultFields(loops: ForEachStep[]): FieldInfo[] {
  return loops.flatMap((l) => {
    const group = `Step “${l.name ?? l.id}”`;
    return [
      {
        path: `steps.${l.id}.output.results`,
        type: "array",
        group,
        label: "Each item's results, in the list's order",
      },
      {
        path: `steps.${l.id}.output.failed`,
        type: "array",
        group,
        label: "The items that failed (their position and error)",
      },
    ];
  });
}

/**
 * Adds the loops around a step and the loops before it to the fields and
 * the context schema the step's expressions are checked against.
 */
export function withLoops(
  def: WorkflowDefinition,
  stepId: string,
  base: { fields: FieldInfo[]; schema: JsonSchema; sample: Record<string, unknown> },
  actionOf: (name: string) => CatalogAction | undefined,
): { fields: FieldInfo[]; schema: JsonSchema } {
  let schema = base.schema;
  let sample = base.sample;
  const loopFields: FieldInfo[][] = [];
  const stepsSchema = schema.properties?.steps ?? { type: "object", properties: {} };
  const stepProps = { ...(stepsSchema.properties ?? {}) };
  const before = loopsBefore(def, stepId);
  for (const l of before) {
    stepProps[l.id] = {
      type: "object",
      properties: { status: { type: "string" }, output: loopOutputSchema(l, actionOf), error: {} },
    };
  }
  schema = {
    ...schema,
    properties: { ...(schema.properties ?? {}), steps: { ...stepsSchema, properties: stepProps } },
  };
  const around = loopsAround(def, stepId);
  for (const [n, loop] of around.entries()) {
    const list = schemaAt(schema, loop.forEach);
    const itemSchema: JsonSchema = list?.items ?? {};
    const values = sampleAt(sample, loop.forEach);
    const first = Array.isArray(values) ? values[0] : undefined;
    const as = loop.as?.trim() || "item";
    // `index` is the innermost loop's: an outer loop's is out of reach inside another.
    const own = itemFields(loop, itemSchema, first);
    loopFields.push(n === around.length - 1 ? own : own.filter((f) => f.path !== "index"));
    schema = {
      ...schema,
      properties: { ...(schema.properties ?? {}), [as]: itemSchema, index: { type: "number" } },
    };
    sample = { ...sample, [as]: first, index: 0 };
  }
  // The innermost loop's item first: it is what a step in a loop reads most.
  return {
    fields: [...loopFields.reverse().flat(), ...base.fields, ...loopResultFields(before)],
    schema,
  };
}

/** The sample context: the event's data under its name, and earlier steps' sample outputs. */
export function sampleContext(
  payloadName: string,
  data: unknown,
  steps: ActionStep[],
  actionOf: (name: string) => CatalogAction | undefined,
): Record<string, unknown> {
  const outputs: Record<string, unknown> = {};
  for (const s of steps) outputs[s.id] = { output: actionOf(s.action)?.sampleOutput };
  return { [payloadName]: data, event: { data }, steps: outputs };
}
