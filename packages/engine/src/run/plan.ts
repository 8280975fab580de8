// A definition's steps by id, computed once per definition object.
import type { Step, WorkflowDefinition } from "../definition/types.ts";
import { isForEachStep } from "../definition/types.ts";
import type { StepPlace } from "../definition/walk.ts";
import { flattenSteps } from "../definition/walk.ts";

export interface Plan {
  byId: Map<string, { step: Step; place: StepPlace }>;
  /** Every step id in document order, loop bodies included. */
  order: string[];
  /** Each step's enclosing forEach steps, outermost first (empty outside every loop). */
  loops: Map<string, string[]>;
  /** The steps outside every loop: a run holds a state for each from the start. */
  top: string[];
  /** Each loop's own steps (nested ones included, not those of loops inside it), in document order. */
  body: Map<string, string[]>;
}

const plans = new WeakMap<WorkflowDefinition, Plan>();

export function planOf(definition: WorkflowDefinition): Plan {
  let plan = plans.get(definition);
  if (plan === undefined) {
    const flat = flattenSteps(definition);
    const byId = new Map(flat.map((v) => [v.step.id, v]));
    const loops = new Map<string, string[]>();
    for (const { step, place } of flat) {
      const parent = place.parentId === null ? undefined : byId.get(place.parentId)?.step;
      const outer = place.parentId === null ? [] : (loops.get(place.parentId) ?? []);
      loops.set(
        step.id,
        parent !== undefined && isForEachStep(parent) ? [...outer, parent.id] : outer,
      );
    }
    const order = flat.map((v) => v.step.id);
    const body = new Map<string, string[]>();
    for (const id of order) {
      const loop = loops.get(id)!.at(-1);
      if (loop !== undefined) body.set(loop, [...(body.get(loop) ?? []), id]);
    }
    plan = {
      byId,
      order,
      loops,
      top: order.filter((id) => loops.get(id)!.length === 0),
      body,
    };
    plans.set(definition, plan);
  }
  return plan;
}
