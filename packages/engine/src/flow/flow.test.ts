import { describe, expect, it } from "vitest";
import { validateDefinition } from "../definition/validate.ts";
import {
  admit,
  capWaiters,
  debounceArrive,
  debounceDue,
  type FlowState,
  gcra,
  planRelease,
  type Waiting,
} from "./decide.ts";
import { describeFlow, waitingFor } from "./describe.ts";
import { flowKeys, keyLabel, keyWords } from "./keys.ts";

const base = {
  name: "flow",
  trigger: { event: "order.created" },
  steps: [{ id: "a", action: "send_sms", config: { to: "+100", body: "hi" } }],
};
const event = (data: unknown, id = "evt_1") => ({
  id,
  type: "order.created",
  data,
  occurredAt: "2026-01-01T00:00:00.000Z",
});
const problemsOf = (extra: Record<string, unknown>) => {
  const r = validateDefinition({ ...base, ...extra });
  return r.ok ? [] : r.problems.map((p) => `${p.path}: ${p.message}`);
};

describe("flow-control validation", () => {
  it("accepts the contract's example and keeps it through normalisation", () => {
    const flow = {
      concurrency: { key: "{{ order.customer_id }}", limit: 1 },
      throttle: { key: "{{ order.customer_id }}", limit: 60, period: "1m" },
      debounce: { key: "{{ event.data.id }}", quiet: "30s", maxWait: "10m" },
    };
    const r = validateDefinition({ ...base, ...flow });
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.definition).toMatchObject(flow);
  });

  it("reports each problem at its path", () => {
    expect(problemsOf({ concurrency: { limit: 0 } })[0]).toMatch(/^concurrency\.limit/);
    expect(problemsOf({ concurrency: { limit: 1001 } })[0]).toMatch(/^concurrency\.limit/);
    expect(problemsOf({ throttle: { limit: 10_001, period: "1m" } })[0]).toMatch(
      /^throttle\.limit/,
    );
    expect(problemsOf({ throttle: { limit: 1, period: "500ms" } })[0]).toMatch(
      /^throttle\.period: expected a duration/,
    );
    expect(problemsOf({ throttle: { limit: 1, period: "25h" } })[0]).toMatch(/^throttle\.period/);
    expect(problemsOf({ debounce: { quiet: "1m", maxWait: "30s" } })).toEqual([
      "debounce.maxWait: must be at least quiet (1m)",
    ]);
    expect(problemsOf({ debounce: { quiet: "1s", maxWait: "8d" } })[0]).toMatch(
      /^debounce\.maxWait/,
    );
    expect(problemsOf({ concurrency: { limit: 1, extra: true } })[0]).toMatch(/^concurrency/);
  });

  it("keys read only the trigger event", () => {
    expect(problemsOf({ concurrency: { key: "{{ steps.a.output }}", limit: 1 } })[0]).toMatch(
      /^concurrency\.key: a key reads only the trigger event \(event or order\), not 'steps'/,
    );
    expect(problemsOf({ concurrency: { key: "{{ run.id }}", limit: 1 } })[0]).toMatch(/not 'run'/);
    expect(problemsOf({ concurrency: { key: "fixed", limit: 1 } })[0]).toMatch(
      /^concurrency\.key: a key is a template/,
    );
    expect(problemsOf({ throttle: { key: "{{ order.", limit: 1, period: "1m" } })[0]).toMatch(
      /^throttle\.key/,
    );
    expect(
      problemsOf({ concurrency: { key: "{{ event.data.x }}-{{ order.y }}", limit: 1 } }),
    ).toEqual([]);
  });
});

