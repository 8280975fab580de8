// Starting a run: the loop guard's refusal, then the filter, then the steps.
import { evaluateCondition } from "../matching/filter.ts";
import { Draft } from "./draft.ts";
import { driveRun } from "./drive.ts";
import type { AdvanceResult } from "./inputs.ts";
import type { RunState } from "./state.ts";
import { EngineErrorCode, RunStatus } from "./state.ts";
import { done, ignore } from "./transition.ts";

export function onStart(state: RunState, at: number): AdvanceResult {
  if (state.startedAt !== null) return ignore(state, "already_started", "the run has started");
  const d = new Draft(state, at);
  d.state.startedAt = at;
  if (state.suppression !== null) {
    d.timeline("run.suppressed", { message: state.suppression.message });
    d.finish(RunStatus.suppressed, {
      code: state.suppression.reason,
      message: state.suppression.message,
    });
    return done(d);
  }
  applyFilter(d);
  return done(d);
}

/** Evaluates the filter unless the matcher did; then drives or ends the run. */
export function applyFilter(d: Draft): void {
  const source = d.state.definition.filter ?? null;
  if (d.state.filter === null) {
    if (source === null) d.state.filter = { expression: null, result: true, error: null };
    else {
      const outcome = evaluateCondition(source, d.context(), EngineErrorCode.filterError, "filter");
      d.state.filter = outcome.ok
        ? { expression: source, result: outcome.value, error: null }
        : { expression: source, result: null, error: outcome.error };
    }
  }
  const filter = d.state.filter;
  if (filter.error !== null) {
    d.finish(RunStatus.failed, filter.error);
    return;
  }
  if (filter.result === false) {
    d.timeline("run.filtered", { message: filter.expression ?? "" });
    d.finish(RunStatus.filtered, null);
    return;
  }
  d.timeline("run.started");
  driveRun(d);
}
