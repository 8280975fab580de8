// The life of an action step's attempts: dispatch with a rendered config and
// a timeout, success, failure with backoff, and the end of the step.
import { getAction } from "../catalogue/registry.ts";
import type { ActionStep } from "../definition/types.ts";
import { emittedEventId } from "../loop-guard/causation.ts";
import { parseDuration } from "../util/duration.ts";
import type { Draft } from "./draft.ts";
import { renderConfig } from "./render.ts";
import { attemptTimeoutMs, resolveRetryPolicy, retryDelayMs } from "./retry-policy.ts";
import type { StepError, TimerPurpose } from "./state.ts";
import { EngineErrorCode, StepStatus } from "./state.ts";

/** Timer ids are deterministic, so a re-fired or re-set timer is the same timer. */
export function timerId(stepId: string, purpose: TimerPurpose, attempt: number): string {
  return `${stepId}:${purpose}:${attempt}`;
}

/** The idempotency key of a step: the same for every attempt and manual retry. */
export function idempotencyKey(runId: string, stepId: string): string {
  return `${runId}:${stepId}`;
}

/**
 * Starts the next attempt: renders the config (a template error fails the
 * step at once: the same input gives the same error), dispatches it and sets
 * the attempt's timeout. Returns false when the step failed instead.
 */
export function dispatchAttempt(d: Draft, step: ActionStep): boolean {
  const state = d.step(step.id);
  const rendered = renderConfig(step.config, () => d.context(step.id));
  if (!rendered.ok) {
    d.update(step.id, { startedAt: state.startedAt ?? d.at });
    failStep(d, step.id, rendered.error);
    return false;
  }
  const decisionError = checkDecisionTimeout(step, rendered.value);
  if (decisionError !== null) {
    d.update(step.id, { startedAt: state.startedAt ?? d.at, input: rendered.value });
    failStep(d, step.id, decisionError);
    return false;
  }
  const attempt = state.attempt + 1;
  const timeoutMs = attemptTimeoutMs(step);
  d.update(step.id, {
    status: StepStatus.running,
    attempt,
    attemptsInRound: state.attemptsInRound + 1,
    retryAt: null,
    startedAt: state.startedAt ?? d.at,
    input: rendered.value,
  });
  if (state.attempt === 0 || state.attemptsInRound === 0) {
    d.timeline("step.started", { stepId: step.id, attempt });
  }
  d.commands.push({
    type: "dispatch",
    runId: d.state.runId,
    stepId: step.id,
    attempt,
    action: step.action,
    config: rendered.value,
    ...(rendered.secretFields.length > 0 ? { secretFields: rendered.secretFields } : {}),
    idempotencyKey: idempotencyKey(d.state.runId, step.id),
    timeoutMs,
    emit: { causation: d.childCausation(), eventId: emittedEventId(d.state.runId, step.id) },
  });
  d.timeline("step.dispatched", { stepId: step.id, attempt });
  // Until a consumer claims the attempt (attemptClaimed), the timeout also
  // allows for the queue: a backlog up to UNCLAIMED_GRACE_MS long never
  // fails a step that did not run; an attempt nobody ever claims (a lost
  // message the shell could not re-send) still ends, as a timeout.
  d.setTimer({
    id: timerId(step.id, "timeout", attempt),
    at: d.at + UNCLAIMED_GRACE_MS + timeoutMs,
    stepId: step.id,
    purpose: "timeout",
    attempt,
  });
  return true;
}

/** How long an attempt may wait in the queue before its timeout counts anyway. */
export const UNCLAIMED_GRACE_MS = 15 * 60_000;

/**
 * A consumer claimed the attempt: its timeout restarts from `d.at`.
 * Returns false when there is nothing to do (stale, ended, claimed before).
 */
export function claimAttempt(d: Draft, step: ActionStep, attempt: number): boolean {
  const current = d.step(step.id);
  if (current.attempt !== attempt || current.status !== StepStatus.running) return false;
  const id = timerId(step.id, "timeout", attempt);
  const timer = d.state.timers.find((t) => t.id === id);
  const at = d.at + attemptTimeoutMs(step);
  if (timer === undefined || timer.at <= at) return false;
  d.cancelTimer(id);
  d.setTimer({ id, at, stepId: step.id, purpose: "timeout", attempt });
  return true;
}

