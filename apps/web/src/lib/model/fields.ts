// The data a step can read: the event's fields (from the event type's schema or
// sample) and the outputs of the steps that ran before it (from the catalogue's
// output schemas). Feeds the insertable field list, the condition rows and checks.
import type { ActionStep, Step, WaitForStep, WorkflowDefinition } from "@switchyard/engine";
import type { CatalogAction, JsonSchema } from "../api";

export interface FieldInfo {
  /** A dotted path usable in an expression: `order.customer.email`. */
  path: string;
  type: string;
  /** Which group the picker shows it under. */
  group: string;
  /** What it is in words, when its path does not say it ("Position in the list"). */
  label?: string;
  description?: string;
  sample?: unknown;
}

/** "order" for "order.created". */
export function payloadName(eventType: string): string {
  const dot = eventType.indexOf(".");
  return dot > 0 ? eventType.slice(0, dot) : "data";
}

function resolve(schema: JsonSchema | undefined, root: JsonSchema | undefined): JsonSchema {
  if (!schema) return {};
  if (schema.$ref && root?.$defs) {
    const name = schema.$ref.replace(/^#\/\$defs\//, "");
    return root.$defs[name] ?? {};
  }
  return schema;
}

function typeOf(schema: JsonSchema): string {
  if (Array.isArray(schema.type)) return schema.type.join(" | ");
  if (schema.type) return schema.type;
  if (schema.enum) return "string";
  if (schema.anyOf) return schema.anyOf.map(typeOf).join(" | ");
  return "any";
}

/** Every leaf and object path under `prefix`, depth first. */
export function flattenSchema(
  prefix: string,
  schema: JsonSchema,
  group: string,
  sample: unknown,
  root: JsonSchema = schema,
  depth = 0,
): FieldInfo[] {
  const out: FieldInfo[] = [];
  const s = resolve(schema, root);
  const props = s.properties;
  if (!props || depth > 4) return out;
  for (const [key, sub] of Object.entries(props)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) continue;
    const path = `${prefix}.${key}`;
    const child = resolve(sub, root);
    const childSample =
      sample && typeof sample === "object" ? (sample as Record<string, unknown>)[key] : undefined;
    out.push({
      path,
      type: typeOf(child),
      group,
      description: child.description,
      sample: childSample,
    });
    if (child.properties)
      out.push(...flattenSchema(path, child, group, childSample, root, depth + 1));
  }
  return out;
}

export function eventFields(
  eventType: string,
  payloadSchema: JsonSchema,
  sample: unknown,
): FieldInfo[] {
  const name = payloadName(eventType);
  return [
    ...flattenSchema(name, payloadSchema, "Event data", sample),
    { path: "event.id", type: "string", group: "Event" },
    { path: "event.type", type: "string", group: "Event" },
    { path: "event.occurredAt", type: "string", group: "Event" },
  ];
}

/** The action steps that have finished before `targetId` runs (execution order). */
export function stepsBefore(def: WorkflowDefinition, targetId: string | null): ActionStep[] {
  const out: ActionStep[] = [];
  let found = false;
  const visit = (steps: Step[], before: ActionStep[]): ActionStep[] => {
    let acc = before;
    for (const step of steps) {
      if (found) return acc;
      if (step.id === targetId) {
        found = true;
        out.push(...acc);
        return acc;
      }
      if ("action" in step) acc = [...acc, step];
      else if ("if" in step) {
        const a = visit(step.then, acc);
        if (found) return a;
        const b = visit(step.else ?? [], acc);
        if (found) return b;
        acc = [...acc, ...a.slice(acc.length), ...b.slice(acc.length)];
      } else if ("waitFor" in step) {
        // The "If nothing arrives" branch runs after the wait, or not at all.
        const a = visit(step.onTimeout ?? [], acc);
        if (found) return a;
        acc = [...acc, ...a.slice(acc.length)];
      } else if ("forEach" in step) {
        // A loop's body sees its own earlier steps; after the loop they are
        // out of reach (the loop's output holds their results).
        const a = visit(step.steps, acc);
        if (found) return a;
      } else if ("parallel" in step) {
        let merged = acc;
        for (const branch of step.parallel) {
          const r = visit(branch, acc);
          if (found) return r;
          merged = [...merged, ...r.slice(acc.length)];
        }
        acc = merged;
      }
    }
    return acc;
  };
  const all = visit(def.steps, []);
  return found ? out : targetId === null ? [] : all;
}

