import { describe, expect, it } from "vitest";
import { Driver, definition, sms, T0 } from "../../test/fixtures.ts";
import { MAX_DEFERRAL_MS } from "./attempts.ts";

// stepDeferred: an attempt that waited for a shared limit (a connection's
// rate limit) is tried again later without spending the retry policy.

const reason = "waiting for connection erp's limit (2 calls per 5s)";

describe("advance: deferred attempts", () => {
  it("schedules the next attempt after retryAfterMs without spending an attempt", () => {
    const run = new Driver(definition([sms("a", { retry: { attempts: 2 } })]));
    run.feed({ type: "start", at: T0 });
    // Deferred five times: with 2 attempts allowed, the policy would have
    // failed the step after the second failure.
    let at = T0;
    for (let attempt = 1; attempt <= 5; attempt++) {
      at += 100;
      run.feed({ type: "stepDeferred", stepId: "a", attempt, retryAfterMs: 2_500, reason, at });
      expect(run.state.steps.a).toMatchObject({
        status: "running",
        retryAt: at + 2_500,
        attemptsInRound: 0,
        deferred: attempt,
        deferral: { until: at + 2_500, reason },
      });
      expect(run.commands("cancelTimer")).toEqual([
        { type: "cancelTimer", timerId: `a:timeout:${attempt}` },
      ]);
      expect(run.commands("setTimer")).toEqual([
        expect.objectContaining({ timerId: `a:retry:${attempt}`, at: at + 2_500 }),
      ]);
      expect(run.commands("timeline")).toEqual([
        {
          type: "timeline",
          entry: expect.objectContaining({
            kind: "step.deferred",
            stepId: "a",
            attempt,
            message: `${reason}; next attempt in 2500 ms`,
          }),
        },
      ]);
      at += 2_500;
      run.feed({ type: "timerFired", timerId: `a:retry:${attempt}`, at });
      expect(run.dispatches()).toEqual([
        expect.objectContaining({ stepId: "a", attempt: attempt + 1, idempotencyKey: "run_1:a" }),
      ]);
    }
    // The policy's two attempts are still whole: one failure is retried…
    run.feed({
      type: "stepFailed",
      stepId: "a",
      attempt: 6,
      error: { code: "http_error", message: "503" },
      retryable: true,
      random: 0,
      at: at + 10,
    });
    expect(run.state.steps.a).toMatchObject({ status: "running", attemptsInRound: 1 });
    run.feed({ type: "timerFired", timerId: "a:retry:6", at: at + 10_000 });
    run.feed({
      type: "stepSucceeded",
      stepId: "a",
      attempt: 7,
      output: { ok: 1 },
      at: at + 10_100,
    });
    expect(run.state.status).toBe("succeeded");
    expect(run.state.steps.a).toMatchObject({ attempt: 7, deferred: 5 });
  });

  it("ignores a deferral of a stale or ended attempt", () => {
    const run = new Driver(definition([sms("a")]));
    run.feed({ type: "start", at: T0 });
    const stale = run.feed({
      type: "stepDeferred",
      stepId: "a",
      attempt: 2,
      retryAfterMs: 1_000,
      reason,
      at: T0 + 1,
    });
    expect(stale.ignored?.reason).toBe("stale_attempt");
    run.feed({
      type: "stepDeferred",
      stepId: "a",
      attempt: 1,
      retryAfterMs: 1_000,
      reason,
      at: T0 + 2,
    });
    // A second report of the same deferral: the attempt already ended.
    const again = run.feed({
      type: "stepDeferred",
      stepId: "a",
      attempt: 1,
      retryAfterMs: 1_000,
      reason,
      at: T0 + 3,
    });
    expect(again.ignored?.reason).toBe("not_expected");
    expect(run.state.steps.a?.deferred).toBe(1);
  });

  it("bounds the wait: never negative, at most a day", () => {
    const run = new Driver(definition([sms("a")]));
    run.feed({ type: "start", at: T0 });
    run.feed({ type: "stepDeferred", stepId: "a", attempt: 1, retryAfterMs: -5, reason, at: T0 });
    expect(run.state.steps.a?.retryAt).toBe(T0);
    run.feed({ type: "timerFired", timerId: "a:retry:1", at: T0 });
    run.feed({
      type: "stepDeferred",
      stepId: "a",
      attempt: 2,
      retryAfterMs: 10 * MAX_DEFERRAL_MS,
      reason,
      at: T0 + 1,
    });
    expect(run.state.steps.a?.retryAt).toBe(T0 + 1 + MAX_DEFERRAL_MS);
  });

  it("a cancel while deferred cancels the step and its timer", () => {
    const run = new Driver(definition([sms("a")]));
    run.feed({ type: "start", at: T0 });
    run.feed({
      type: "stepDeferred",
      stepId: "a",
      attempt: 1,
      retryAfterMs: 60_000,
      reason,
      at: T0,
    });
    run.feed({ type: "cancel", at: T0 + 5 });
    expect(run.state.status).toBe("cancelled");
    expect(run.state.steps.a?.status).toBe("cancelled");
    expect(run.state.timers).toEqual([]);
  });
});
