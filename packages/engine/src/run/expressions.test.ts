// biome-ignore-all lint/suspicious/noThenProperty: `then` is the definition format's branch list
import { describe, expect, it } from "vitest";
import { Driver, definition, sms, T0 } from "../../test/fixtures.ts";

describe("advance: conditions, templates and the filter", () => {
  const branching = definition([
    sms("first"),
    {
      id: "decide",
      if: "order.amount > 10000 && steps.first.output.messageId == 'm1'",
      then: [sms("big"), { id: "inner", if: "true", then: [sms("deep")] }],
      else: [sms("small")],
    },
    sms("last"),
  ]);

  it("takes the branch the condition chooses and skips the other", () => {
    const run = new Driver(branching);
    run.feed({ type: "start", at: T0 });
    run.feed({
      type: "stepSucceeded",
      stepId: "first",
      attempt: 1,
      output: { messageId: "m1" },
      at: T0 + 1,
    });
    expect(run.statusOf("decide")).toBe("running");
    expect(run.state.steps.decide?.branch).toBe("then");
    expect(run.statusOf("small")).toBe("skipped");
    expect(run.dispatches().map((c) => c.stepId)).toEqual(["big"]);
    run.feed({ type: "stepSucceeded", stepId: "big", attempt: 1, output: {}, at: T0 + 2 });
    run.feed({ type: "stepSucceeded", stepId: "deep", attempt: 1, output: {}, at: T0 + 3 });
    expect(run.statusOf("decide")).toBe("succeeded");
    expect(run.state.steps.decide?.output).toEqual({ branch: "then" });
    run.feed({ type: "stepSucceeded", stepId: "last", attempt: 1, output: {}, at: T0 + 4 });
    expect(run.state.status).toBe("succeeded");
  });

  it("takes else and skips nested steps of then", () => {
    const run = new Driver(branching);
    run.feed({ type: "start", at: T0 });
    run.feed({
      type: "stepSucceeded",
      stepId: "first",
      attempt: 1,
      output: { messageId: "m2" },
      at: T0 + 1,
    });
    expect(["big", "inner", "deep"].map((id) => run.statusOf(id))).toEqual([
      "skipped",
      "skipped",
      "skipped",
    ]);
    expect(run.dispatches().map((c) => c.stepId)).toEqual(["small"]);
  });

  it("fails the step at once when its condition fails, with the position", () => {
    const run = new Driver(
      definition([{ id: "decide", if: "order.missing > 1", then: [sms("a")] }, sms("b")]),
    );
    run.feed({ type: "start", at: T0 });
    expect(run.state.status).toBe("failed");
    expect(run.state.steps.decide).toMatchObject({
      status: "failed",
      error: { code: "condition_error", path: "if", position: { line: 1 } },
    });
    expect(run.statusOf("a")).toBe("pending");
  });

  it("fails a step at once when a template fails, naming the field", () => {
    const run = new Driver(
      definition([
        { id: "a", action: "send_sms", config: { to: "+1", body: "x {{ order.nope }}" } },
      ]),
    );
    run.feed({ type: "start", at: T0 });
    expect(run.dispatches()).toEqual([]);
    expect(run.state.steps.a).toMatchObject({
      status: "failed",
      attempt: 0,
      error: { code: "template_error", path: "config.body", position: { offset: 11 } },
    });
    expect(run.state.status).toBe("failed");
  });

  it("renders templates, keeping the type of a lone placeholder", () => {
    const run = new Driver(
      definition([
        {
          id: "hook",
          action: "call_webhook",
          config: {
            url: "https://x.test/{{ order.id }}",
            body: {
              amount: "{{ order.amount }}",
              run: "{{ run.id }}",
              wf: "{{ workflow.id }}",
              at: "{{ now }}",
            },
          },
        },
      ]),
    );
    run.feed({ type: "start", at: T0 });
    expect(run.dispatches()[0]?.config).toEqual({
      url: "https://x.test/o1",
      body: { amount: 12000, run: "run_1", wf: "wf_1", at: "2025-01-01T09:00:00Z" },
    });
  });

  it("ends as filtered when the filter says no, failed with filter.error when it fails", () => {
    const no = new Driver(definition([sms("a")], "order.amount < 100"));
    no.feed({ type: "start", at: T0 });
    expect(no.state.status).toBe("filtered");
    expect(no.state.filter).toEqual({
      expression: "order.amount < 100",
      result: false,
      error: null,
    });

    const broken = new Driver(definition([sms("a")], "order.customer.name == 'x'"));
    broken.feed({ type: "start", at: T0 });
    expect(broken.state.status).toBe("failed");
    expect(broken.state.filter).toMatchObject({
      result: null,
      error: { code: "filter_error", path: "filter" },
    });
    expect(broken.state.error?.code).toBe("filter_error");
  });

  it("re-evaluates a failed filter on retry, on the new version", () => {
    const run = new Driver(definition([sms("a")], "order.customer.name == 'x'"));
    run.feed({ type: "start", at: T0 });
    expect(run.state.status).toBe("failed");
    run.feed({
      type: "retryRequested",
      to: { version: 2, definition: definition([sms("a")], "order.amount > 1") },
      at: T0 + 1,
    });
    expect(run.state).toMatchObject({
      status: "running",
      version: 2,
      filter: { result: true, error: null },
    });
    expect(run.dispatches().map((c) => c.stepId)).toEqual(["a"]);
  });
});
