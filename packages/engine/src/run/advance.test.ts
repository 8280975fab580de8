import { describe, expect, it } from "vitest";
import { Driver, definition, sms, T0 } from "../../test/fixtures.ts";
import { UNCLAIMED_GRACE_MS } from "./attempts.ts";

describe("advance: sequential steps", () => {
  it("dispatches steps in order with a stable idempotency key and finishes", () => {
    const run = new Driver(definition([sms("a"), sms("b")]));
    run.feed({ type: "start", at: T0 });
    expect(run.state.status).toBe("running");
    expect(run.dispatches()).toEqual([
      expect.objectContaining({
        stepId: "a",
        attempt: 1,
        action: "send_sms",
        config: { to: "+100", body: "hello from a" },
        idempotencyKey: "run_1:a",
        timeoutMs: 30_000,
      }),
    ]);
    // Queued, not yet claimed: the timeout also allows for the queue.
    expect(run.commands("setTimer")).toEqual([
      expect.objectContaining({ timerId: "a:timeout:1", at: T0 + UNCLAIMED_GRACE_MS + 30_000 }),
    ]);
    run.feed({
      type: "stepSucceeded",
      stepId: "a",
      attempt: 1,
      output: { messageId: "m1" },
      at: T0 + 10,
    });
    expect(run.commands("cancelTimer")).toEqual([{ type: "cancelTimer", timerId: "a:timeout:1" }]);
    expect(run.dispatches().map((c) => c.stepId)).toEqual(["b"]);
    run.feed({ type: "stepSucceeded", stepId: "b", attempt: 1, output: {}, at: T0 + 20 });
    expect(run.state.status).toBe("succeeded");
    expect(run.state.finishedAt).toBe(T0 + 20);
    expect(run.commands("finish")).toEqual([
      { type: "finish", status: "succeeded", at: T0 + 20, error: null },
    ]);
    expect(run.state.timers).toEqual([]);
    expect(run.state.steps.a?.output).toEqual({ messageId: "m1" });
  });

  it("counts checkpoints and ignores a second start", () => {
    const run = new Driver(definition([sms("a")]));
    run.feed({ type: "start", at: T0 });
    expect(run.state.seq).toBe(1);
    expect(run.feed({ type: "start", at: T0 }).ignored?.reason).toBe("already_started");
    expect(run.state.seq).toBe(1);
  });
});

