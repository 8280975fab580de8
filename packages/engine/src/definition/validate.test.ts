// biome-ignore-all lint/suspicious/noThenProperty: `then` is the definition format's branch list
import { describe, expect, it } from "vitest";
import type { Problem } from "./problem.ts";
import { validateDefinition } from "./validate.ts";

const bigOrder = {
  name: "Big order approval",
  trigger: { event: "order.created" },
  filter: "order.amount > 10000 && order.status == 'new'",
  steps: [
    {
      id: "approve",
      action: "request_approval",
      config: {
        approver: "{{ order.manager_email }}",
        title: "Approve order {{ order.id }}",
        timeout: "48h",
      },
    },
    {
      id: "decide",
      if: "steps.approve.output.decision == 'approved'",
      then: [
        {
          id: "mark",
          action: "update_record",
          config: { type: "order", id: "{{ order.id }}", fields: { status: "approved" } },
        },
      ],
      else: [
        {
          id: "tell",
          action: "send_email",
          config: {
            to: "{{ order.customer.email }}",
            subject: "Order {{ order.id }} declined",
            body: "…",
          },
        },
      ],
    },
    {
      id: "fanout",
      parallel: [
        [
          {
            id: "sms",
            action: "send_sms",
            config: { to: "{{ order.manager_phone }}", body: "Order {{ order.id }} done" },
          },
        ],
        [
          {
            id: "hook",
            action: "call_webhook",
            config: { url: "https://erp.example.com/orders", method: "POST", body: "{{ order }}" },
          },
        ],
      ],
    },
    { id: "wait", delay: "10m" },
  ],
};

function problemsOf(input: unknown): Problem[] {
  const result = validateDefinition(input);
  if (result.ok) return [];
  return result.problems;
}

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

describe("validateDefinition", () => {
  it("accepts DESIGN.md's example and normalises it", () => {
    const result = validateDefinition(bigOrder);
    expect(result).toMatchObject({ ok: true });
    if (result.ok) expect(result.definition.steps).toHaveLength(4);
  });

  it("reports every structural problem with its path", () => {
    const def = clone(bigOrder) as Record<string, unknown>;
    def.trigger = { event: "Order" };
    def.extra = 1;
    const steps = def.steps as Record<string, unknown>[];
    (steps[0]!.config as Record<string, unknown>).approver = 5;
    steps[3]!.delay = "10 minutes";
    const paths = problemsOf(def).map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "trigger.event",
        "extra",
        "steps[0].config.approver",
        "steps[3].delay",
      ]),
    );
  });

  it("names nested paths exactly", () => {
    const def = clone(bigOrder);
    (def.steps[1] as { then: { config: Record<string, unknown> }[] }).then[0]!.config.bogus = "x";
    (def.steps[2] as { parallel: { config: Record<string, unknown> }[][] })
      .parallel[1]![0]!.config.url = "ftp:nope";
    expect(problemsOf(def).map((p) => p.path)).toEqual([
      "steps[1].then[0].config.bogus",
      "steps[2].parallel[1][0].config.url",
    ]);
  });

  it("reports a missing required config field", () => {
    const def = clone(bigOrder);
    delete (def.steps[1] as { else: { config: Record<string, unknown> }[] }).else[0]!.config.to;
    expect(problemsOf(def)).toEqual([{ path: "steps[1].else[0].config.to", message: "required" }]);
  });

  it("rejects duplicate ids anywhere in the workflow", () => {
    const def = clone(bigOrder);
    (def.steps[3] as { id: string }).id = "sms";
    expect(problemsOf(def)).toEqual([
      { path: "steps[3].id", message: "duplicate step id 'sms' (also at steps[2].parallel[0][0])" },
    ]);
  });

  it("rejects event types with a reserved first segment or one segment", () => {
    for (const event of ["steps.created", "order", "order..x", "Order.created"]) {
      const def = { ...clone(bigOrder), trigger: { event } };
      expect(problemsOf(def).map((p) => p.path)).toContain("trigger.event");
    }
  });

  it("rejects unknown actions and steps of no or two kinds", () => {
    const def = {
      name: "x",
      trigger: { event: "order.created" },
      steps: [
        { id: "a", action: "launch_rocket", config: {} },
        { id: "b" },
        { id: "c", delay: "1m", if: "true", then: [] },
      ],
    };
    const problems = problemsOf(def);
    expect(problems.map((p) => p.path)).toEqual(["steps[0].action", "steps[1]", "steps[2]"]);
    expect(problems[2]!.message).toContain('"if" and "delay"');
  });

  it("limits nesting depth to 5 and steps to 100", () => {
    let inner: unknown[] = [{ id: "leaf", delay: "1s" }];
    for (let i = 0; i < 5; i++) inner = [{ id: `if${i}`, if: "true", then: inner }];
    const deep = { name: "deep", trigger: { event: "order.created" }, steps: inner };
    expect(problemsOf(deep)).toEqual([
      expect.objectContaining({ path: "steps[0].then[0].then[0].then[0].then[0].then[0]" }),
    ]);
    const many = {
      name: "many",
      trigger: { event: "order.created" },
      steps: Array.from({ length: 101 }, (_, i) => ({ id: `d${i}`, delay: "1s" })),
    };
    expect(problemsOf(many)).toEqual([expect.objectContaining({ path: "steps" })]);
  });

  it("checks retry and timeout", () => {
    const def = clone(bigOrder);
    Object.assign(def.steps[0]!, { retry: { attempts: 0, backoff: "linear" }, timeout: "2h" });
    expect(problemsOf(def).map((p) => p.path)).toEqual([
      "steps[0].retry.attempts",
      "steps[0].retry.backoff",
      "steps[0].timeout",
    ]);
  });

  it("refuses definitions over 256 KiB and non-objects", () => {
    const big = { ...clone(bigOrder), description: "x".repeat(300 * 1024) };
    expect(problemsOf(big)).toEqual([expect.objectContaining({ path: "" })]);
    expect(problemsOf([])).toEqual([expect.objectContaining({ path: "" })]);
  });
});

