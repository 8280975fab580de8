import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { storeFor } from "../src/store/client.ts";
import { BOUNDS, binOf, quantile } from "../src/store/metrics.ts";
import type { RunAuditRecord, RunRow } from "../src/store/runs.ts";
import { runOnce, setup } from "./failing-workflow.ts";
import { call, eventually, type Json, newTenant } from "./helpers.ts";

// Metrics (issue 16, item 5): counted in the tenant's store as runs end, by
// the same indexRun a run object calls, so these tests tell the store of
// runs with known times and read what the API answers.

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const twoSteps = {
  name: "Charge and tell",
  trigger: { event: "order.created" },
  steps: [
    {
      id: "charge",
      name: "Charge the card",
      action: "call_webhook",
      config: { url: "https://pay.example.com/charge" },
    },
    { id: "tell", action: "notify_user", config: { user: "a@example.com", message: "Paid" } },
  ],
};

interface Told {
  id: string;
  status: "succeeded" | "failed" | "cancelled";
  start: number;
  ms: number;
  test?: boolean;
  steps?: { id: string; status: string; ms: number }[];
}

const iso = (t: number) => new Date(t).toISOString();

/** The index row and audit record a run object sends at its end (and its start row). */
function rows(tenantId: string, workflowId: string, r: Told) {
  const base: RunRow = {
    tenantId,
    id: r.id,
    workflowId,
    workflowVersion: 1,
    eventId: `ev_${r.id}`,
    status: "running",
    test: r.test ?? false,
    startedAt: iso(r.start),
    finishedAt: null,
    causation: "{}",
    filter: null,
    suppression: null,
    error: null,
    seq: 1,
    hasObject: true,
    steps: null,
    createdAt: iso(r.start),
    updatedAt: iso(r.start),
  };
  const end: RunRow = { ...base, status: r.status, finishedAt: iso(r.start + r.ms), seq: 5 };
  let at = r.start;
  const audit: RunAuditRecord = {
    id: `${r.id}:5`,
    runId: r.id,
    workflowId,
    version: 1,
    eventId: base.eventId,
    eventType: "order.created",
    status: r.status,
    test: base.test,
    filter: null,
    suppression: null,
    startedAt: base.startedAt,
    finishedAt: end.finishedAt,
    steps: (r.steps ?? []).map((s) => {
      const from = at;
      at += s.ms;
      return {
        id: s.id,
        action: "call_webhook",
        status: s.status,
        attempts: 1,
        startedAt: iso(from),
        finishedAt: iso(at),
      };
    }),
  };
  return { base, end, audit };
}

async function tell(tenantId: string, workflowId: string, r: Told, times = 1): Promise<void> {
  const store = storeFor(env, tenantId);
  const { base, end, audit } = rows(tenantId, workflowId, r);
  await store.indexRun(tenantId, base);
  for (let i = 0; i < times; i++) await store.indexRun(tenantId, end, audit, null);
}

const near = (v: number, of: number) => {
  expect(v).toBeGreaterThanOrEqual(of / 1.61);
  expect(v).toBeLessThanOrEqual(of * 1.61);
};

describe("duration bins", () => {
  it("are log spaced from 1 ms to 30 days, and a percentile lands within its bin", () => {
    expect(BOUNDS[0]).toBe(1);
    expect(Math.round(BOUNDS.at(-1)!)).toBe(30 * DAY);
    for (const ms of [0, 1, 7, 999, 1000, 65_000, 3 * DAY, 40 * DAY]) {
      const b = binOf(ms);
      if (b > 0) expect(ms).toBeGreaterThanOrEqual(BOUNDS[b - 1]!);
      if (b < BOUNDS.length) expect(ms).toBeLessThan(BOUNDS[b]!);
    }
    const h = new Array(BOUNDS.length + 1).fill(0);
    h[binOf(1200)] = 10;
    near(quantile(h, 0.5, null, null)!, 1200);
    expect(quantile(h, 0.5, 1200, 1200)).toBe(1200);
    expect(quantile(new Array(48).fill(0), 0.5, null, null)).toBeNull();
  });
});