describe("advance: retries", () => {
  it("retries a retryable failure with jittered exponential backoff, same key", () => {
    const run = new Driver(definition([sms("a")]));
    run.feed({ type: "start", at: T0 });
    const failed = {
      type: "stepFailed",
      stepId: "a",
      error: { code: "provider_down", message: "503" },
      retryable: true,
    } as const;
    run.feed({ ...failed, attempt: 1, random: 0, at: T0 + 100 });
    expect(run.state.steps.a).toMatchObject({ status: "running", retryAt: T0 + 100 + 1000 });
    expect(run.commands("setTimer")).toEqual([
      expect.objectContaining({ timerId: "a:retry:1", at: T0 + 1100, purpose: "retry" }),
    ]);
    run.feed({ type: "timerFired", timerId: "a:retry:1", at: T0 + 1100 });
    expect(run.dispatches()).toEqual([
      expect.objectContaining({ attempt: 2, idempotencyKey: "run_1:a" }),
    ]);
    // Second failure: base 4 s, random 0.999… → just under 4 s.
    run.feed({ ...failed, attempt: 2, random: 0.999, at: T0 + 2000 });
    expect(run.state.steps.a?.retryAt).toBe(T0 + 2000 + 3998);
    run.feed({ type: "timerFired", timerId: "a:retry:2", at: T0 + 6000 });
    run.feed({ ...failed, attempt: 3, at: T0 + 7000 });
    expect(run.state.status).toBe("failed");
    expect(run.state.steps.a).toMatchObject({ status: "failed", attempt: 3 });
    expect(run.state.error?.message).toContain("step 'a' failed");
  });

  it("honours retry.attempts and Retry-After", () => {
    const run = new Driver(
      definition([sms("a", { retry: { attempts: 2, initial: "1s", backoff: "fixed" } })]),
    );
    run.feed({ type: "start", at: T0 });
    run.feed({
      type: "stepFailed",
      stepId: "a",
      attempt: 1,
      error: { code: "rate_limited", message: "429" },
      retryable: true,
      retryAfterMs: 60_000,
      at: T0,
    });
    expect(run.state.steps.a?.retryAt).toBe(T0 + 60_000);
    run.feed({ type: "timerFired", timerId: "a:retry:1", at: T0 + 60_000 });
    run.feed({
      type: "stepFailed",
      stepId: "a",
      attempt: 2,
      error: { code: "rate_limited", message: "429" },
      retryable: true,
      at: T0 + 61_000,
    });
    expect(run.state.status).toBe("failed");
  });

  it("fails a non-retryable failure at once", () => {
    const run = new Driver(definition([sms("a"), sms("b")]));
    run.feed({ type: "start", at: T0 });
    run.feed({
      type: "stepFailed",
      stepId: "a",
      attempt: 1,
      error: { code: "bad_number", message: "invalid" },
      retryable: false,
      at: T0 + 5,
    });
    expect(run.state.status).toBe("failed");
    expect(run.statusOf("b")).toBe("pending");
  });

  it("counts an attempt's timeout from when a consumer claims it, not from when it was queued", () => {
    const run = new Driver(definition([sms("a")]));
    run.feed({ type: "start", at: T0 });
    // The queue held the message for ten minutes, far past the 30 s timeout.
    const claimed = run.feed({ type: "attemptClaimed", stepId: "a", attempt: 1, at: T0 + 600_000 });
    expect(claimed.ignored).toBeNull();
    expect(run.state.timers).toEqual([
      expect.objectContaining({ id: "a:timeout:1", at: T0 + 600_000 + 30_000 }),
    ]);
    expect(run.statusOf("a")).toBe("running");
    // A second claim (a duplicate message) moves nothing.
    expect(
      run.feed({ type: "attemptClaimed", stepId: "a", attempt: 1, at: T0 + 610_000 }).ignored
        ?.reason,
    ).toBe("not_expected");
    // A stale attempt's claim is ignored.
    expect(
      run.feed({ type: "attemptClaimed", stepId: "a", attempt: 7, at: T0 + 610_000 }).ignored
        ?.reason,
    ).toBe("not_expected");
    run.feed({ type: "stepSucceeded", stepId: "a", attempt: 1, output: {}, at: T0 + 615_000 });
    expect(run.state.status).toBe("succeeded");
  });

  it("treats an attempt's timeout as a retryable failure and ignores its late result", () => {
    const run = new Driver(definition([sms("a")]));
    run.feed({ type: "start", at: T0 });
    run.feed({ type: "timerFired", timerId: "a:timeout:1", random: 0.5, at: T0 + 30_000 });
    expect(run.state.steps.a).toMatchObject({ error: { code: "timeout" }, retryAt: T0 + 31_500 });
    const late = run.feed({
      type: "stepSucceeded",
      stepId: "a",
      attempt: 1,
      output: {},
      at: T0 + 30_500,
    });
    expect(late.ignored?.reason).toBe("not_expected");
    run.feed({ type: "timerFired", timerId: "a:retry:1", at: T0 + 31_500 });
    const stale = run.feed({
      type: "stepSucceeded",
      stepId: "a",
      attempt: 1,
      output: {},
      at: T0 + 31_600,
    });
    expect(stale.ignored?.reason).toBe("stale_attempt");
    run.feed({
      type: "stepSucceeded",
      stepId: "a",
      attempt: 2,
      output: { ok: 1 },
      at: T0 + 31_700,
    });
    expect(run.state.status).toBe("succeeded");
    const duplicate = run.feed({
      type: "stepSucceeded",
      stepId: "a",
      attempt: 2,
      output: {},
      at: T0 + 31_800,
    });
    expect(duplicate.ignored?.reason).toBe("run_finished");
  });

  it("ignores a timer that is no longer open", () => {
    const run = new Driver(definition([sms("a"), sms("b")]));
    run.feed({ type: "start", at: T0 });
    run.feed({ type: "stepSucceeded", stepId: "a", attempt: 1, output: {}, at: T0 + 1 });
    expect(
      run.feed({ type: "timerFired", timerId: "a:timeout:1", at: T0 + 30_000 }).ignored?.reason,
    ).toBe("unknown_timer");
  });
});

