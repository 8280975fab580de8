// "Try it on past events" (issue 16, item 4) in the builder's words, checked
// without a browser: the summary, each event's row (differences first), the
// steps it would run and why the filter said yes or no (the browser test:
// backtest.test.ts).
import type { WorkflowDefinition } from "@switchyard/engine";
import { describe, expect, it } from "vitest";
import type { Backtest, BacktestItem } from "../../apps/web/src/lib/api-backtest.ts";
import {
  backtestRows,
  backtestSummary,
  differWords,
  eventsWords,
} from "../../apps/web/src/lib/model/backtest.ts";

const def: WorkflowDefinition = {
  name: "Orders",
  trigger: { event: "order.created" },
  filter: "order.amount > 50",
  steps: [
    {
      id: "big",
      name: "Is it big?",
      if: "order.amount > 150",
      then: [{ id: "tell", action: "send_email", config: {} }],
    },
  ],
};

const amount = (n: number) => [
  { span: { start: 0, end: 5 }, source: "order", value: { id: "1", amount: n } },
  { span: { start: 0, end: 12 }, source: "order.amount", value: n },
  { span: { start: 0, end: 17 }, source: "order.amount > 50", value: n > 50 },
];

function item(id: string, n: number, live: boolean | null): BacktestItem {
  const matched = n > 50;
  return {
    eventId: `evt_${id}`,
    key: `order ${id}`,
    occurredAt: "2026-12-01T10:00:00.000Z",
    receivedAt: "2026-12-01T10:00:00.000Z",
    matched,
    explain: amount(n),
    steps: matched
      ? [
          { id: "big", kind: "if", runs: true, branch: n > 150 ? "then" : "else" },
          { id: "tell", action: "send_email", runs: n > 150 },
        ]
      : [],
    live: live === null ? null : { matched: live },
    run: null,
  };
}

const result = (items: BacktestItem[], live = true): Backtest => ({
  version: 2,
  liveVersion: live ? 1 : null,
  eventType: "order.created",
  events: items.length,
  matched: items.filter((i) => i.matched).length,
  liveMatched: live ? items.filter((i) => i.live?.matched).length : null,
  differ: items.filter((i) => i.live && i.live.matched !== i.matched).length,
  truncated: false,
  items,
});

describe("backtest words", () => {
  it("sums up now and then in people's words", () => {
    const r = result([item("1044", 80, false), item("1043", 200, true), item("1040", 30, false)]);
    expect(backtestSummary(r)).toBe(
      "2 would match now; 1 matched then (of the last 3 orders created)",
    );
    expect(differWords(r)).toBe("1 event is answered differently now.");
    expect(backtestSummary({ ...r, events: 100, matched: 23, liveMatched: 19 })).toBe(
      "23 would match now; 19 matched then (of the last 100 orders created)",
    );
    expect(backtestSummary(result([item("1", 80, null)], false))).toBe(
      "1 would match now (of the last order created); no version is live yet",
    );
    expect(backtestSummary(result([]))).toBe("No orders created have arrived yet.");
    expect(backtestSummary({ ...r, truncated: true })).toMatch(/Stopped early/);
    expect(eventsWords("payment.failed", 2)).toBe("payments failed");
    expect(eventsWords("schedule.fired", 5)).toBe("scheduled times");
    expect(eventsWords("invoice.payment_failed.v2", 2)).toBe("invoice.payment_failed.v2 events");
  });

  it("lists differences first, with the steps each would run and why", () => {
    const r = result([item("1044", 80, false), item("1043", 200, true), item("1040", 30, false)]);
    const rows = backtestRows(r, def, (a) => (a === "send_email" ? "Send email" : undefined));
    expect(rows.map((x) => [x.title, x.nowWords, x.thenWords, x.differs])).toEqual([
      ["order 1044", "Would match now", "did not match then", true],
      ["order 1043", "Would match now", "matched then", false],
      ["order 1040", "Would not match now", "did not match then", false],
    ]);
    expect(rows[0]!.steps).toEqual(["Is it big? — takes the No branch"]);
    expect(rows[1]!.steps).toEqual(["Is it big? — takes the Yes branch", "Send email"]);
    expect(rows[2]!.steps).toEqual([]);
    expect(rows[0]!.why).toEqual(["The filter says yes: order.amount is 80."]);
    expect(rows[2]!.why).toEqual(["order.amount > 50 said no — order.amount is 30"]);
    // No ids or JSON in the words.
    expect(JSON.stringify(rows.map((x) => [x.steps, x.why]))).not.toMatch(/evt_|\{/);
  });

  it("says when the filter fails, and that no filter lets every event run", () => {
    const failing = { ...item("7", 80, true), matched: false, steps: [] };
    failing.error = { code: "division_by_zero", message: "division by zero" };
    const rows = backtestRows(result([failing]), def);
    expect(rows[0]).toMatchObject({
      now: "error",
      nowWords: "The filter would fail now",
      differs: true,
      why: ["The filter fails on this event: division by zero"],
    });
    const open = backtestRows(result([item("8", 80, true)]), { ...def, filter: undefined });
    expect(open[0]!.why).toEqual(["No filter: every event runs."]);
  });

  it("names a loop's items", () => {
    const loop: BacktestItem = {
      ...item("9", 80, true),
      steps: [
        { id: "each", kind: "forEach", runs: true, items: 2 },
        { id: "tell[0]", action: "send_email", runs: true },
        { id: "tell[1]", action: "send_email", runs: true },
      ],
    };
    const rows = backtestRows(result([loop]), def);
    expect(rows[0]!.steps).toEqual([
      "For each — 2 items",
      "Send email (item 1)",
      "Send email (item 2)",
    ]);
  });
});
