import { describe, expect, it } from "vitest";
import { Driver, definition, sms, T0 } from "../../test/fixtures.ts";
import type { Step } from "../definition/types.ts";
import type { Command } from "./inputs.ts";

const HOUR = 3_600_000;

const wait = (extra: Partial<Record<string, unknown>> = {}): Step =>
  ({
    id: "paid",
    waitFor: {
      event: ["payment.received", "payment.settled"],
      match: "event.data.order_id == order.id && event.data.amount >= 10",
      timeout: "2h",
    },
    onTimeout: [sms("remind")],
    ...extra,
  }) as Step;

const payment = (id: string, orderId: string, amount = 100, type = "payment.received") => ({
  id,
  type,
  data: { order_id: orderId, amount },
  occurredAt: "2025-01-01T09:30:00Z",
  source: "api",
});

function opened(run: Driver): Extract<Command, { type: "openWait" }> {
  return run.commands("openWait")[0] as Extract<Command, { type: "openWait" }>;
}

describe("advance: waitFor", () => {
  it("opens a wait with its keys, a timer and an openWait command; the run waits", () => {
    const run = new Driver(definition([wait(), sms("after")]));
    run.feed({ type: "start", at: T0 });
    expect(run.state.status).toBe("waiting");
    expect(run.statusOf("paid")).toBe("waiting");
    expect(run.statusOf("remind")).toBe("pending");
    expect(run.commands("setTimer")).toEqual([
      expect.objectContaining({ timerId: "paid:wait:1", at: T0 + 2 * HOUR, purpose: "wait" }),
    ]);
    expect(opened(run)).toEqual({
      type: "openWait",
      stepId: "paid",
      events: ["payment.received", "payment.settled"],
      match: "event.data.order_id == order.id && event.data.amount >= 10",
      keys: { "data.order_id": "o1" },
      deadline: T0 + 2 * HOUR,
      triggerEventId: "evt_1",
      since: T0,
    });
  });

  it("resumes on a matching event: the output is the event, onTimeout is skipped, the run goes on", () => {
    const run = new Driver(definition([wait(), sms("after")]));
    run.feed({ type: "start", at: T0 });
    run.feed({ type: "eventArrived", stepId: "paid", event: payment("ev_9", "o1"), at: T0 + 5 });
    expect(run.statusOf("paid")).toBe("succeeded");
    expect(run.state.steps.paid?.output).toEqual({
      id: "ev_9",
      type: "payment.received",
      data: { order_id: "o1", amount: 100 },
      occurredAt: "2025-01-01T09:30:00Z",
    });
    expect(run.statusOf("remind")).toBe("skipped");
    expect(run.commands("closeWait")).toEqual([{ type: "closeWait", stepId: "paid" }]);
    expect(run.commands("cancelTimer")).toEqual([{ type: "cancelTimer", timerId: "paid:wait:1" }]);
    expect(run.dispatches().map((c) => c.stepId)).toEqual(["after"]);
    expect(run.state.status).toBe("running");
  });

  it("ignores events that do not match, of another type, and stale or repeated ones", () => {
    const run = new Driver(definition([wait(), sms("after")]));
    run.feed({ type: "start", at: T0 });
    const seq = run.state.seq;
    expect(
      run.feed({ type: "eventArrived", stepId: "paid", event: payment("e1", "o2"), at: T0 + 1 })
        .ignored?.reason,
    ).toBe("not_matched");
    expect(
      run.feed({ type: "eventArrived", stepId: "paid", event: payment("e2", "o1", 5), at: T0 + 1 })
        .ignored?.reason,
    ).toBe("not_matched");
    expect(
      run.feed({
        type: "eventArrived",
        stepId: "paid",
        event: payment("e3", "o1", 100, "refund.issued"),
        at: T0 + 1,
      }).ignored?.reason,
    ).toBe("not_matched");
    expect(
      run.feed({ type: "eventArrived", stepId: "after", event: payment("e4", "o1"), at: T0 + 1 })
        .ignored?.reason,
    ).toBe("unknown_step");
    expect(run.state.seq).toBe(seq);
    // The settled type resumes too; a redelivery afterwards changes nothing.
    const ok = payment("e5", "o1", 100, "payment.settled");
    run.feed({ type: "eventArrived", stepId: "paid", event: ok, at: T0 + 2 });
    expect(run.statusOf("paid")).toBe("succeeded");
    expect(
      run.feed({ type: "eventArrived", stepId: "paid", event: ok, at: T0 + 3 }).ignored?.reason,
    ).toBe("not_expected");
    // The timer that was cancelled no longer fires.
    expect(
      run.feed({ type: "timerFired", timerId: "paid:wait:1", at: T0 + 2 * HOUR }).ignored?.reason,
    ).toBe("unknown_timer");
  });

  it("times out: the onTimeout steps run, then the step succeeds with { timedOut: true }", () => {
    const run = new Driver(definition([wait(), sms("after")]));
    run.feed({ type: "start", at: T0 });
    run.feed({ type: "timerFired", timerId: "paid:wait:1", at: T0 + 2 * HOUR });
    expect(run.commands("closeWait")).toEqual([{ type: "closeWait", stepId: "paid" }]);
    expect(run.statusOf("paid")).toBe("running");
    expect(run.dispatches().map((c) => c.stepId)).toEqual(["remind"]);
    // A late event does not resume a wait that timed out.
    expect(
      run.feed({
        type: "eventArrived",
        stepId: "paid",
        event: payment("e1", "o1"),
        at: T0 + 3 * HOUR,
      }).ignored?.reason,
    ).toBe("not_expected");
    run.feed({
      type: "stepSucceeded",
      stepId: "remind",
      attempt: 1,
      output: {},
      at: T0 + 3 * HOUR,
    });
    expect(run.statusOf("paid")).toBe("succeeded");
    expect(run.state.steps.paid?.output).toEqual({ timedOut: true });
    expect(run.dispatches().map((c) => c.stepId)).toEqual(["after"]);
  });

  it("without onTimeout or match: any event of the type resumes; a timeout just goes on", () => {
    const run = new Driver(
      definition([{ id: "w", waitFor: { event: "quote.accepted", timeout: "1s" } }, sms("after")]),
    );
    run.feed({ type: "start", at: T0 });
    expect(opened(run).keys).toEqual({});
    run.feed({ type: "timerFired", timerId: "w:wait:1", at: T0 + 1000 });
    expect(run.state.steps.w?.output).toEqual({ timedOut: true });
    expect(run.statusOf("w")).toBe("succeeded");
    expect(run.dispatches().map((c) => c.stepId)).toEqual(["after"]);
  });

  it("a cancelled wait takes its timeout branch with cancelled: true; a run cancel closes the wait", () => {
    const run = new Driver(definition([wait()]));
    run.feed({ type: "start", at: T0 });
    run.feed({ type: "waitCancelled", stepId: "paid", at: T0 + 10 });
    expect(run.state.steps.paid?.output).toEqual({ timedOut: true, cancelled: true });
    expect(run.commands("closeWait")).toHaveLength(1);
    expect(run.dispatches().map((c) => c.stepId)).toEqual(["remind"]);
    expect(run.feed({ type: "waitCancelled", stepId: "paid", at: T0 + 11 }).ignored?.reason).toBe(
      "not_expected",
    );

    const other = new Driver(definition([wait()]));
    other.feed({ type: "start", at: T0 });
    other.feed({ type: "cancel", at: T0 + 10 });
    expect(other.state.status).toBe("cancelled");
    expect(other.commands("closeWait")).toEqual([{ type: "closeWait", stepId: "paid" }]);
  });

  it("a failed onTimeout branch fails the run; retry goes on with the branch, and may move versions", () => {
    const run = new Driver(definition([wait()]));
    run.feed({ type: "start", at: T0 });
    run.feed({ type: "timerFired", timerId: "paid:wait:1", at: T0 + 2 * HOUR });
    run.feed({
      type: "stepFailed",
      stepId: "remind",
      attempt: 1,
      error: { code: "bad", message: "no" },
      retryable: false,
      at: T0 + 2 * HOUR + 1,
    });
    expect(run.state.status).toBe("failed");
    expect(run.statusOf("paid")).toBe("failed");
    run.feed({ type: "retryRequested", at: T0 + 3 * HOUR });
    expect(run.statusOf("paid")).toBe("running");
    expect(run.dispatches().map((c) => c.stepId)).toEqual(["remind"]);
    expect(run.commands("openWait")).toEqual([]);
    run.feed({
      type: "stepSucceeded",
      stepId: "remind",
      attempt: 2,
      output: {},
      at: T0 + 3 * HOUR,
    });
    expect(run.state.status).toBe("succeeded");
    expect(run.state.steps.paid?.output).toEqual({ timedOut: true });
  });

  it("waits inside a parallel lane keep the run open until resumed", () => {
    const run = new Driver(
      definition([{ id: "both", parallel: [[wait()], [sms("side")]] } as Step]),
    );
    run.feed({ type: "start", at: T0 });
    run.feed({ type: "stepSucceeded", stepId: "side", attempt: 1, output: {}, at: T0 + 1 });
    expect(run.state.status).toBe("waiting");
    run.feed({ type: "eventArrived", stepId: "paid", event: payment("e1", "o1"), at: T0 + 2 });
    expect(run.state.status).toBe("succeeded");
  });
});