describe("advance: parallel, delay, cancel", () => {
  const fan = definition([
    {
      id: "fan",
      parallel: [[sms("p1"), sms("p1b")], [sms("p2")]],
    },
    sms("after"),
  ]);

  it("runs lanes at once, lets every lane finish, fails the block, and retries only failed steps", () => {
    const run = new Driver(fan);
    run.feed({ type: "start", at: T0 });
    expect(run.dispatches().map((c) => c.stepId)).toEqual(["p1", "p2"]);
    run.feed({
      type: "stepFailed",
      stepId: "p2",
      attempt: 1,
      error: { code: "x", message: "boom" },
      retryable: false,
      at: T0 + 1,
    });
    expect(run.state.status).toBe("running");
    run.feed({ type: "stepSucceeded", stepId: "p1", attempt: 1, output: {}, at: T0 + 2 });
    expect(run.dispatches().map((c) => c.stepId)).toEqual(["p1b"]);
    run.feed({ type: "stepSucceeded", stepId: "p1b", attempt: 1, output: {}, at: T0 + 3 });
    expect(run.state.status).toBe("failed");
    expect(run.statusOf("fan")).toBe("failed");
    expect(run.statusOf("after")).toBe("pending");

    run.feed({ type: "retryRequested", at: T0 + 100 });
    expect(run.state.status).toBe("running");
    expect(run.dispatches()).toEqual([
      expect.objectContaining({ stepId: "p2", attempt: 2, idempotencyKey: "run_1:p2" }),
    ]);
    run.feed({ type: "stepSucceeded", stepId: "p2", attempt: 2, output: {}, at: T0 + 101 });
    expect(run.dispatches().map((c) => c.stepId)).toEqual(["after"]);
    run.feed({ type: "stepSucceeded", stepId: "after", attempt: 1, output: {}, at: T0 + 102 });
    expect(run.state.status).toBe("succeeded");
  });

  it("waits on a delay", () => {
    const run = new Driver(definition([{ id: "wait", delay: "10m" }, sms("a")]));
    run.feed({ type: "start", at: T0 });
    expect(run.state.status).toBe("waiting");
    expect(run.commands("setTimer")).toEqual([
      expect.objectContaining({ timerId: "wait:delay:1", at: T0 + 600_000 }),
    ]);
    run.feed({ type: "timerFired", timerId: "wait:delay:1", at: T0 + 600_000 });
    expect(run.statusOf("wait")).toBe("succeeded");
    expect(run.dispatches().map((c) => c.stepId)).toEqual(["a"]);
  });

  it("cancels every open step and timer", () => {
    const run = new Driver(fan);
    run.feed({ type: "start", at: T0 });
    run.feed({ type: "cancel", at: T0 + 5, by: "u1" });
    expect(run.state.status).toBe("cancelled");
    expect(Object.values(run.state.steps).map((s) => s.status)).toEqual(Array(5).fill("cancelled"));
    expect(run.commands("cancelTimer").length).toBe(2);
    expect(run.state.timers).toEqual([]);
    expect(run.feed({ type: "cancel", at: T0 + 6 }).ignored?.reason).toBe("run_finished");
    expect(run.feed({ type: "retryRequested", at: T0 + 7 }).ignored?.reason).toBe("not_failed");
  });
});

describe("advance: approvals", () => {
  const approval = definition([
    {
      id: "approve",
      action: "request_approval",
      config: { approver: "m@example.com", title: "Approve", timeout: "48h" },
    },
    sms("after"),
  ]);

  it("waits for the decision after the request is open", () => {
    const run = new Driver(approval);
    run.feed({ type: "start", at: T0 });
    run.feed({
      type: "stepSucceeded",
      stepId: "approve",
      attempt: 1,
      output: { approvalId: "apr_1" },
      at: T0 + 1,
    });
    expect(run.state.status).toBe("waiting");
    expect(run.statusOf("approve")).toBe("waiting");
    expect(run.commands("setTimer")).toEqual([
      expect.objectContaining({ timerId: "approve:decision:1", at: T0 + 1 + 48 * 3_600_000 }),
    ]);
    run.feed({
      type: "approvalDecided",
      stepId: "approve",
      decision: "rejected",
      decidedBy: "m@example.com",
      comment: "too big",
      at: T0 + 50,
    });
    expect(run.state.steps.approve?.output).toEqual({
      approvalId: "apr_1",
      decision: "rejected",
      decidedBy: "m@example.com",
      comment: "too big",
    });
    expect(run.commands("cancelTimer")).toEqual([
      { type: "cancelTimer", timerId: "approve:decision:1" },
    ]);
    expect(
      run.feed({
        type: "approvalDecided",
        stepId: "approve",
        decision: "approved",
        decidedBy: null,
        at: T0 + 60,
      }).ignored?.reason,
    ).toBe("not_expected");
  });

  it("expires after its timeout: the step succeeds with decision expired", () => {
    const run = new Driver(approval);
    run.feed({ type: "start", at: T0 });
    run.feed({
      type: "stepSucceeded",
      stepId: "approve",
      attempt: 1,
      output: { approvalId: "apr_1" },
      at: T0,
    });
    run.feed({ type: "timerFired", timerId: "approve:decision:1", at: T0 + 48 * 3_600_000 });
    expect(run.state.steps.approve).toMatchObject({
      status: "succeeded",
      output: { decision: "expired", decidedBy: null },
    });
    expect(run.commands("closeApproval")).toEqual([
      { type: "closeApproval", stepId: "approve", approvalId: "apr_1", status: "expired" },
    ]);
    expect(run.dispatches().map((c) => c.stepId)).toEqual(["after"]);
  });

  it("closes an open approval when the run is cancelled", () => {
    const run = new Driver(approval);
    run.feed({ type: "start", at: T0 });
    run.feed({
      type: "stepSucceeded",
      stepId: "approve",
      attempt: 1,
      output: { approvalId: "apr_1" },
      at: T0,
    });
    run.feed({ type: "cancel", at: T0 + 5 });
    expect(run.commands("closeApproval")).toEqual([
      { type: "closeApproval", stepId: "approve", approvalId: "apr_1", status: "cancelled" },
    ]);
    expect(run.commands("cancelTimer")).toEqual([
      { type: "cancelTimer", timerId: "approve:decision:1" },
    ]);
    expect(run.statusOf("after")).toBe("cancelled");
  });

  it("keeps a decision that arrives before the request's confirmation", () => {
    const run = new Driver(approval);
    run.feed({ type: "start", at: T0 });
    run.feed({
      type: "approvalDecided",
      stepId: "approve",
      decision: "approved",
      decidedBy: "m",
      at: T0 + 1,
    });
    expect(run.statusOf("approve")).toBe("running");
    run.feed({
      type: "stepSucceeded",
      stepId: "approve",
      attempt: 1,
      output: { approvalId: "apr_1" },
      at: T0 + 2,
    });
    expect(run.state.steps.approve).toMatchObject({
      status: "succeeded",
      output: { decision: "approved" },
    });
  });
});

