import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { TenantStore } from "../src/durable-objects/tenant-store.ts";
import { refuseAboveCap } from "../src/services/bulk-retry.ts";
import { selectFailedRuns } from "../src/store/bulk-retry.ts";
import { storeFor } from "../src/store/client.ts";
import { upsertRun } from "../src/store/runs.ts";
import { call, eventually, type Json, newTenant, storeSql } from "./helpers.ts";

// Bulk retry (issue 16, item 2). The action consumer runs in this isolate,
// so a stubbed global fetch is the webhook's receiver: it sees every call
// with its webhook-id, and answers as the test says.

interface Seen {
  order: number;
  webhookId: string;
}

/** The receiver: 400 for orders from 900 up (a deterministic refusal), else 503 while `down`. */
const receiver = { down: true, seen: [] as Seen[] };

beforeEach(() => {
  receiver.down = true;
  receiver.seen = [];
  vi.stubGlobal("fetch", async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    const body = (await req.json()) as { order: number };
    receiver.seen.push({ order: body.order, webhookId: req.headers.get("webhook-id") ?? "" });
    if (body.order >= 900) return new Response("unknown customer", { status: 400 });
    return new Response(receiver.down ? "down" : "{}", { status: receiver.down ? 503 : 200 });
  });
});

afterEach(() => {
  vi.unstubAllGlobals();
});

const charge = (url = "https://erp.example.com/charge") => ({
  id: "charge",
  action: "call_webhook",
  retry: { attempts: 1 },
  config: { url, method: "POST", body: { order: "{{ order.id }}" } },
});

/** An email before the webhook (kept), a record and an email after it (not reached yet). */
const orders = (greeting = "Thanks") => ({
  name: "Charge orders",
  trigger: { event: "order.created" },
  steps: [
    {
      id: "greet",
      action: "send_email",
      config: { to: "{{ order.email }}", subject: "Order {{ order.id }}", body: greeting },
    },
    charge(),
    {
      id: "save",
      action: "update_record",
      config: { type: "order", id: "o{{ order.id }}", fields: { charged: true } },
    },
    {
      id: "confirm",
      action: "send_email",
      config: { to: "{{ order.email }}", subject: "Charged {{ order.id }}", body: "Done" },
    },
  ],
});

async function failedRuns(key: string, workflowId: string, n: number): Promise<Json[]> {
  const r = await eventually(
    () => call("GET", `/v1/runs?workflowId=${workflowId}&status=failed&limit=200`, { key }),
    (r) => r.body.items?.length === n,
    30_000,
  );
  // Oldest first, as a job takes them.
  return (r.body.items as Json[]).slice().reverse();
}

async function send(key: string, ids: number[]) {
  for (const id of ids) {
    const ev = await call("POST", "/v1/events", {
      key,
      body: { type: "order.created", data: { id, email: `buyer${id}@example.com` } },
    });
    expect(ev.status).toBe(202);
  }
}

const preview = (key: string, body: Json) =>
  call("POST", "/v1/runs/bulk-retry/preview", { key, body });

