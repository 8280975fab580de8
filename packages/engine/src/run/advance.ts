// advance(state, input) → { state, commands }: the run's one transition
// function. Pure: the same state and input always give the same result; the
// input state is never mutated. Stale and duplicate inputs change nothing
// and say why (`ignored`).

import { getAction } from "../catalogue/registry.ts";
import type { ActionStep } from "../definition/types.ts";
import { isActionStep } from "../definition/types.ts";
import { emittedEventId } from "../loop-guard/causation.ts";
import { assertNever } from "../util/assert-never.ts";
import {
  attemptDeferred,
  attemptFailed,
  claimAttempt,
  dispatchAttempt,
  succeedStep,
} from "./attempts.ts";
import { approvalIdOf, decisionOutput, onDecision, onSucceeded } from "./decisions.ts";
import { Draft } from "./draft.ts";
import { driveRun } from "./drive.ts";
import type { AdvanceResult, RunInput } from "./inputs.ts";
import { stepAt } from "./instances.ts";
import { onRetry } from "./retry.ts";
import { onStart } from "./start.ts";
import type { RunState } from "./state.ts";
import { EngineErrorCode, isTerminalRunStatus, RunStatus, StepStatus } from "./state.ts";
import { done, ignore, isOpen } from "./transition.ts";
import { timeOut } from "./wait-open.ts";
import { onEventArrived, onWaitCancelled } from "./waits.ts";

/**
 * Applies one input to a run.
 * @example
 * const { state, commands } = advance(run, { type: "stepSucceeded", stepId: "mark", attempt: 1, output, at });
 * // persist `state`, then carry out `commands` (dispatch, setTimer, emitEvent, timeline, finish …)
 */
export function advance(state: RunState, input: RunInput): AdvanceResult {
  switch (input.type) {
    case "start":
      return onStart(state, input.at);
    case "stepSucceeded":
      return onStepResult(state, input.stepId, input.attempt, input.at, (d, step) => {
        onSucceeded(d, step, input.output);
        input.events?.forEach((event, index) => {
          d.commands.push({
            type: "emitEvent",
            eventId: emittedEventId(d.state.runId, step.id, index),
            eventType: event.type,
            data: event.data,
            ...(event.changes !== undefined ? { changes: event.changes } : {}),
            causation: d.childCausation(),
          });
        });
      });
    case "stepFailed":
      return onStepResult(state, input.stepId, input.attempt, input.at, (d, step) => {
        attemptFailed(
          d,
          step,
          { code: input.error.code, message: input.error.message },
          input.retryable,
          input.random ?? 0.5,
          input.retryAfterMs,
        );
      });
    case "stepDeferred":
      return onStepResult(state, input.stepId, input.attempt, input.at, (d, step) => {
        attemptDeferred(d, step, input.retryAfterMs, input.reason);
      });
    case "timerFired":
      return onTimer(state, input.timerId, input.at, input.random ?? 0.5);
    case "attemptClaimed":
      return onClaimed(state, input.stepId, input.attempt, input.at);
    case "approvalDecided":
      return onDecision(state, input.stepId, input.at, {
        decision: input.decision,
        decidedBy: input.decidedBy,
        comment: input.comment ?? null,
      });
    case "eventArrived":
      return onEventArrived(state, input.stepId, input.event, input.at);
    case "waitCancelled":
      return onWaitCancelled(state, input.stepId, input.at);
    case "retryRequested":
      return onRetry(state, input);
    case "cancel":
      return onCancel(state, input.at, input.by);
    default:
      return assertNever(input, "run input");
  }
}

function onStepResult(
  state: RunState,
  stepId: string,
  attempt: number,
  at: number,
  apply: (d: Draft, step: ActionStep) => void,
): AdvanceResult {
  if (!isOpen(state)) return ignore(state, "run_finished", `the run is ${state.status}`);
  const step = stepAt(state.definition, stepId);
  const current = state.steps[stepId];
  if (step === undefined || current === undefined || !isActionStep(step)) {
    return ignore(state, "unknown_step", `no action step ${stepId}`);
  }
  if (attempt !== current.attempt) {
    return ignore(
      state,
      "stale_attempt",
      `attempt ${attempt} of ${stepId} is not the current (${current.attempt})`,
    );
  }
  if (current.status !== StepStatus.running || current.retryAt !== null) {
    return ignore(state, "not_expected", `attempt ${attempt} of ${stepId} has already ended`);
  }
  const d = new Draft(state, at);
  apply(d, step);
  driveRun(d);
  return done(d);
}

