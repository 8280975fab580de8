// advance(state, input) → { state, commands }: the run's one transition
// function. Pure: the same state and input always give the same result; the
// input state is never mutated. Stale and duplicate inputs change nothing
// and say why (`ignored`).
import { getAction } from "../catalogue/registry.ts";
import type { ActionStep } from "../definition/types.ts";
import { isActionStep } from "../definition/types.ts";
import { emittedEventId } from "../loop-guard/causation.ts";
import { evaluateCondition } from "../matching/filter.ts";
import { assertNever } from "../util/assert-never.ts";
import {
  attemptFailed,
  decisionWaitMs,
  dispatchAttempt,
  succeedStep,
  timerId,
} from "./attempts.ts";
import { checkRetryCompatibility } from "./compat.ts";
import { freshStep } from "./create-run.ts";
import { Draft } from "./draft.ts";
import { driveRun } from "./drive.ts";
import type { AdvanceResult, Ignored, RunInput } from "./inputs.ts";
import { planOf } from "./plan.ts";
import type { DecisionRecord, RunState, StepState } from "./state.ts";
import { EngineErrorCode, isTerminalRunStatus, RunStatus, StepStatus } from "./state.ts";

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
    case "timerFired":
      return onTimer(state, input.timerId, input.at, input.random ?? 0.5);
    case "approvalDecided":
      return onDecision(state, input.stepId, input.at, {
        decision: input.decision,
        decidedBy: input.decidedBy,
        comment: input.comment ?? null,
      });
    case "retryRequested":
      return onRetry(state, input);
    case "cancel":
      return onCancel(state, input.at, input.by);
    default:
      return assertNever(input, "run input");
  }
}

function ignore(state: RunState, reason: Ignored["reason"], message: string): AdvanceResult {
  return { state, commands: [], ignored: { reason, message } };
}

function done(d: Draft): AdvanceResult {
  d.state.seq += 1;
  return { state: d.state, commands: d.commands, ignored: null };
}

function isOpen(state: RunState): boolean {
  return state.startedAt !== null && !isTerminalRunStatus(state.status);
}

function onStart(state: RunState, at: number): AdvanceResult {
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
function applyFilter(d: Draft): void {
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

function onStepResult(
  state: RunState,
  stepId: string,
  attempt: number,
  at: number,
  apply: (d: Draft, step: ActionStep) => void,
): AdvanceResult {
  if (!isOpen(state)) return ignore(state, "run_finished", `the run is ${state.status}`);
  const step = planOf(state.definition).byId.get(stepId)?.step;
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

function onSucceeded(d: Draft, step: ActionStep, output: unknown): void {
  const current = d.step(step.id);
  d.cancelTimer(timerId(step.id, "timeout", current.attempt));
  if (getAction(step.action)?.completion !== "decision") {
    succeedStep(d, step.id, output);
    return;
  }
  // The request is open (the approval exists): wait for its decision.
  if (current.earlyDecision !== null) {
    succeedStep(d, step.id, decisionOutput(output, current.earlyDecision));
    return;
  }
  const waitMs = decisionWaitMs(step, current.input) ?? 0;
  d.update(step.id, { status: StepStatus.waiting, output });
  d.setTimer({
    id: timerId(step.id, "decision", current.attempt),
    at: d.at + waitMs,
    stepId: step.id,
    purpose: "decision",
    attempt: current.attempt,
  });
  d.timeline("step.waiting", { stepId: step.id, message: "waiting for a decision" });
}

function decisionOutput(
  requested: unknown,
  decision: DecisionRecord | null,
): Record<string, unknown> {
  const base =
    requested !== null && typeof requested === "object"
      ? (requested as Record<string, unknown>)
      : {};
  return {
    ...base,
    approvalId: typeof base.approvalId === "string" ? base.approvalId : null,
    decision: decision?.decision ?? "expired",
    decidedBy: decision?.decidedBy ?? null,
    comment: decision?.comment ?? null,
  };
}

function approvalIdOf(step: StepState): string | null {
  const output = step.output;
  if (output !== null && typeof output === "object") {
    const id = (output as Record<string, unknown>).approvalId;
    if (typeof id === "string") return id;
  }
  return null;
}

function onTimer(state: RunState, id: string, at: number, random: number): AdvanceResult {
  if (!isOpen(state)) return ignore(state, "run_finished", `the run is ${state.status}`);
  const timer = state.timers.find((t) => t.id === id);
  if (timer === undefined) return ignore(state, "unknown_timer", `no open timer ${id}`);
  const d = new Draft(state, at);
  d.consumeTimer(id);
  const current = d.step(timer.stepId);
  const step = d.plan.byId.get(timer.stepId)?.step;
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
    default:
      assertNever(timer.purpose, "timer purpose");
  }
  driveRun(d);
  return done(d);
}

function onDecision(
  state: RunState,
  stepId: string,
  at: number,
  decision: DecisionRecord,
): AdvanceResult {
  if (!isOpen(state)) return ignore(state, "run_finished", `the run is ${state.status}`);
  const current = state.steps[stepId];
  const step = planOf(state.definition).byId.get(stepId)?.step;
  if (current === undefined || step === undefined || !isActionStep(step)) {
    return ignore(state, "unknown_step", `no action step ${stepId}`);
  }
  if (getAction(step.action)?.completion !== "decision") {
    return ignore(state, "not_expected", `step ${stepId} does not wait for a decision`);
  }
  const d = new Draft(state, at);
  if (current.status === StepStatus.waiting) {
    d.cancelTimer(timerId(stepId, "decision", current.attempt));
    succeedStep(d, stepId, decisionOutput(current.output, decision));
    driveRun(d);
    return done(d);
  }
  if (current.status === StepStatus.running && current.earlyDecision === null) {
    // Decided before the request's confirmation reached the run: keep it.
    d.update(stepId, { earlyDecision: decision });
    return done(d);
  }
  return ignore(state, "not_expected", `step ${stepId} is not waiting for a decision`);
}

function onRetry(
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
  for (const id of d.state.order) {
    const step = d.step(id);
    if (step.status !== StepStatus.failed) continue;
    if (step.kind === "parallel" || (step.kind === "if" && step.branch !== null)) {
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

function moveToVersion(d: Draft, version: number, definition: RunState["definition"]): void {
  const plan = planOf(definition);
  const steps: Record<string, StepState> = {};
  for (const id of plan.order) steps[id] = d.state.steps[id] ?? freshStep(plan.byId.get(id)!.step);
  d.state.definition = definition;
  d.state.version = version;
  d.state.steps = steps;
  d.state.order = plan.order;
  d.plan = plan;
}

function onCancel(state: RunState, at: number, by?: string): AdvanceResult {
  if (isTerminalRunStatus(state.status))
    return ignore(state, "run_finished", `the run is ${state.status}`);
  const d = new Draft(state, at);
  for (const id of d.state.order) {
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
    d.update(id, { status: StepStatus.cancelled, finishedAt: at, retryAt: null });
    d.timeline("step.cancelled", { stepId: id });
  }
  d.state.startedAt ??= at;
  d.timeline("run.cancelled", by !== undefined ? { message: `by ${by}` } : {});
  d.finish(RunStatus.cancelled, null);
  return done(d);
}