/** A decision action's wait, from its rendered config (or the default). */
export function decisionWaitMs(step: ActionStep, rendered: unknown): number | null {
  const spec = getAction(step.action)?.decisionTimeout;
  if (spec === undefined) return null;
  const raw =
    rendered !== null && typeof rendered === "object"
      ? (rendered as Record<string, unknown>)[spec.field]
      : undefined;
  return parseDuration(typeof raw === "string" && raw !== "" ? raw : spec.default);
}

function checkDecisionTimeout(step: ActionStep, rendered: unknown): StepError | null {
  const spec = getAction(step.action)?.decisionTimeout;
  if (spec === undefined || decisionWaitMs(step, rendered) !== null) return null;
  return {
    code: EngineErrorCode.invalidConfig,
    path: `config.${spec.field}`,
    message: `expected a duration such as "48h" for ${spec.field}`,
  };
}

/**
 * An attempt failed: retry after a backoff while the policy allows and the
 * failure is retryable, else the step fails.
 */
export function attemptFailed(
  d: Draft,
  step: ActionStep,
  error: StepError,
  retryable: boolean,
  random: number,
  retryAfterMs?: number,
): void {
  const state = d.step(step.id);
  d.cancelTimer(timerId(step.id, "timeout", state.attempt));
  const policy = resolveRetryPolicy(step.retry);
  if (retryable && state.attemptsInRound < policy.attempts) {
    const delay = retryDelayMs(policy, state.attemptsInRound, random, retryAfterMs);
    d.update(step.id, { retryAt: d.at + delay, error });
    d.setTimer({
      id: timerId(step.id, "retry", state.attempt),
      at: d.at + delay,
      stepId: step.id,
      purpose: "retry",
      attempt: state.attempt,
    });
    d.timeline("step.retry_scheduled", {
      stepId: step.id,
      attempt: state.attempt,
      message: `${error.code}: ${error.message}; next attempt in ${delay} ms`,
    });
    return;
  }
  failStep(d, step.id, error);
}

export function failStep(d: Draft, stepId: string, error: StepError): void {
  const state = d.step(stepId);
  d.update(stepId, {
    status: StepStatus.failed,
    finishedAt: d.at,
    error,
    retryAt: null,
  });
  d.timeline("step.failed", {
    stepId,
    attempt: state.attempt,
    message: `${error.code}: ${error.message}`,
  });
}

export function succeedStep(d: Draft, stepId: string, output: unknown): void {
  const state = d.step(stepId);
  d.update(stepId, {
    status: StepStatus.succeeded,
    finishedAt: d.at,
    output,
    error: null,
    retryAt: null,
    earlyDecision: null,
  });
  d.timeline("step.succeeded", { stepId, attempt: state.attempt });
}

/** The longest a deferral waits before the attempt tries its limit again. */
export const MAX_DEFERRAL_MS = 24 * 3_600_000;

/**
 * The attempt did not run because a shared limit (a connection's rate
 * limit) had no slot: the next attempt starts after `retryAfterMs`, and
 * the round's count goes back down, so waiting for the limit never uses up
 * the step's retry policy. The attempt number still grows (a late report of
 * this attempt is stale), and `deferred` counts these attempts so a view can
 * tell calls made from turns waited.
 * @example attemptDeferred(d, step, 2_500, "waiting for connection erp's limit (60 calls a minute)")
 */
export function attemptDeferred(
  d: Draft,
  step: ActionStep,
  retryAfterMs: number,
  reason: string,
): void {
  const state = d.step(step.id);
  d.cancelTimer(timerId(step.id, "timeout", state.attempt));
  const delay = Math.min(
    Math.max(Number.isFinite(retryAfterMs) ? Math.ceil(retryAfterMs) : 0, 0),
    MAX_DEFERRAL_MS,
  );
  d.update(step.id, {
    retryAt: d.at + delay,
    attemptsInRound: Math.max(state.attemptsInRound - 1, 0),
    deferred: (state.deferred ?? 0) + 1,
    deferral: { until: d.at + delay, reason },
  });
  d.setTimer({
    id: timerId(step.id, "retry", state.attempt),
    at: d.at + delay,
    stepId: step.id,
    purpose: "retry",
    attempt: state.attempt,
  });
  d.timeline("step.deferred", {
    stepId: step.id,
    attempt: state.attempt,
    message: `${reason}; next attempt in ${delay} ms`,
  });
}
