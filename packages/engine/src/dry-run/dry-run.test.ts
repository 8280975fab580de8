// biome-ignore-all lint/suspicious/noThenProperty: `then` is the definition format's branch list
import { describe, expect, it } from "vitest";
import { definition, T0 } from "../../test/fixtures.ts";
import { dryRun } from "./dry-run.ts";

const def = definition(
  [
    {
      id: "approve",
      action: "request_approval",
      config: { approver: "{{ order.manager }}", title: "Approve {{ order.id }}" },
    },
    {
      id: "decide",
      if: "steps.approve.output.decision == 'approved'",
      then: [
        {
          id: "mark",
          action: "update_record",
          config: { type: "order", id: "{{ order.id }}", fields: { s: "ok" } },
        },
      ],
      else: [
        {
          id: "tell",
          action: "send_email",
          config: { to: "x@y.z", subject: "no", body: "{{ order.missing }}" },
        },
      ],
    },
    { id: "wait", delay: "10m" },
  ],
  "order.amount > 10000 && order.status == 'new'",
);

const event = {
  type: "order.created",
  data: { id: "o7", amount: 20000, status: "new", manager: "m@x.y" },
};

describe("dryRun", () => {
  it("explains the filter and renders every step, assuming sample outputs", () => {
    const result = dryRun(def, event, { now: T0 });
    expect(result.filter).toMatchObject({ expression: def.filter, result: true });
    expect(result.filter.explanation.length).toBeGreaterThan(2);
    expect(result.filter.explanation.find((p) => p.source === "order.amount")?.value).toBe(20000);
    expect(result.steps).toEqual([
      {
        id: "approve",
        action: "request_approval",
        config: { approver: "m@x.y", title: "Approve o7" },
      },
      { id: "decide", kind: "if", branch: "then", assumed: true },
      {
        id: "mark",
        action: "update_record",
        config: { type: "order", id: "o7", fields: { s: "ok" } },
      },
      { id: "tell", action: "send_email", skipped: true },
      { id: "wait", kind: "delay", config: { delay: "10m" } },
    ]);
  });

  it("uses given step outputs and reports template errors per step", () => {
    const result = dryRun(def, event, {
      now: T0,
      stepOutputs: {
        approve: { approvalId: "a", decision: "rejected", decidedBy: null, comment: null },
      },
    });
    expect(result.steps[1]).toMatchObject({ branch: "else", assumed: true });
    expect(result.steps.find((s) => s.id === "tell")).toMatchObject({
      error: { code: "template_error", path: "config.body" },
    });
  });

  it("reports a filter that says no or fails", () => {
    expect(
      dryRun(def, { ...event, data: { ...event.data, amount: 5 } }, { now: T0 }).filter.result,
    ).toBe(false);
    const failing = dryRun({ ...def, filter: "order.nope > 1" }, event, { now: T0 });
    expect(failing.filter).toMatchObject({ result: null, error: { code: "filter_error" } });
  });
});

describe("dryRun: waitFor", () => {
  const waiting = definition([
    {
      id: "paid",
      waitFor: { event: "payment.received", match: "event.data.order == order.id", timeout: "1h" },
      onTimeout: [
        { id: "nudge", action: "send_sms", config: { to: "+1", body: "pay {{ order.id }}" } },
      ],
    },
    {
      id: "thanks",
      action: "send_sms",
      config: { to: "+1", body: "got {{ steps.paid.output.type }}" },
    },
  ]);

  it("says it waits, with its keys; a sample event stands in and onTimeout is skipped", () => {
    const result = dryRun(waiting, event, { now: T0 });
    expect(result.steps).toEqual([
      {
        id: "paid",
        kind: "waitFor",
        config: {
          event: ["payment.received"],
          match: "event.data.order == order.id",
          timeout: "1h",
          keys: { "data.order": "o7" },
        },
        waits: true,
        assumed: true,
      },
      { id: "nudge", action: "send_sms", skipped: true },
      { id: "thanks", action: "send_sms", config: { to: "+1", body: "got payment.received" } },
    ]);
  });

  it("takes the onTimeout branch when stepOutputs says it timed out", () => {
    const result = dryRun(waiting, event, { now: T0, stepOutputs: { paid: { timedOut: true } } });
    expect(result.steps.map((s) => [s.id, s.skipped ?? false, s.timedOut ?? false])).toEqual([
      ["paid", false, true],
      ["nudge", false, false],
      ["thanks", false, false],
    ]);
    expect(result.steps[1]?.config).toEqual({ to: "+1", body: "pay o7" });
  });
});
