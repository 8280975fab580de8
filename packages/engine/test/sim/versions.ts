import type { WorkflowDefinition } from "../../src/definition/types.ts";
import { parseInstanceId } from "../../src/run/instances.ts";
import type { RunState, StepState } from "../../src/run/state.ts";

/**
 * A new version for a retry: failed leaf steps (and failed conditions) are
 * fixed. With `touchSucceeded`, a succeeded step changes too, so the engine
 * must refuse the move. A step inside a loop counts as failed when one of
 * its instances failed and as succeeded when one succeeded (a body step
 * that succeeded for some items and failed for others cannot change: the
 * engine must refuse that too).
 */
export function fixFailedSteps(state: RunState, touchSucceeded: boolean): WorkflowDefinition {
  const definition = JSON.parse(JSON.stringify(state.definition)) as WorkflowDefinition;
  const instances = new Map<string, StepState[]>();
  for (const [id, step] of Object.entries(state.steps)) {
    if (step.kind === "item") continue;
    const base = parseInstanceId(id)?.stepId ?? id;
    instances.set(base, [...(instances.get(base) ?? []), step]);
  }
  const some = (id: string, test: (s: StepState) => boolean): boolean =>
    (instances.get(id) ?? []).some(test);
  let touched = false;
  const visit = (steps: WorkflowDefinition["steps"]): void => {
    for (const step of steps) {
      const failed = some(step.id, (s) => s.status === "failed");
      const succeeded = some(step.id, (s) => s.status === "succeeded");
      if ("action" in step) {
        if (failed && "body" in step.config) step.config.body = "fixed";
        if (failed) step.retry = { attempts: 5, initial: "1s", max: "10s" };
        if (touchSucceeded && !touched && succeeded) {
          step.config = { ...step.config, touched: true };
          touched = true;
        }
      } else if ("if" in step) {
        if (some(step.id, (s) => s.status === "failed" && s.branch === null)) step.if = "true";
        visit(step.then);
        if (step.else) visit(step.else);
      } else if ("parallel" in step) {
        for (const lane of step.parallel) visit(lane);
      } else if ("forEach" in step) {
        // A list that could not be read: read one that can.
        if (some(step.id, (s) => s.status === "failed" && s.loop === undefined)) {
          step.forEach = `${step.forEach.split(".")[0]}.${step.forEach.endsWith(".sub") ? "sub" : "items"}`;
          delete step.maxItems;
        }
        visit(step.steps);
      }
    }
  };
  visit(definition.steps);
  if (state.filter?.error) delete definition.filter;
  return definition;
}