describe("GET /v1/workflows/:id/metrics", () => {
  it("counts runs and steps as they end, in the buckets of their finish; an end told twice counts once; test runs are left out", async () => {
    const t = await newTenant();
    const wf = await call("POST", "/v1/workflows", { key: t.key, body: twoSteps });
    expect(wf.status).toBe(201);
    const id = wf.body.id as string;
    const now = Date.now();
    const hour = Math.floor(now / HOUR);
    const earlier = (hour - 2) * HOUR + 10 * 60_000;

    await tell(t.tenantId, id, {
      id: "run_a",
      status: "succeeded",
      start: earlier,
      ms: 1000,
      steps: [
        { id: "charge", status: "succeeded", ms: 400 },
        { id: "tell", status: "succeeded", ms: 500 },
      ],
    });
    await tell(t.tenantId, id, {
      id: "run_b",
      status: "failed",
      start: earlier + 60_000,
      ms: 1000,
      steps: [{ id: "charge", status: "failed", ms: 400 }],
    });
    // Told three times (the run object retries): counted once.
    await tell(
      t.tenantId,
      id,
      {
        id: "run_c",
        status: "succeeded",
        start: now - 8000,
        ms: 8000,
        steps: [
          { id: "charge", status: "succeeded", ms: 5000 },
          { id: "tell", status: "succeeded", ms: 2000 },
        ],
      },
      3,
    );
    // A test run, and a cancelled one.
    await tell(t.tenantId, id, {
      id: "run_t",
      status: "failed",
      start: now - 500,
      ms: 100,
      test: true,
    });
    await tell(t.tenantId, id, { id: "run_x", status: "cancelled", start: now - 900, ms: 300 });

    const day = await call("GET", `/v1/workflows/${id}/metrics?window=24h`, { key: t.key });
    expect(day.status).toBe(200);
    const m = day.body;
    expect(m).toMatchObject({ window: "24h", runs: 3, succeeded: 2, failed: 1, cancelled: 1 });
    expect(m.successRate).toBeCloseTo(2 / 3);
    // p50 of 1000, 1000, 8000; p95: the 8 s run (clamped to the slowest seen).
    near(m.p50Ms, 1000);
    expect(m.p50Ms).toBeGreaterThanOrEqual(1000);
    near(m.p95Ms, 8000);
    expect(m.p95Ms).toBeLessThanOrEqual(8000);

    expect(m.buckets).toHaveLength(24);
    const b = m.buckets as Json[];
    expect(b[23]?.start).toBe(iso(hour * HOUR));
    expect(b[0]?.start).toBe(iso((hour - 23) * HOUR));
    // Runs a and b finished two hours ago, c this hour: exact when a bucket's runs took the same time.
    expect(b[21]).toMatchObject({ runs: 2, succeeded: 1, failed: 1, p50Ms: 1000, p95Ms: 1000 });
    expect(b[23]).toMatchObject({ runs: 1, succeeded: 1, failed: 0, p50Ms: 8000, p95Ms: 8000 });
    expect(b.filter((x) => x.runs > 0)).toHaveLength(2);
    expect(b[5]).toMatchObject({ runs: 0, p50Ms: null, p95Ms: null });

    // Steps: charge ran 3 times (1 failed), tell twice; names from the live version.
    expect(m.slowSteps.map((s: Json) => s.stepId)).toEqual(["charge", "tell"]);
    expect(m.slowSteps[0]).toMatchObject({ name: "Charge the card", runs: 3, failed: 1 });
    expect(m.slowSteps[0].p95Ms).toBeLessThanOrEqual(5000);
    near(m.slowSteps[0].p95Ms, 5000);
    expect(m.slowSteps[1].name).toBeUndefined();
    expect(m.failingSteps).toEqual([
      expect.objectContaining({ stepId: "charge", name: "Charge the card", runs: 3, failed: 1 }),
    ]);

    // Days: 7 UTC days, today last.
    const week = await call("GET", `/v1/workflows/${id}/metrics?window=7d`, { key: t.key });
    expect(week.status).toBe(200);
    const days = week.body.buckets as Json[];
    expect(days).toHaveLength(7);
    const today = Math.floor(now / DAY);
    expect(days[6]?.start).toBe(iso(today * DAY));
    const dayOf = (ms: number) => 6 - (today - Math.floor(ms / DAY));
    const expected = new Array(7).fill(0);
    for (const f of [earlier + 1000, earlier + 61_000, now]) expected[dayOf(f)] += 1;
    expect(days.map((d) => d.runs)).toEqual(expected);
    expect(week.body).toMatchObject({ runs: 3, succeeded: 2, failed: 1 });
    const month = await call("GET", `/v1/workflows/${id}/metrics?window=30d`, { key: t.key });
    expect(month.body.buckets).toHaveLength(30);
    expect(month.body.runs).toBe(3);

    // The tenant-wide summary (the workflow list) agrees.
    const all = await call("GET", "/v1/metrics/workflows?window=7d", { key: t.key });
    expect(all.status).toBe(200);
    expect(all.body.items).toEqual([
      expect.objectContaining({ workflowId: id, runs: 3, succeeded: 2, failed: 1 }),
    ]);
    expect(all.body.items[0].buckets).toHaveLength(7);
    expect(all.body.items[0].slowSteps).toBeUndefined();
  });

  it("counts real runs that succeed and fail, and not test runs", async () => {
    const s = await setup("Orders");
    await runOnce(s, "succeeded");
    await runOnce(s, "failed");
    await runOnce(s, "failed");
    const test = await call("POST", `/v1/workflows/${s.workflowId}/runs`, {
      key: s.t.key,
      body: { event: { data: { id: 99, user: "stranger@example.com" } } },
    });
    expect(test.status).toBe(202);
    await eventually(
      () => call("GET", `/v1/runs/${test.body.runId}`, { key: s.t.key }),
      (r) => r.body.status === "failed",
    );
    const m = await eventually(
      () => call("GET", `/v1/workflows/${s.workflowId}/metrics?window=24h`, { key: s.t.key }),
      (r) => r.body.runs === 3,
    );
    expect(m.body).toMatchObject({ runs: 3, succeeded: 1, failed: 2 });
    expect(m.body.successRate).toBeCloseTo(1 / 3);
    expect(m.body.p50Ms).toBeGreaterThanOrEqual(0);
    expect((m.body.buckets as Json[]).at(-1)!.runs).toBe(3);
    expect(m.body.failingSteps).toEqual([
      expect.objectContaining({
        stepId: "tell",
        name: "Tell the account manager",
        runs: 3,
        failed: 2,
      }),
    ]);
  });

  it("counts a run whose filter fails (it ends while matching) as failed, and a filtered one not at all", async () => {
    const t = await newTenant();
    const wf = await call("POST", "/v1/workflows", {
      key: t.key,
      body: { ...twoSteps, filter: "order.amount > 10" },
    });
    const id = wf.body.id as string;
    for (const data of [{ amount: "lots" }, { amount: 5 }]) {
      const sent = await call("POST", "/v1/events", {
        key: t.key,
        body: { type: "order.created", data },
      });
      expect(sent.status).toBe(202);
    }
    await eventually(
      () => call("GET", `/v1/runs?workflowId=${id}`, { key: t.key }),
      (r) => r.body.items.length === 2,
    );
    const m = await call("GET", `/v1/workflows/${id}/metrics?window=24h`, { key: t.key });
    expect(m.body).toMatchObject({ runs: 1, succeeded: 0, failed: 1 });
  });

  it("refuses an unknown window (400) and another tenant's workflow (404)", async () => {
    const a = await newTenant();
    const b = await newTenant();
    const wf = await call("POST", "/v1/workflows", { key: a.key, body: twoSteps });
    const id = wf.body.id as string;
    const bad = await call("GET", `/v1/workflows/${id}/metrics?window=1y`, { key: a.key });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("bad_request");
    const badAll = await call("GET", "/v1/metrics/workflows?window=90d", { key: a.key });
    expect(badAll.status).toBe(400);
    const def = await call("GET", `/v1/workflows/${id}/metrics`, { key: a.key });
    expect(def.status).toBe(200);
    expect(def.body).toMatchObject({ window: "24h", runs: 0, successRate: null, p50Ms: null });
    const other = await call("GET", `/v1/workflows/${id}/metrics?window=7d`, { key: b.key });
    expect(other.status).toBe(404);
    const missing = await call("GET", "/v1/workflows/wf_missing/metrics", { key: a.key });
    expect(missing.status).toBe(404);
    expect((await call("GET", "/v1/metrics/workflows", { key: b.key })).body.items).toEqual([]);
  });

  it("counts a retried run's new end again, and nothing for a stale or repeated word", async () => {
    const t = await newTenant();
    const wf = await call("POST", "/v1/workflows", { key: t.key, body: twoSteps });
    const id = wf.body.id as string;
    const store = storeFor(env, t.tenantId);
    const start = Date.now() - 5000;
    const { base, end, audit } = rows(t.tenantId, id, {
      id: "run_r",
      status: "failed",
      start,
      ms: 1000,
      steps: [{ id: "charge", status: "failed", ms: 500 }],
    });
    await store.indexRun(t.tenantId, base);
    await store.indexRun(t.tenantId, end, audit, null);
    // A stale checkpoint arriving late (seq 3 < 5) changes nothing.
    await store.indexRun(t.tenantId, { ...end, seq: 3 }, { ...audit, id: "run_r:3" }, null);
    // Retried: running again (seq 6), then succeeded (seq 7), told twice.
    await store.indexRun(t.tenantId, { ...base, seq: 6 });
    const done = { ...end, status: "succeeded", seq: 7, finishedAt: iso(start + 4000) };
    const doneAudit = { ...audit, id: "run_r:7", status: "succeeded", steps: [] };
    await store.indexRun(t.tenantId, done, doneAudit, null);
    await store.indexRun(t.tenantId, done, doneAudit, null);
    const m = await call("GET", `/v1/workflows/${id}/metrics?window=24h`, { key: t.key });
    expect(m.body).toMatchObject({ runs: 2, succeeded: 1, failed: 1 });
  });

  it("purges metric rows older than 31 days with the store's retention pass", async () => {
    const t = await newTenant();
    const wf = await call("POST", "/v1/workflows", { key: t.key, body: twoSteps });
    const id = wf.body.id as string;
    const old = Date.now() - 32 * DAY;
    await tell(t.tenantId, id, {
      id: "run_old",
      status: "succeeded",
      start: old,
      ms: 10,
      steps: [{ id: "charge", status: "succeeded", ms: 5 }],
    });
    await tell(t.tenantId, id, {
      id: "run_new",
      status: "succeeded",
      start: Date.now() - 50,
      ms: 10,
    });
    const store = storeFor(env, t.tenantId);
    await store.purgeHistory(t.tenantId);
    const { runInDurableObject } = await import("cloudflare:test");
    const left = await runInDurableObject(store, (_i, state) => ({
      hours: state.storage.sql.exec("SELECT count(*) AS n FROM metric_hours").one().n,
      steps: state.storage.sql.exec("SELECT count(*) AS n FROM metric_steps").one().n,
    }));
    expect(left).toEqual({ hours: 1, steps: 0 });
  });
});
