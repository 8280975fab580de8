// A definition's steps by id, computed once per definition object.
import type { Step, WorkflowDefinition } from "../definition/types.ts";
import type { StepPlace } from "../definition/walk.ts";
import { flattenSteps } from "../definition/walk.ts";

export interface Plan {
  byId: Map<string, { step: Step; place: StepPlace }>;
  order: string[];
}

const plans = new WeakMap<WorkflowDefinition, Plan>();

export function planOf(definition: WorkflowDefinition): Plan {
  let plan = plans.get(definition);
  if (plan === undefined) {
    const flat = flattenSteps(definition);
    plan = { byId: new Map(flat.map((v) => [v.step.id, v])), order: flat.map((v) => v.step.id) };
    plans.set(definition, plan);
  }
  return plan;
}
