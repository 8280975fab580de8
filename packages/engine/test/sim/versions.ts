import type { WorkflowDefinition } from "../../src/definition/types.ts";
import type { RunState } from "../../src/run/state.ts";

/**
 * A new version for a retry: failed leaf steps (and failed conditions) are
 * fixed. With `touchSucceeded`, a succeeded step changes too, so the engine
 * must refuse the move.
 */
export function fixFailedSteps(state: RunState, touchSucceeded: boolean): WorkflowDefinition {
  const definition = JSON.parse(JSON.stringify(state.definition)) as WorkflowDefinition;
  let touched = false;
  const visit = (steps: WorkflowDefinition["steps"]): void => {
    for (const step of steps) {
      const status = state.steps[step.id]?.status;
      if ("action" in step) {
        if (status === "failed" && "body" in step.config) step.config.body = "fixed";
        if (status === "failed") step.retry = { attempts: 5, initial: "1s", max: "10s" };
        if (touchSucceeded && !touched && status === "succeeded") {
          step.config = { ...step.config, touched: true };
          touched = true;
        }
      } else if ("if" in step) {
        if (status === "failed" && state.steps[step.id]?.branch === null) step.if = "true";
        visit(step.then);
        if (step.else) visit(step.else);
      } else if ("parallel" in step) {
        for (const lane of step.parallel) visit(lane);
      }
    }
  };
  visit(definition.steps);
  if (state.filter?.error) delete definition.filter;
  return definition;
}
