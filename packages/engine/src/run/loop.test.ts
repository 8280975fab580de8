import { describe, expect, it } from "vitest";
import { Driver, definition, orderEvent, T0 } from "../../test/fixtures.ts";
import type { Step } from "../definition/types.ts";
import { validateDefinition } from "../definition/validate.ts";
import { dryRun } from "../dry-run/dry-run.ts";
import { loopItems } from "./instances.ts";

const lines = [
  { sku: "A", qty: 1 },
  { sku: "B", qty: 2 },
  { sku: "C", qty: 3 },
];
const event = { ...orderEvent, data: { ...(orderEvent.data as object), lines } };

const loop = (extra: Record<string, unknown> = {}, body?: Step[]): Step =>
  ({
    id: "each",
    forEach: "order.lines",
    as: "line",
    steps: body ?? [
      {
        id: "reserve",
        action: "call_webhook",
        config: {
          url: "https://erp.example/reserve",
          body: { sku: "{{ line.sku }}", n: "{{ index }}" },
        },
      },
    ],
    ...extra,
  }) as Step;

const after: Step = {
  id: "tell",
  action: "send_email",
  config: { to: "ops@example.com", subject: "done", body: "{{ size(steps.each.output.results) }}" },
};

function started(steps: Step[]) {
  const run = new Driver(definition(steps), { event });
  run.feed({ type: "start", at: T0 });
  return run;
}

const ok = (run: Driver, stepId: string, at = T0 + 10) =>
  run.feed({ type: "stepSucceeded", stepId, attempt: 1, output: { status: 200, for: stepId }, at });
const fail = (run: Driver, stepId: string, at = T0 + 10) =>
  run.feed({
    type: "stepFailed",
    stepId,
    attempt: 1,
    error: { code: "http_400", message: "no stock" },
    retryable: false,
    at,
  });

