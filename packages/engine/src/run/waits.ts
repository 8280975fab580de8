// waitFor steps (issue 15, part 3): the step opens a wait (a timer for its
// timeout and an `openWait` command, so the tenant's store indexes it by
// its keys), then either an event whose `match` says yes resumes it (its
// output is that event), or the timeout, or a cancel, takes its
// `onTimeout` branch (output `{ timedOut: true }`, plus `cancelled: true`
// when cancelled). The branch is not an error: the step succeeds once the
// branch has run.
import type { EventEnvelope } from "../context/context.ts";
import type { Step, WaitForStep } from "../definition/types.ts";
import { isWaitForStep, waitTypes } from "../definition/types.ts";
import { evaluateCondition } from "../matching/filter.ts";
import { succeedStep, timerId } from "./attempts.ts";
import { Draft } from "./draft.ts";
import { driveRun } from "./drive.ts";
import type { AdvanceResult } from "./inputs.ts";
import { stepAt } from "./instances.ts";
import type { RunState } from "./state.ts";
import { StepStatus } from "./state.ts";
import { done, ignore, isOpen } from "./transition.ts";
import { skipTimeoutBranch, timeOut, waitOutput } from "./wait-open.ts";

/** An event the store found for a wait: it resumes the step if the step waits and `match` says yes. */
export function onEventArrived(
  state: RunState,
  stepId: string,
  event: EventEnvelope,
  at: number,
): AdvanceResult {
  if (!isOpen(state)) return ignore(state, "run_finished", `the run is ${state.status}`);
  const found = waitStepOf(state, stepId);
  if (found === null) return ignore(state, "unknown_step", `no waitFor step ${stepId}`);
  const current = state.steps[stepId]!;
  if (current.status !== StepStatus.waiting) {
    return ignore(state, "not_expected", `step ${stepId} is not waiting for an event`);
  }
  const types = waitTypes(found.waitFor);
  if (!types.includes(event.type)) {
    return ignore(state, "not_matched", `step ${stepId} does not wait for ${event.type}`);
  }
  const d = new Draft(state, at);
  const match = found.waitFor.match;
  if (match !== undefined) {
    const context = { ...d.context(stepId), event: envelopeOf(event) };
    const outcome = evaluateCondition(match, context, "match_error", "waitFor.match");
    if (!outcome.ok || !outcome.value) {
      return ignore(
        state,
        "not_matched",
        outcome.ok
          ? `event ${event.id} does not match step ${stepId}`
          : `event ${event.id}: ${outcome.error.message}`,
      );
    }
  }
  d.cancelTimer(timerId(stepId, "wait", current.attempt));
  skipTimeoutBranch(d, found);
  succeedStep(d, stepId, waitOutput(event));
  d.commands.push({ type: "closeWait", stepId });
  driveRun(d);
  return done(d);
}

/** DELETE /v1/waits/…: the wait ends now and takes its timeout branch. */
export function onWaitCancelled(state: RunState, stepId: string, at: number): AdvanceResult {
  if (!isOpen(state)) return ignore(state, "run_finished", `the run is ${state.status}`);
  const found = waitStepOf(state, stepId);
  if (found === null) return ignore(state, "unknown_step", `no waitFor step ${stepId}`);
  const current = state.steps[stepId]!;
  if (current.status !== StepStatus.waiting) {
    return ignore(state, "not_expected", `step ${stepId} is not waiting for an event`);
  }
  const d = new Draft(state, at);
  d.cancelTimer(timerId(stepId, "wait", current.attempt));
  timeOut(d, stepId, { timedOut: true, cancelled: true });
  driveRun(d);
  return done(d);
}

function waitStepOf(state: RunState, stepId: string): WaitForStep | null {
  const step: Step | undefined = stepAt(state.definition, stepId);
  return step !== undefined && isWaitForStep(step) && state.steps[stepId] !== undefined
    ? step
    : null;
}

function envelopeOf(event: EventEnvelope): Record<string, unknown> {
  return {
    id: event.id,
    type: event.type,
    data: event.data,
    occurredAt: event.occurredAt,
    source: event.source ?? null,
    ...(event.changes !== undefined ? { changes: event.changes } : {}),
  };
}