describe("flowKeys", () => {
  const def = {
    concurrency: { key: "{{ order.customer_id }}", limit: 1 },
    debounce: { quiet: "1s" },
  };
  it("renders each control's key; absent controls are null, absent key templates ''", () => {
    expect(flowKeys(def, event({ customer_id: "c-17" }))).toEqual({
      concurrency: "c-17",
      throttle: null,
      debounce: "",
    });
  });
  it("a missing or null field is the key ''", () => {
    expect(flowKeys(def, event({})).concurrency).toBe("");
    expect(flowKeys(def, event({ customer_id: null })).concurrency).toBe("");
    expect(flowKeys(def, event({ customer_id: 42 })).concurrency).toBe("42");
  });
  it("a key longer than 200 characters becomes a hash prefix, stable", () => {
    const long = "x".repeat(500);
    const k = flowKeys(def, event({ customer_id: long })).concurrency!;
    expect(k).toMatch(/^#[0-9a-f]{16}$/);
    expect(flowKeys(def, event({ customer_id: long })).concurrency).toBe(k);
    expect(flowKeys(def, event({ customer_id: `${long}y` })).concurrency).not.toBe(k);
  });
  it("labels keys in words", () => {
    expect(keyLabel("{{ order.customer_id }}")).toBe("customer");
    expect(keyLabel("{{ record.id }}")).toBe("record");
    expect(keyLabel("{{ order.accountId }}")).toBe("account");
    expect(keyLabel("{{ order.sales_region }}")).toBe("sales region");
    expect(keyWords(undefined, "")).toBe("this workflow");
  });
});

describe("GCRA", () => {
  it("spreads limit starts evenly over the period: one per period/limit", () => {
    let tat: number | null = null;
    const starts: number[] = [];
    for (let now = 0; now <= 120_000; now += 1_000) {
      const r = gcra(tat, now, 2, 60_000);
      if (r.ok) {
        tat = r.tat;
        starts.push(now);
      }
    }
    // One every 30 s (2 a minute): no minute ever holds a third.
    expect(starts).toEqual([0, 30_000, 60_000, 90_000, 120_000]);
  });
  it("says when a refused start may go", () => {
    const a = gcra(null, 0, 2, 60_000);
    const b = a.ok ? gcra(a.tat, 10_000, 2, 60_000) : a;
    expect(b).toEqual({ ok: false, at: 30_000 });
    // Fractional intervals round up: never a start before its time.
    const x = gcra(null, 0, 3, 1_000);
    expect(x.ok && gcra(x.tat, 0, 3, 1_000)).toEqual({ ok: false, at: 334 });
  });
});

const state = (over: Partial<FlowState> = {}): FlowState => ({
  active: new Map(),
  running: 0,
  cap: null,
  tat: new Map(),
  served: new Map(),
  serveSeq: 0,
  ...over,
});
const w = (id: string, key: string, arrival: number, wf = "wf_a", limit = 1): Waiting => ({
  id,
  workflowId: wf,
  lane: `${wf}\n${key}`,
  arrival,
  concurrency: { slot: `${wf}\n${key}`, limit },
  throttle: null,
});

describe("planRelease", () => {
  it("FIFO inside a key, at most limit per key", () => {
    const r = planRelease([w("2", "k", 2), w("1", "k", 1), w("3", "j", 3)], state(), 0);
    expect(r.start.map((x) => x.id)).toEqual(["1", "3"]);
    expect(r.blocked.get("2")).toEqual({ reason: "concurrency", until: null });
  });
  it("the least recently served key goes first, then arrival", () => {
    const s = state({ served: new Map([["wf_a\nhot", 5]]), serveSeq: 5, cap: 1 });
    const r = planRelease([w("h", "hot", 1), w("c", "cold", 2)], s, 0);
    expect(r.start.map((x) => x.id)).toEqual(["c"]);
    expect(r.blocked.get("h")?.reason).toBe("tenant_limit");
  });
  it("the tenant cap is shared fairly across workflows", () => {
    const s = state({ cap: 2, served: new Map([["wf:wf_a", 3]]), serveSeq: 3 });
    const q = [w("a1", "x", 1), w("a2", "y", 2), w("b1", "x", 3, "wf_b")];
    expect(planRelease(q, s, 0).start.map((x) => x.id)).toEqual(["b1", "a1"]);
  });
  it("a throttled head says when, and the pass wakes then", () => {
    const t = (id: string, arrival: number): Waiting => ({
      ...w(id, "k", arrival),
      concurrency: null,
      throttle: { slot: "wf_a\nk", limit: 2, periodMs: 60_000 },
    });
    const r = planRelease([t("1", 1), t("2", 2), t("3", 3)], state(), 0);
    expect(r.start.map((x) => x.id)).toEqual(["1"]);
    expect(r.blocked.get("2")).toEqual({ reason: "throttle", until: 30_000 });
    expect(r.wakeAt).toBe(30_000);
  });
  it("capWaiters: an arrival queues behind a head waiting for the cap or not yet released", () => {
    const capped = state({ cap: 1, running: 1 });
    expect(capWaiters([w("h", "k", 1)], capped, 0)).toBe(true);
    expect(capWaiters([w("h", "k", 1)], state({ cap: 2, running: 1 }), 0)).toBe(true);
    const held = state({ active: new Map([["wf_a\nk", 1]]) });
    expect(capWaiters([w("h", "k", 1)], held, 0)).toBe(false);
    expect(admit(w("n", "j", 2), false, state({ cap: 5 }), 0, true)).toMatchObject({
      start: false,
      reason: "tenant_limit",
    });
  });
  it("admit: a busy lane queues even with spare capacity", () => {
    expect(admit(w("1", "k", 1, "wf_a", 2), true, state(), 0).start).toBe(false);
    const s = state();
    expect(admit(w("1", "k", 1), false, s, 0).start).toBe(true);
    expect(admit(w("2", "k", 2), false, s, 0)).toEqual({
      start: false,
      reason: "concurrency",
      until: null,
    });
  });
});

describe("debounce", () => {
  it("keeps the last event, due at min(last + quiet, first + maxWait)", () => {
    let r = debounceArrive(null, "r1", 0, 1_000, 2_500);
    expect(r).toMatchObject({ dueAt: 1_000, replaced: null, fire: null });
    r = debounceArrive(r.slot, "r2", 900, 1_000, 2_500);
    expect(r).toMatchObject({ dueAt: 1_900, replaced: "r1" });
    r = debounceArrive(r.slot, "r3", 1_800, 1_000, 2_500);
    expect(r).toMatchObject({ dueAt: 2_500, replaced: "r2" });
    expect(debounceDue(r.slot, 1_000, null)).toBe(2_800);
  });
  it("an event after the due time fires the old slot and opens a new burst", () => {
    const a = debounceArrive(null, "r1", 0, 1_000, null);
    const b = debounceArrive(a.slot, "r2", 1_000, 1_000, null);
    expect(b).toMatchObject({ fire: "r1", replaced: null, dueAt: 2_000 });
  });
  it("a redelivered event does not replace itself", () => {
    const a = debounceArrive(null, "r1", 0, 1_000, null);
    expect(debounceArrive(a.slot, "r1", 10, 1_000, null).replaced).toBeNull();
  });
});

describe("describe", () => {
  const flow = {
    concurrency: { key: "{{ order.customer_id }}", limit: 1 },
    throttle: { key: "{{ order.customer_id }}", limit: 60, period: "1m" },
    debounce: { key: "{{ record.id }}", quiet: "30s", maxWait: "10m" },
  };
  it("says why a run waits", () => {
    expect(
      waitingFor(flow, { reason: "concurrency", key: "c-17", ahead: 3, until: null }).message,
    ).toBe("3 runs for customer c-17 ahead");
    expect(
      waitingFor(flow, {
        reason: "throttle",
        key: "c-17",
        ahead: 0,
        until: Date.UTC(2026, 0, 1, 14, 5, 10),
      }).message,
    ).toBe("the limit of 60 runs a minute for customer c-17 is reached; starts at 14:05:10");
    expect(
      waitingFor(flow, {
        reason: "debounce",
        key: "r-1",
        ahead: 0,
        until: Date.UTC(2026, 0, 1, 14, 5, 10),
      }).message,
    ).toBe("waiting for events about record r-1 to stop (until 14:05:10)");
    expect(
      waitingFor(flow, { reason: "tenant_limit", key: null, ahead: 12, until: null, cap: 100 })
        .message,
    ).toBe("the workspace's limit of 100 running runs is reached; 12 runs ahead");
  });
  it("describes a definition's flow control", () => {
    expect(describeFlow(flow)).toEqual([
      "At most 1 run at a time per customer; the others wait, in order.",
      "At most 60 starts a minute per customer; the excess waits, never dropped.",
      "Events per record are gathered until none came for 30s (at most 10m after the first); one run starts with the last, the others are skipped.",
    ]);
    expect(describeFlow({})).toEqual([]);
  });
});
