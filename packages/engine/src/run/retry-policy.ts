// Retry and timeout rules (DESIGN.md): by default 3 attempts, the second 2 s
// after the first failure, doubling, at most 5 min apart; an attempt may take
// 30 s. Jitter comes from the caller's random number.
import type { ActionStep, RetryPolicy } from "../definition/types.ts";
import { parseDuration } from "../util/duration.ts";

export const RETRY_DEFAULTS = {
  attempts: 3,
  backoff: "exponential",
  initialMs: 2_000,
  maxMs: 5 * 60_000,
  timeoutMs: 30_000,
} as const;

export interface ResolvedRetryPolicy {
  attempts: number;
  backoff: "exponential" | "fixed";
  initialMs: number;
  maxMs: number;
}

/** The step's policy with defaults filled in. */
export function resolveRetryPolicy(retry: RetryPolicy | undefined): ResolvedRetryPolicy {
  const initialMs = parseDuration(retry?.initial ?? "") ?? RETRY_DEFAULTS.initialMs;
  const maxMs = parseDuration(retry?.max ?? "") ?? Math.max(RETRY_DEFAULTS.maxMs, initialMs);
  return {
    attempts: retry?.attempts ?? RETRY_DEFAULTS.attempts,
    backoff: retry?.backoff ?? RETRY_DEFAULTS.backoff,
    initialMs,
    maxMs: Math.max(maxMs, initialMs),
  };
}

/**
 * The pause after the `failedAttempt`-th attempt of a round (1-based).
 * Exponential backoff with "equal jitter": half the base delay fixed, half
 * scaled by `random`, so retries spread out but never come sooner than half
 * the base. A target's Retry-After is honoured when longer.
 * @example retryDelayMs(policy, 1, 0.5) // 1500 with the defaults (2 s base)
 */
export function retryDelayMs(
  policy: ResolvedRetryPolicy,
  failedAttempt: number,
  random: number,
  retryAfterMs?: number,
): number {
  const exponent = policy.backoff === "exponential" ? Math.min(failedAttempt - 1, 30) : 0;
  const base = Math.min(policy.maxMs, policy.initialMs * 2 ** exponent);
  const r = Number.isFinite(random) ? Math.min(Math.max(random, 0), 0.999999) : 0.5;
  const jittered = Math.round(base / 2 + (base / 2) * r);
  return Math.max(jittered, retryAfterMs !== undefined && retryAfterMs > 0 ? retryAfterMs : 0);
}

/** One attempt's limit in ms. */
export function attemptTimeoutMs(step: ActionStep): number {
  return parseDuration(step.timeout ?? "") ?? RETRY_DEFAULTS.timeoutMs;
}
