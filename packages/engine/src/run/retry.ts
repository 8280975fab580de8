// Retry-from-failed: failed steps go back to pending (containers to
// running), succeeded steps stay as they are; optionally onto another
// version, when checkRetryCompatibility allows it.
import { checkRetryCompatibility } from "./compat.ts";
import { freshStep } from "./create-run.ts";
import { Draft } from "./draft.ts";
import { driveRun } from "./drive.ts";
import type { AdvanceResult, RunInput } from "./inputs.ts";
import { instanceId, parseInstanceId } from "./instances.ts";
import { planOf } from "./plan.ts";
import { applyFilter } from "./start.ts";
import type { RunState, StepState } from "./state.ts";
import { RunStatus, StepStatus } from "./state.ts";
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
  const retried = retriedLoops(d);
  for (const id of Object.keys(d.state.steps)) {
    const step = d.step(id);
    if (step.status !== StepStatus.failed || !insideRetried(d, id, step.kind, retried)) continue;
    if (step.kind === "forEach" && step.loop !== undefined) {
      // Its failed items run again (their failed steps only); the others keep their results.
      const { loop } = step;
      d.update(id, {
        status: StepStatus.running,
        finishedAt: null,
        error: null,
        output: null,
        // They start again first, `concurrency` at a time, before items not started yet.
        loop: { ...loop, again: [...(loop.again ?? []), ...loop.failed], failed: [] },
      });
    } else if (
      step.kind === "parallel" ||
      (step.kind === "if" && step.branch !== null) ||
      // A wait that timed out and whose onTimeout branch failed: the branch goes on.
      (step.kind === "waitFor" && step.branch === "onTimeout")
    ) {
      d.update(id, { status: StepStatus.running, finishedAt: null, error: null });
    } else {
      d.update(id, {
        status: StepStatus.pending,
        attemptsInRound: 0,
        retryAt: null,
        finishedAt: null,
        error: null,
        branch: null,
      });
    }
  }
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

/** The loop instances that failed: their failed items run again. */
function retriedLoops(d: Draft): Set<string> {
  const out = new Set<string>();
  for (const [id, step] of Object.entries(d.state.steps)) {
    if (step.kind === "forEach" && step.status === StepStatus.failed) out.add(id);
  }
  return out;
}

/**
 * True when every loop around a state (an item's own loop included) runs
 * again: a loop that succeeded with failed items (onItemFailure failAbove)
 * keeps them as they are.
 */
function insideRetried(d: Draft, id: string, kind: string, retried: Set<string>): boolean {
  const parsed = parseInstanceId(id);
  if (parsed === null || parsed.path.length === 0) return true;
  const outer = d.plan.loops.get(parsed.stepId) ?? [];
  const chain = kind === "item" ? [...outer, parsed.stepId] : outer;
  return chain.every((loop, depth) => retried.has(instanceId(loop, parsed.path.slice(0, depth))));
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