describe("bulk retry: the preview", () => {
  it("adds up steps and effects over the runs, deduplicated through markers and the ledger, and names the runs that would fail again", async () => {
    const t = await newTenant();
    const wf = await call("POST", "/v1/workflows", { key: t.key, body: orders() });
    expect(wf.status).toBe(201);
    const workflowId = wf.body.id as string;
    await send(t.key, [1, 2, 3, 4, 901]);
    const runs = await failedRuns(t.key, workflowId, 5);

    // A record change already made for run 0, an email already sent for run 1.
    await storeSql(
      t.tenantId,
      "INSERT INTO effects (tenant_id, idempotency_key, result, created_at) VALUES (?, ?, '{}', ?)",
      t.tenantId,
      `${runs[0]!.id}:save`,
      new Date().toISOString(),
    );
    await storeSql(
      t.tenantId,
      "INSERT INTO deliveries (tenant_id, idempotency_key, channel, provider, status, provider_message_id, created_at) VALUES (?, ?, 'email', 'resend', 'sent', 'msg_1', ?)",
      t.tenantId,
      `${runs[1]!.id}:confirm`,
      new Date().toISOString(),
    );

    const p = await preview(t.key, { workflowId, status: "failed" });
    expect(p.status).toBe(200);
    expect(p.body).toMatchObject({
      runs: 5,
      steps: { again: 5, kept: 5, firstTime: 10 },
      effects: { call_webhook: 5, update_record: 4, send_email: 4 },
      deduplicated: { update_record: 1, send_email: 1 },
      webhookCalls: { calls: 5, originalIds: 5 },
      wouldFailAgain: 1,
      incompatible: [],
      incompatibleCount: 0,
      limit: 1000,
    });
    const again = p.body.wouldFailAgainRuns as Json[];
    expect(again).toHaveLength(1);
    expect(again[0]).toMatchObject({
      runId: runs[4]!.id,
      workflowId,
      stepId: "charge",
      code: "http_error",
    });
    expect(again[0]!.message).toContain("400");
    expect(again[0]!.why).toMatch(/answered 400/);

    // The same through the failure group and the step.
    const groups = (await call("GET", "/v1/failure-groups", { key: t.key })).body.items as Json[];
    const refused = groups.find((g) => g.count === 1)!;
    const byGroup = await preview(t.key, { status: "failed", errorGroup: refused.id });
    expect(byGroup.body).toMatchObject({ runs: 1, wouldFailAgain: 1 });
    expect((await preview(t.key, { status: "failed", stepId: "charge" })).body.runs).toBe(5);
    expect((await preview(t.key, { status: "failed", stepId: "save" })).body.runs).toBe(0);

    // A version that changes a finished step cannot take the runs over.
    const changed = await call("PUT", `/v1/workflows/${workflowId}`, {
      key: t.key,
      body: orders("Thank you!"),
    });
    expect(changed.status).toBe(200);
    const v2 = changed.body.latestVersion as number;
    const moved = await preview(t.key, { workflowId, status: "failed", version: v2 });
    expect(moved.status).toBe(200);
    expect(moved.body.incompatibleCount).toBe(5);
    expect(moved.body.runs).toBe(5);
    expect(moved.body.steps).toEqual({ again: 0, kept: 0, firstTime: 0 });
    expect(moved.body.incompatible[0].reason).toContain("'greet'");
    // "live" is that version too.
    expect(
      (await preview(t.key, { status: "failed", version: "live" })).body.incompatibleCount,
    ).toBe(5);

    // A version that changes only the failed step takes them, and the refusal may not recur.
    const fixed = {
      ...orders(),
      steps: orders().steps.map((s) =>
        s.id === "charge" ? charge("https://erp.example.com/v2/charge") : s,
      ),
    };
    const v3 = (await call("PUT", `/v1/workflows/${workflowId}`, { key: t.key, body: fixed })).body
      .latestVersion as number;
    const onV3 = await preview(t.key, { workflowId, status: "failed", version: v3 });
    expect(onV3.body).toMatchObject({ incompatibleCount: 0, wouldFailAgain: 0 });
    expect(onV3.body.steps).toEqual({ again: 5, kept: 5, firstTime: 10 });
    // One whose changed step cannot be filled in from the runs fails them all again.
    const broken = {
      ...orders(),
      steps: orders().steps.map((s) =>
        s.id === "charge" ? charge("https://erp.example.com/{{ order.account.id }}") : s,
      ),
    };
    const v4 = (await call("PUT", `/v1/workflows/${workflowId}`, { key: t.key, body: broken })).body
      .latestVersion as number;
    const onV4 = await preview(t.key, { workflowId, status: "failed", version: v4 });
    expect(onV4.body).toMatchObject({ incompatibleCount: 0, wouldFailAgain: 5 });
    expect(onV4.body.wouldFailAgainRuns[0].why).toMatch(/cannot be filled in from this run/);
  });

  it("refuses what it cannot do with a clear 4xx", async () => {
    const t = await newTenant();
    const bad = async (body: Json, status: number) => {
      const r = await preview(t.key, body);
      expect(r.status, JSON.stringify(body)).toBe(status);
      expect(r.body.error.code).toBeDefined();
      return r;
    };
    await bad({ status: "failed", extra: 1 }, 400);
    await bad({ status: "succeeded" }, 400);
    await bad({}, 400);
    await bad(
      { status: "failed", since: "2026-02-01T00:00:00Z", until: "2026-01-01T00:00:00Z" },
      400,
    );
    await bad({ status: "failed", version: 2 }, 400);
    await bad({ status: "failed", version: 0, workflowId: "wf_x" }, 400);
    await bad({ status: "failed", version: 2, workflowId: "wf_missing" }, 404);
    // No 5xx from any body.
    const junk = [
      null,
      [],
      "text",
      42,
      { status: "failed", version: 2 ** 60, workflowId: "wf_x" },
      { status: "failed", version: "latest" },
      { status: "failed", since: "yesterday" },
      { status: "failed", workflowId: 5 },
      { status: "failed", errorGroup: "x".repeat(500) },
    ];
    for (const body of junk) {
      for (const path of ["/v1/runs/bulk-retry/preview", "/v1/runs/bulk-retry"]) {
        const r = await call("POST", path, { key: t.key, body });
        expect(r.status, `${path} ${JSON.stringify(body)}`).toBeGreaterThanOrEqual(400);
        expect(r.status, `${path} ${JSON.stringify(body)}`).toBeLessThan(500);
      }
    }
    const none = await preview(t.key, { status: "failed" });
    expect(none.status).toBe(200);
    expect(none.body.runs).toBe(0);
    const job = await call("POST", "/v1/runs/bulk-retry", {
      key: t.key,
      body: { status: "failed", x: 1 },
    });
    expect(job.status).toBe(400);
    expect((await call("GET", "/v1/jobs/job_missing", { key: t.key })).status).toBe(404);
    expect((await call("POST", "/v1/jobs/job_missing/cancel", { key: t.key })).status).toBe(404);
  });

  it("answers 422 above 1,000 matching runs, naming the count", async () => {
    const t = await newTenant();
    const store = storeFor(env, t.tenantId);
    await store.getRun(t.tenantId, "run_none"); // binds the store to its tenant
    const at = "2026-11-01T00:00:00.000Z";
    await runInDurableObject(store, (instance) => {
      for (let i = 0; i < 1_001; i++) {
        upsertRun((instance as TenantStore).db, {
          tenantId: t.tenantId,
          id: `run_bulk_${String(i).padStart(4, "0")}`,
          workflowId: "wf_bulk",
          workflowVersion: 1,
          eventId: `ev_bulk_${i}`,
          status: "failed",
          test: false,
          startedAt: at,
          finishedAt: at,
          causation: "{}",
          filter: null,
          suppression: null,
          error: JSON.stringify({ code: "step_failed", message: "step 'x' failed" }),
          seq: 3,
          hasObject: true,
          steps: null,
          createdAt: at,
          updatedAt: at,
        });
      }
    });
    const over = await preview(t.key, { status: "failed" });
    expect(over.status).toBe(422);
    expect(over.body.error.message).toContain("1,001 failed runs match");
    expect(over.body.error.message).toMatch(/Narrow the selection/);
    const started = await call("POST", "/v1/runs/bulk-retry", {
      key: t.key,
      body: { status: "failed" },
    });
    expect(started.status).toBe(422);
    // The selection: above the cap only the count; under it, the runs oldest first.
    const select = (cap: number) =>
      runInDurableObject(store, (instance) =>
        selectFailedRuns((instance as TenantStore).db, t.tenantId, { since: at, until: at }, cap),
      );
    const capped = await select(1_000);
    expect(capped).toEqual({ count: 1_001, runs: [] });
    const all = await select(2_000);
    expect(all.runs).toHaveLength(1_001);
    expect(all.runs[0]!.id).toBe("run_bulk_0000");
    expect(all.runs[1_000]!.id).toBe("run_bulk_1000");
    expect(() => refuseAboveCap(1_000)).not.toThrow();
    expect(() => refuseAboveCap(1_001)).toThrow(/1,001/);
  });
});