describe("validateDefinition: expressions", () => {
  it("reports a filter syntax error with its position", () => {
    const def = { ...clone(bigOrder), filter: "order.amount >" };
    const [problem, ...rest] = problemsOf(def);
    expect(rest).toEqual([]);
    expect(problem).toMatchObject({ path: "filter", position: { line: 1 } });
  });

  it("reports a template error relative to the field text", () => {
    const def = clone(bigOrder);
    (def.steps[0]!.config as Record<string, unknown>).title = "Approve {{ order.id + }}";
    const [problem] = problemsOf(def);
    expect(problem?.path).toBe("steps[0].config.title");
    expect(problem?.position?.offset).toBeGreaterThanOrEqual(8);
  });

  it("reports an if condition error under its path", () => {
    const def = clone(bigOrder);
    (def.steps[1] as { if: string }).if = "steps.approve.output.decision ==";
    expect(problemsOf(def).map((p) => p.path)).toEqual(["steps[1].if"]);
  });

  it("reports unknown names and steps, and steps read by the filter", () => {
    const def = clone(bigOrder);
    def.filter = "invoice.amount > 1";
    (def.steps[1] as { if: string }).if = "steps.aprove.output.decision == 'approved'";
    const problems = problemsOf(def);
    expect(problems).toEqual([
      expect.objectContaining({ path: "filter", message: expect.stringContaining("'invoice'") }),
      expect.objectContaining({
        path: "steps[1].if",
        message: "unknown step 'aprove'",
        position: { offset: 0, line: 1, column: 1, length: 12 },
      }),
    ]);
    expect(problemsOf({ ...clone(bigOrder), filter: "steps.approve.status == 'x'" })).toHaveLength(
      1,
    );
  });

  it("compiles strings nested in structured config fields", () => {
    const def = clone(bigOrder);
    (def.steps[2] as { parallel: { config: Record<string, unknown> }[][] })
      .parallel[1]![0]!.config.body = { items: ["{{ order.id }}", "{{ ) }}"] };
    expect(problemsOf(def).map((p) => p.path)).toEqual([
      "steps[2].parallel[1][0].config.body.items[1]",
    ]);
  });
});