describe("advance: forEach", () => {
  it("runs the body once per item, one at a time, each item with its own step instance and key", () => {
    const run = started([loop(), after]);
    expect(run.state.steps.each?.loop).toEqual({
      total: 3,
      next: 1,
      active: [0],
      failed: [],
      succeeded: 0,
    });
    const [first] = run.dispatches();
    expect(first).toMatchObject({
      stepId: "reserve[0]",
      idempotencyKey: "run_1:reserve[0]",
      config: { body: { sku: "A", n: 0 } },
    });
    expect(run.statusOf("each[0]")).toBe("running");
    expect(run.statusOf("each[1]")).toBe("pending");
    expect(run.state.steps["each[1]"]?.input).toEqual({ sku: "B", qty: 2 });
    ok(run, "reserve[0]");
    expect(run.dispatches().map((c) => c.stepId)).toEqual(["reserve[1]"]);
    // A redelivered result of a finished item changes nothing.
    expect(ok(run, "reserve[0]").ignored?.reason).toBe("not_expected");
    ok(run, "reserve[1]");
    ok(run, "reserve[2]");
    expect(run.statusOf("each")).toBe("succeeded");
    expect(run.state.steps.each?.output).toEqual({
      results: [0, 1, 2].map((i) => ({ reserve: { status: 200, for: `reserve[${i}]` } })),
      failed: [],
    });
    // Later steps read the loop's results.
    expect(run.dispatches()[0]).toMatchObject({ stepId: "tell", config: { body: 3 } });
    expect(loopItems(run.state, "each").map((i) => [i.id, ...i.steps])).toEqual([
      ["each[0]", "reserve[0]"],
      ["each[1]", "reserve[1]"],
      ["each[2]", "reserve[2]"],
    ]);
  });

  it("keeps `concurrency` items in flight", () => {
    const run = started([loop({ concurrency: 2 })]);
    expect(run.dispatches().map((c) => c.stepId)).toEqual(["reserve[0]", "reserve[1]"]);
    ok(run, "reserve[1]");
    expect(run.dispatches().map((c) => c.stepId)).toEqual(["reserve[2]"]);
    expect(run.state.steps.each?.loop?.active).toEqual([0, 2]);
    expect(run.state.status).toBe("running");
  });

  it("stop (the default): a failed item starts no further item; retry runs only the failed item's failed step, then the rest", () => {
    const run = started([
      loop({ as: undefined }, [
        {
          id: "note",
          action: "send_email",
          config: { to: "a@example.com", subject: "{{ item.sku }}", body: "x" },
        },
        {
          id: "reserve",
          action: "call_webhook",
          config: { url: "https://erp.example/{{ item.sku }}" },
        },
      ]),
    ]);
    ok(run, "note[0]");
    ok(run, "reserve[0]");
    ok(run, "note[1]");
    fail(run, "reserve[1]");
    expect(run.state.status).toBe("failed");
    expect(run.state.steps.each?.error).toMatchObject({
      code: "items_failed",
      message: expect.stringContaining(
        "1 of 3 items failed (it stops at the first failed item; 1 not started); item 1: step 'reserve' failed: no stock",
      ),
    });
    expect(run.state.error?.message).toContain("step 'each' failed: 1 of 3 items failed");
    expect(run.statusOf("each[2]")).toBe("pending");
    run.feed({ type: "retryRequested", at: T0 + 100 });
    // note[1] succeeded: it is kept; reserve[1] runs again under the same key.
    expect(run.dispatches()).toEqual([
      expect.objectContaining({
        stepId: "reserve[1]",
        attempt: 2,
        idempotencyKey: "run_1:reserve[1]",
      }),
    ]);
    run.feed({ type: "stepSucceeded", stepId: "reserve[1]", attempt: 2, output: {}, at: T0 + 110 });
    expect(run.dispatches().map((c) => c.stepId)).toEqual(["note[2]"]);
    ok(run, "note[2]");
    ok(run, "reserve[2]");
    expect(run.state.status).toBe("succeeded");
    expect(run.state.steps.each?.output).toMatchObject({ failed: [] });
  });

  it("continue: every item runs and the loop fails at the end; failAbove: a small share of failures passes", () => {
    const cont = started([loop({ onItemFailure: "continue", concurrency: 3 })]);
    fail(cont, "reserve[0]");
    expect(cont.state.status).toBe("running");
    ok(cont, "reserve[1]");
    ok(cont, "reserve[2]");
    expect(cont.state.status).toBe("failed");
    expect(cont.state.steps.each?.output).toEqual({
      results: [null, { reserve: expect.anything() }, { reserve: expect.anything() }],
      failed: [
        { index: 0, error: { code: "http_400", message: "step 'reserve' failed: no stock" } },
      ],
    });
    const share = started([loop({ onItemFailure: { failAbove: "40%" } }), after]);
    fail(share, "reserve[0]");
    ok(share, "reserve[1]");
    ok(share, "reserve[2]");
    expect(share.statusOf("each")).toBe("succeeded");
    expect(share.dispatches()[0]?.stepId).toBe("tell");
    const over = started([loop({ onItemFailure: { failAbove: "20%" } })]);
    fail(over, "reserve[0]");
    expect(over.state.status).toBe("failed");
    expect(over.statusOf("each[1]")).toBe("pending");
  });

  it("retry restarts failed items `concurrency` at a time, and keeps a tolerated failure (failAbove) as it is", () => {
    const run = started([loop({ onItemFailure: "continue", concurrency: 3 })]);
    fail(run, "reserve[0]");
    fail(run, "reserve[1]");
    fail(run, "reserve[2]");
    const narrow = { ...run.state, definition: definition([loop({ onItemFailure: "continue" })]) };
    run.state = narrow;
    run.feed({ type: "retryRequested", at: T0 + 100 });
    expect(run.dispatches().map((c) => c.stepId)).toEqual(["reserve[0]"]);
    expect(run.statusOf("each[1]")).toBe("pending");

    const tolerated = started([loop({ onItemFailure: { failAbove: "40%" } }), after]);
    fail(tolerated, "reserve[0]");
    ok(tolerated, "reserve[1]");
    ok(tolerated, "reserve[2]");
    fail(tolerated, "tell");
    tolerated.feed({ type: "retryRequested", at: T0 + 100 });
    expect(tolerated.dispatches().map((c) => c.stepId)).toEqual(["tell"]);
    expect(tolerated.statusOf("each[0]")).toBe("failed");
    expect(tolerated.statusOf("reserve[0]")).toBe("failed");
  });

  it("fails clearly on a list that is not one, or too long; an empty list succeeds at once", () => {
    const notList = new Driver(definition([loop({ forEach: "order.amount" })]), { event });
    notList.feed({ type: "start", at: T0 });
    expect(notList.state.steps.each?.error).toMatchObject({ code: "not_a_list", path: "forEach" });
    const long = started([loop({ maxItems: 2 })]);
    expect(long.state.steps.each?.error).toMatchObject({
      code: "too_many_items",
      message: "the list has 3 items; this loop takes at most 2 (maxItems)",
    });
    const empty = new Driver(definition([loop({ forEach: "[]" }), after]), { event });
    empty.feed({ type: "start", at: T0 });
    expect(empty.state.steps.each?.output).toEqual({ results: [], failed: [] });
    expect(empty.dispatches()[0]?.stepId).toBe("tell");
  });

  it("nests: an inner loop over each outer item, its steps keyed by both indexes, outer names in scope", () => {
    const nested = new Driver(
      definition([
        {
          id: "orders",
          forEach: "[[1, 2], [3]]",
          as: "batch",
          concurrency: 2,
          steps: [
            {
              id: "inner",
              forEach: "batch",
              as: "n",
              steps: [
                {
                  id: "mark",
                  action: "send_email",
                  config: { to: "a@example.com", subject: "{{ n }} of {{ index }}", body: "x" },
                },
              ],
            },
          ],
        } as Step,
      ]),
      { event },
    );
    nested.feed({ type: "start", at: T0 });
    expect(
      nested.dispatches().map((c) => [c.stepId, (c.config as { subject: string }).subject]),
    ).toEqual([
      ["mark[0][0]", "1 of 0"],
      ["mark[1][0]", "3 of 0"],
    ]);
    ok(nested, "mark[0][0]");
    ok(nested, "mark[1][0]");
    expect(nested.statusOf("orders[1]")).toBe("succeeded");
    ok(nested, "mark[0][1]");
    expect(nested.state.status).toBe("succeeded");
    expect(loopItems(nested.state, "inner[0]").map((i) => i.steps)).toEqual([
      ["mark[0][0]"],
      ["mark[0][1]"],
    ]);
  });

  it("cancels a loop's items and steps with the run", () => {
    const run = started([loop({ concurrency: 2 })]);
    run.feed({ type: "cancel", at: T0 + 5 });
    expect(["each", "each[0]", "each[2]", "reserve[0]"].map((id) => run.statusOf(id))).toEqual([
      "cancelled",
      "cancelled",
      "cancelled",
      "cancelled",
    ]);
  });
});