export function stepOutputFields(
  steps: ActionStep[],
  actionOf: (name: string) => CatalogAction | undefined,
): FieldInfo[] {
  const out: FieldInfo[] = [];
  for (const step of steps) {
    const action = actionOf(step.action);
    const group = `Step “${step.name ?? step.id}”`;
    out.push({ path: `steps.${step.id}.status`, type: "string", group });
    if (action)
      out.push(
        ...flattenSchema(
          `steps.${step.id}.output`,
          action.outputSchema,
          group,
          action.sampleOutput,
        ),
      );
  }
  return out;
}

/**
 * The "Wait for an event" steps met before `targetId` (depth first, its own
 * wait included when the target is in its "If nothing arrives" branch).
 */
export function waitsBefore(def: WorkflowDefinition, targetId: string | null): WaitForStep[] {
  const out: WaitForStep[] = [];
  let done = false;
  const visit = (steps: Step[]): void => {
    for (const step of steps) {
      if (done) return;
      if (step.id === targetId) {
        done = true;
        return;
      }
      if ("waitFor" in step) {
        out.push(step);
        visit(step.onTimeout ?? []);
      } else if ("if" in step) {
        visit(step.then);
        visit(step.else ?? []);
      } else if ("forEach" in step) {
        // Waits inside a loop are visible only inside it.
        const mark = out.length;
        visit(step.steps);
        if (!done) out.length = mark;
      } else if ("parallel" in step) for (const b of step.parallel) visit(b);
    }
  };
  visit(def.steps);
  return out;
}

/** What a wait's output holds: the event that resumed it, or `timedOut` (and `cancelled`). */
export function waitOutputSchema(
  step: WaitForStep,
  payloadSchemaOf: (type: string) => JsonSchema,
): JsonSchema {
  const types = [step.waitFor.event].flat().filter((t) => t !== "");
  return {
    type: "object",
    properties: {
      id: { type: "string" },
      type: { type: "string" },
      data: types.length === 1 ? payloadSchemaOf(types[0] as string) : {},
      occurredAt: { type: "string" },
      timedOut: { type: "boolean" },
      cancelled: { type: "boolean" },
    },
  };
}

/** The fields of earlier waits' outputs, for the data picker: `steps.<id>.output.data.…`. */
export function waitOutputFields(
  waits: WaitForStep[],
  payloadSchemaOf: (type: string) => JsonSchema,
): FieldInfo[] {
  return waits.flatMap((w) =>
    flattenSchema(
      `steps.${w.id}.output`,
      waitOutputSchema(w, payloadSchemaOf),
      `Step “${w.name ?? w.id}”`,
      undefined,
    ),
  );
}

/** The JSON Schema of everything an expression at this place can read (for `check`). */
export function contextSchema(
  eventType: string,
  payloadSchema: JsonSchema,
  steps: ActionStep[],
  actionOf: (name: string) => CatalogAction | undefined,
  waits: WaitForStep[] = [],
  payloadSchemaOf: (type: string) => JsonSchema = () => ({}),
): JsonSchema {
  const stepProps: Record<string, JsonSchema> = {};
  for (const w of waits) {
    stepProps[w.id] = {
      type: "object",
      properties: {
        status: { type: "string" },
        output: waitOutputSchema(w, payloadSchemaOf),
        error: {},
      },
    };
  }
  for (const step of steps) {
    stepProps[step.id] = {
      type: "object",
      properties: {
        status: { type: "string" },
        output: actionOf(step.action)?.outputSchema ?? {},
        error: {},
      },
    };
  }
  return {
    type: "object",
    properties: {
      event: {
        type: "object",
        properties: {
          id: { type: "string" },
          type: { type: "string" },
          data: payloadSchema,
          occurredAt: { type: "string" },
          source: {},
          changes: {},
        },
      },
      [payloadName(eventType)]: payloadSchema,
      steps: { type: "object", properties: stepProps },
      workflow: {
        type: "object",
        properties: {
          id: { type: "string" },
          version: { type: "number" },
          name: { type: "string" },
        },
      },
      run: { type: "object", properties: { id: { type: "string" } } },
      now: { "x-expr-type": "timestamp" },
    },
  };
}
