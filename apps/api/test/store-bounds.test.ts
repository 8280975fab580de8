import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { storeFor } from "../src/store/client.ts";
import { call, eventually, newTenant, storeSql } from "./helpers.ts";

// A store's statements bind at most 100 parameters (Cloudflare's limit,
// enforced by local workerd too: store-schema.test.ts). Hundreds of rows in
// one pass — an archive segment, an alarm's batch, a purge — must still fit.

const DAY = 24 * 60 * 60_000;

/** `n` rows in one statement: `select` reads `i` (1..n) and binds `params`. */
async function bulkInsert(
  tenantId: string,
  n: number,
  insert: string,
  select: string,
  ...params: (string | number)[]
): Promise<void> {
  await storeSql(
    tenantId,
    `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ${n}) ${insert} SELECT ${select} FROM s`,
    ...params,
  );
}

describe("a store with hundreds of rows in one pass", () => {
  it("archives 250 finished runs in one segment", async () => {
    const t = await newTenant();
    const at = new Date().toISOString();
    await bulkInsert(
      t.tenantId,
      250,
      "INSERT INTO run_audit (id, tenant_id, at, record)",
      "'run_bulk' || i || ':1', ?, ?, json_object('runId', 'run_bulk' || i, 'status', 'succeeded')",
      t.tenantId,
      at,
    );
    expect(await storeFor(env, t.tenantId).archiveNow(t.tenantId)).toBe(1);
    const seg = await env.DB.prepare(
      "SELECT runs, body FROM run_audit_segments WHERE tenant_id = ?",
    )
      .bind(t.tenantId)
      .first<{ runs: number; body: string }>();
    expect(seg?.runs).toBe(250);
    expect(JSON.parse(seg!.body).runs).toHaveLength(250);
    expect(await storeSql(t.tenantId, "SELECT n FROM run_audit")).toEqual([]);
  });

  it("matches 150 due events from its alarm, more than one pass takes", async () => {
    const t = await newTenant();
    const wf = await call("POST", "/v1/workflows", {
      key: t.key,
      body: {
        name: "w",
        trigger: { event: "order.created" },
        filter: "order.amount > 1000",
        steps: [{ id: "d", delay: "1s" }],
      },
    });
    expect(wf.status).toBe(201);
    const at = new Date(Date.now() - 10_000).toISOString();
    await bulkInsert(
      t.tenantId,
      150,
      "INSERT INTO events (tenant_id, id, type, data, occurred_at, received_at, source, status, causation, lane, resends, retry_at)",
      "?, 'due-' || i, 'order.created', json_object('amount', i), ?, ?, 'api', 'accepted', json_object('originEventId', 'due-' || i, 'chain', json_array(), 'depth', 0), 'main', 0, ?",
      t.tenantId,
      at,
      at,
      Date.now() - 1,
    );
    const store = storeFor(env, t.tenantId);
    await runInDurableObject(store, (_i, state) => state.storage.setAlarm(Date.now()));
    await eventually(
      async () => {
        await runDurableObjectAlarm(store);
        return storeSql<{ n: number }>(
          t.tenantId,
          "SELECT count(*) AS n FROM events WHERE status = 'matched'",
        );
      },
      (rows) => rows[0]?.n === 150,
    );
    const [runs] = await storeSql<{ n: number }>(
      t.tenantId,
      "SELECT count(*) AS n FROM runs WHERE status = 'filtered'",
    );
    expect(runs?.n).toBe(150);
  });

  it("purges 250 events and 250 runs past retention in one batch", async () => {
    const t = await newTenant();
    const old = new Date(Date.now() - 40 * DAY).toISOString();
    await bulkInsert(
      t.tenantId,
      250,
      "INSERT INTO events (tenant_id, id, type, data, occurred_at, received_at, source, status, causation, lane, resends)",
      "?, 'old-' || i, 'order.created', '{}', ?, ?, 'api', 'matched', '{}', 'main', 0",
      t.tenantId,
      old,
      old,
    );
    await bulkInsert(
      t.tenantId,
      250,
      "INSERT INTO runs (tenant_id, id, workflow_id, workflow_version, event_id, status, test, causation, seq, has_object, created_at, updated_at)",
      "?, 'run_old' || i, 'wf_x', 1, 'old-' || i, 'filtered', 0, '{}', 1, 0, ?, ?",
      t.tenantId,
      old,
      old,
    );
    const purged = await storeFor(env, t.tenantId).purgeHistory(t.tenantId);
    expect(purged).toMatchObject({ events: 250, runs: 0 });
    expect(await storeSql(t.tenantId, "SELECT id FROM events")).toEqual([]);
    expect(await storeSql(t.tenantId, "SELECT id FROM runs")).toEqual([]);
  });
});