describe("bulk retry: the job", () => {
  it("retries every run oldest first, each keeping its webhook-id, audited", async () => {
    const t = await newTenant();
    const wf = await call("POST", "/v1/workflows", { key: t.key, body: orders() });
    const workflowId = wf.body.id as string;
    await send(t.key, [11, 12, 13, 901]);
    const runs = await failedRuns(t.key, workflowId, 4);
    const firstIds = new Map(receiver.seen.map((s) => [s.order, s.webhookId]));
    expect(firstIds.size).toBe(4);

    receiver.down = false;
    receiver.seen = [];
    const started = await call("POST", "/v1/runs/bulk-retry", {
      key: t.key,
      body: { workflowId, status: "failed" },
    });
    expect(started.status).toBe(202);
    expect(started.body.job).toMatchObject({ total: 4, done: 0, failed: 0 });
    const jobId = started.body.job.id as string;
    const done = await eventually(
      () => call("GET", `/v1/jobs/${jobId}`, { key: t.key }),
      (r) => r.body.status === "succeeded",
      30_000,
    );
    expect(done.body).toMatchObject({
      id: jobId,
      kind: "bulk_retry",
      total: 4,
      done: 4,
      failed: 0,
      skipped: 0,
      selection: { workflowId, status: "failed" },
      createdBy: { type: "api_key" },
      failures: [],
    });
    expect(done.body.finishedAt).not.toBeNull();
    // Three succeed; the 400 fails again the same way.
    for (const r of runs) {
      const want = r.id === runs[3]!.id ? "failed" : "succeeded";
      await eventually(
        () => call("GET", `/v1/runs/${r.id}`, { key: t.key }),
        (x) => x.body.status === want,
      );
    }
    // The receiver sees each call again with its original webhook-id.
    expect(receiver.seen).toHaveLength(4);
    for (const s of receiver.seen) expect(s.webhookId).toBe(firstIds.get(s.order));
    // The kept email was not sent again: one greeting per order in the outbox.
    const greetings = await storeSql<{ n: number }>(
      t.tenantId,
      "SELECT count(*) AS n FROM outbox WHERE subject LIKE 'Order %'",
    );
    expect(greetings[0]!.n).toBe(4);

    // Audited: the start by a person (D1), each run's retry with the job's id (the run log).
    const audit = (await call("GET", "/v1/audit?limit=100", { key: t.key })).body.items as Json[];
    const start = audit.find((e) => e.type === "runs.bulk_retry_started");
    expect(start).toMatchObject({
      subject: jobId,
      details: { total: 4, version: null, selection: { workflowId, status: "failed" } },
    });
    const retried = audit.filter((e) => e.type === "run.retried" && e.details?.jobId === jobId);
    expect(retried.map((e) => e.subject).sort()).toEqual(runs.map((r) => r.id).sort());

    // Listed, newest first; cancelling a finished job is a 409.
    const list = await call("GET", "/v1/jobs", { key: t.key });
    expect(list.body.items[0].id).toBe(jobId);
    expect((await call("POST", `/v1/jobs/${jobId}/cancel`, { key: t.key })).status).toBe(409);
    // Another tenant cannot see it.
    const other = await newTenant();
    expect((await call("GET", `/v1/jobs/${jobId}`, { key: other.key })).status).toBe(404);
    expect((await call("POST", `/v1/jobs/${jobId}/cancel`, { key: other.key })).status).toBe(404);
    expect((await call("GET", "/v1/jobs", { key: other.key })).body.items).toEqual([]);
  });

  it("is throttled, and a cancel midway stops it: no run is retried after", async () => {
    const t = await newTenant();
    const wf = await call("POST", "/v1/workflows", {
      key: t.key,
      body: { name: "Charge only", trigger: { event: "order.created" }, steps: [charge()] },
    });
    const workflowId = wf.body.id as string;
    const n = 24;
    await send(
      t.key,
      Array.from({ length: n }, (_, i) => 100 + i),
    );
    await failedRuns(t.key, workflowId, n);
    const started = await call("POST", "/v1/runs/bulk-retry", {
      key: t.key,
      body: { workflowId, status: "failed" },
    });
    expect(started.status).toBe(202);
    const jobId = started.body.job.id as string;
    // Progress moves a pass (10 runs) at a time, 5 runs a second: it is midway for a while.
    const midway = await eventually(
      () => call("GET", `/v1/jobs/${jobId}`, { key: t.key }),
      (r) => r.body.done > 0,
      30_000,
    );
    expect(midway.body.status).toBe("running");
    expect(midway.body.done).toBeLessThan(n);
    const cancelled = await call("POST", `/v1/jobs/${jobId}/cancel`, { key: t.key });
    expect(cancelled.status).toBe(202);
    expect(cancelled.body.status).toBe("cancelled");
    // A run whose retry was under way when the cancel landed still counts; nothing after it.
    const at = cancelled.body.done as number;
    await new Promise((r) => setTimeout(r, 5_000));
    const after = await call("GET", `/v1/jobs/${jobId}`, { key: t.key });
    expect(after.body).toMatchObject({ status: "cancelled", total: n });
    expect(after.body.done).toBeGreaterThanOrEqual(at);
    expect(after.body.done).toBeLessThanOrEqual(at + 1);
    expect(after.body.done).toBeLessThan(n);
    expect(after.body.finishedAt).not.toBeNull();
    // Well past the next passes (10 runs each, 2 s apart): still nothing more.
    await new Promise((r) => setTimeout(r, 3_000));
    const later = await call("GET", `/v1/jobs/${jobId}`, { key: t.key });
    expect(later.body.done).toBe(after.body.done);
    const final = later.body.done as number;
    const outcomes = await storeSql<{ n: number }>(
      t.tenantId,
      "SELECT count(*) AS n FROM job_runs WHERE job_id = ? AND outcome IS NOT NULL",
      jobId,
    );
    expect(outcomes[0]!.n).toBe(final);
    const retried = await storeSql<{ n: number }>(
      t.tenantId,
      "SELECT count(*) AS n FROM run_log WHERE type = 'run.retried'",
    );
    expect(retried[0]!.n).toBe(final);
    // Its cancel is audited as a person's action.
    const audit = (await call("GET", "/v1/audit?limit=100", { key: t.key })).body.items as Json[];
    expect(audit.find((e) => e.type === "job.cancelled")).toMatchObject({ subject: jobId });
  });
});