describe("forEach definitions", () => {
  const check = (steps: unknown[]) =>
    validateDefinition({ name: "x", trigger: { event: "order.created" }, steps });
  it("accepts a loop; item and index only inside it; body steps read only inside it", () => {
    expect(check([loop(), after]).ok).toBe(true);
    const outside = check([
      loop(),
      {
        id: "x",
        action: "send_email",
        config: {
          to: "a@example.com",
          subject: "{{ line.sku }} {{ steps.reserve.output }}",
          body: "{{ index }}",
        },
      },
    ]);
    expect(outside.ok ? [] : outside.problems.map((p) => p.message)).toEqual([
      "unknown variable 'line' (the event's data is under 'order' and 'event.data')",
      "step 'reserve' runs once per item of 'each': read what it gave from steps.each.output.results",
      "unknown variable 'index' (the event's data is under 'order' and 'event.data')",
    ]);
  });
  it("checks the settings and the item's name", () => {
    const bad = check([
      loop({
        as: "order",
        concurrency: 51,
        maxItems: 10_001,
        onItemFailure: { failAbove: "150%" },
        steps: [],
      }),
    ]);
    expect(bad.ok ? [] : bad.problems.map((p) => `${p.path}: ${p.message}`)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^steps\[0\]\.concurrency: /),
        expect.stringMatching(/^steps\[0\]\.maxItems: /),
        'steps[0].onItemFailure.failAbove: expected a share such as "10%", from 0% to 100%',
        "steps[0].steps: a loop needs at least one step",
        "steps[0].as: the event's data is already named 'order': give this loop's item another name",
      ]),
    );
    const shadow = check([loop({}, [loop({ id: "inner" }, [after])])]);
    expect(shadow.ok ? [] : shadow.problems.map((p) => p.message)).toContain(
      "a loop around this one already names its item 'line': give this loop's item another name",
    );
  });
});

describe("dry run of a loop", () => {
  it("shows the list's length and the body for the first items, each with its item", () => {
    const result = dryRun(
      definition([loop(), after]),
      { type: "order.created", data: event.data },
      { now: T0 },
    );
    expect(result.steps.map((s) => [s.id, s.items ?? s.item ?? null])).toEqual([
      ["each", 3],
      ["reserve[0]", 0],
      ["reserve[1]", 1],
      ["reserve[2]", 2],
      ["tell", null],
    ]);
    expect(result.steps[2]?.config).toMatchObject({ body: { sku: "B", n: 1 } });
  });
});