function onClaimed(state: RunState, stepId: string, attempt: number, at: number): AdvanceResult {
  if (!isOpen(state)) return ignore(state, "run_finished", `the run is ${state.status}`);
  const step = stepAt(state.definition, stepId);
  if (step === undefined || !isActionStep(step) || state.steps[stepId] === undefined) {
    return ignore(state, "unknown_step", `no action step ${stepId}`);
  }
  const d = new Draft(state, at);
  if (!claimAttempt(d, step, attempt)) {
    return ignore(
      state,
      "not_expected",
      `attempt ${attempt} of ${stepId} is not waiting for a consumer`,
    );
  }
  return done(d);
}

function onTimer(state: RunState, id: string, at: number, random: number): AdvanceResult {
  if (!isOpen(state)) return ignore(state, "run_finished", `the run is ${state.status}`);
  const timer = state.timers.find((t) => t.id === id);
  if (timer === undefined) return ignore(state, "unknown_timer", `no open timer ${id}`);
  const d = new Draft(state, at);
  d.consumeTimer(id);
  const current = d.step(timer.stepId);
  const step = stepAt(d.state.definition, timer.stepId);
  switch (timer.purpose) {
    case "timeout":
      if (
        step &&
        isActionStep(step) &&
        current.status === StepStatus.running &&
        current.retryAt === null
      ) {
        attemptFailed(
          d,
          step,
          { code: EngineErrorCode.timeout, message: `attempt ${current.attempt} timed out` },
          true,
          random,
        );
      }
      break;
    case "retry":
      if (
        step &&
        isActionStep(step) &&
        current.status === StepStatus.running &&
        current.retryAt !== null
      ) {
        dispatchAttempt(d, step);
      }
      break;
    case "delay":
      if (current.status === StepStatus.waiting) succeedStep(d, timer.stepId, null);
      break;
    case "decision":
      if (current.status === StepStatus.waiting) {
        succeedStep(d, timer.stepId, decisionOutput(current.output, null));
        d.commands.push({
          type: "closeApproval",
          stepId: timer.stepId,
          approvalId: approvalIdOf(current),
          status: "expired",
        });
      }
      break;
    case "wait":
      if (current.status === StepStatus.waiting) timeOut(d, timer.stepId, { timedOut: true });
      break;
    default:
      assertNever(timer.purpose, "timer purpose");
  }
  driveRun(d);
  return done(d);
}

function onCancel(state: RunState, at: number, by?: string): AdvanceResult {
  if (isTerminalRunStatus(state.status))
    return ignore(state, "run_finished", `the run is ${state.status}`);
  const d = new Draft(state, at);
  for (const id of Object.keys(d.state.steps)) {
    const step = d.step(id);
    if (
      step.status !== StepStatus.pending &&
      step.status !== StepStatus.running &&
      step.status !== StepStatus.waiting
    ) {
      continue;
    }
    if (
      step.action !== null &&
      getAction(step.action)?.completion === "decision" &&
      step.status !== StepStatus.pending
    ) {
      d.commands.push({
        type: "closeApproval",
        stepId: id,
        approvalId: approvalIdOf(step),
        status: "cancelled",
      });
    }
    if (step.kind === "waitFor" && step.status === StepStatus.waiting) {
      d.commands.push({ type: "closeWait", stepId: id });
    }
    d.update(id, { status: StepStatus.cancelled, finishedAt: at, retryAt: null });
    d.timeline("step.cancelled", { stepId: id });
  }
  d.state.startedAt ??= at;
  d.timeline("run.cancelled", by !== undefined ? { message: `by ${by}` } : {});
  d.finish(RunStatus.cancelled, null);
  return done(d);
}