describe("advance: emitted events and version moves", () => {
  it("emits a step's events with ids derived from run and step, carrying the causation", () => {
    const run = new Driver(
      definition([
        {
          id: "mark",
          action: "update_record",
          config: { type: "order", id: "o1", fields: { a: 1 } },
        },
      ]),
    );
    run.feed({ type: "start", at: T0 });
    expect(run.dispatches()[0]?.emit).toEqual({
      causation: {
        originEventId: "evt_1",
        chain: [{ workflowId: "wf_1", runId: "run_1" }],
        depth: 1,
      },
      eventId: "run_1:mark:0",
    });
    run.feed({
      type: "stepSucceeded",
      stepId: "mark",
      attempt: 1,
      output: {},
      events: [{ type: "order.updated", data: { id: "o1" } }],
      at: T0 + 1,
    });
    expect(run.commands("emitEvent")).toEqual([
      expect.objectContaining({
        eventId: "run_1:mark:0",
        eventType: "order.updated",
        causation: expect.objectContaining({ depth: 1 }),
      }),
    ]);
  });

  it("moves a failed run to a version whose finished steps are unchanged, else refuses", () => {
    const run = new Driver(definition([sms("a"), sms("b")]));
    run.feed({ type: "start", at: T0 });
    run.feed({ type: "stepSucceeded", stepId: "a", attempt: 1, output: {}, at: T0 + 1 });
    run.feed({
      type: "stepFailed",
      stepId: "b",
      attempt: 1,
      error: { code: "x", message: "x" },
      retryable: false,
      at: T0 + 2,
    });
    const changedA = definition([{ ...sms("a"), config: { to: "+1", body: "new" } }, sms("b")]);
    const refused = run.feed({
      type: "retryRequested",
      to: { version: 2, definition: changedA },
      at: T0 + 3,
    });
    expect(refused.ignored).toMatchObject({
      reason: "incompatible_version",
      differing: [{ stepId: "a", reason: "changed" }],
    });
    const fixedB = definition([
      sms("a"),
      { ...sms("b"), config: { to: "+2", body: "fixed" } },
      sms("c"),
    ]);
    run.feed({ type: "retryRequested", to: { version: 3, definition: fixedB }, at: T0 + 4 });
    expect(run.state.version).toBe(3);
    expect(run.dispatches()).toEqual([
      expect.objectContaining({ stepId: "b", attempt: 2, config: { to: "+2", body: "fixed" } }),
    ]);
    run.feed({ type: "stepSucceeded", stepId: "b", attempt: 2, output: {}, at: T0 + 5 });
    expect(run.dispatches().map((c) => c.stepId)).toEqual(["c"]);
  });

  it("ends a suppressed run at start", () => {
    const run = new Driver(definition([sms("a")]), {
      suppression: { reason: "cycle", message: "wf_1 is in the chain" },
    });
    run.feed({ type: "start", at: T0 });
    expect(run.state.status).toBe("suppressed");
    expect(run.dispatches()).toEqual([]);
  });
});
