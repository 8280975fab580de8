// Retry-from-failed: failed steps go back to pending (containers to
// running), succeeded steps stay as they are; optionally onto another
// version, when checkRetryCompatibility allows it.
import { checkRetryCompatibility } from "./compat.ts";
import { freshStep } from "./create-run.ts";
import { Draft } from "./draft.ts";
import { driveRun } from "./drive.ts";
import type { AdvanceResult, RunInput } from "./inputs.ts";
import { parseInstanceId } from "./instances.ts";
import { reopenFailed } from "./loop.ts";
import { planOf } from "./plan.ts";
import { applyFilter } from "./start.ts";
import type { RunState, StepState } from "./state.ts";
import { RunStatus } from "./state.ts";
import { done, ignore } from "./transition.ts";

export function onRetry(
  state: RunState,
  input: Extract<RunInput, { type: "retryRequested" }>,
): AdvanceResult {
  if (state.status !== RunStatus.failed) {
    return ignore(
      state,
      "not_failed",
      `only a failed run can be retried; this one is ${state.status}`,
    );
  }
  if (input.to !== undefined) {
    const compatibility = checkRetryCompatibility(state, input.to.definition);
    if (!compatibility.ok) {
      return {
        state,
        commands: [],
        ignored: {
          reason: "incompatible_version",
          message: `version ${input.to.version} changes steps this run has finished`,
          differing: compatibility.differing,
        },
      };
    }
  }
  const d = new Draft(state, input.at);
  if (input.to !== undefined) moveToVersion(d, input.to.version, input.to.definition);
  // Steps outside loops reopen now; inside a loop, a failed item's steps reopen
  // when the loop starts the item again (run/loop.ts), so a loop that tolerated
  // failed items (failAbove) keeps them as they are.
  for (const id of d.state.order) reopenFailed(d, id);
  d.state.status = RunStatus.running;
  d.state.finishedAt = null;
  d.state.error = null;
  d.timeline("run.retried", { message: `version ${d.state.version}` });
  if (d.state.filter?.error) {
    d.state.filter = null;
    applyFilter(d);
  } else driveRun(d);
  return done(d);
}

function moveToVersion(d: Draft, version: number, definition: RunState["definition"]): void {
  const plan = planOf(definition);
  const steps: Record<string, StepState> = {};
  for (const id of plan.top) steps[id] = d.state.steps[id] ?? freshStep(plan.byId.get(id)!.step);
  // Loop items and their steps stay while their step is still in the version
  // (a step new to a loop's body is made when an item reaches it).
  for (const [id, step] of Object.entries(d.state.steps)) {
    const base = parseInstanceId(id);
    if (base === null || base.path.length === 0) continue;
    const loops = plan.loops.get(base.stepId);
    if (loops === undefined) continue;
    const depth = step.kind === "item" ? loops.length + 1 : loops.length;
    if (depth === base.path.length) steps[id] = step;
  }
  d.state.definition = definition;
  d.state.version = version;
  d.state.steps = steps;
  d.state.order = plan.top;
  d.plan = plan;
}
