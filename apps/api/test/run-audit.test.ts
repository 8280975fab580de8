import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { storeFor } from "../src/store/client.ts";
import { call, eventually, type Json, newTenant, sampleDefinition, storeSql } from "./helpers.ts";

// What runs record goes to a hash-chained log in the tenant's store (never
// D1 per event); finished runs' audit records and those entries reach D1 in
// segments. GET /v1/audit shows both chains merged; /verify checks both.

/** A workflow that triggers itself: its second run is suppressed by the loop guard. */
async function loopOnce(key: string): Promise<string> {
  const wf = await call("POST", "/v1/workflows", {
    key,
    body: {
      name: "Contract echo",
      trigger: { event: "contract.updated" },
      steps: [
        {
          id: "touch",
          action: "update_record",
          config: { type: "contract", id: "{{ contract.id }}", fields: { seen: "{{ event.id }}" } },
        },
      ],
    },
  });
  await call("PUT", "/v1/records/contract/c-1", { key, body: { fields: { status: "new" } } });
  await call("PATCH", "/v1/records/contract/c-1", { key, body: { fields: { status: "open" } } });
  await eventually(
    () => call("GET", `/v1/runs?workflowId=${wf.body.id}&status=suppressed`, { key }),
    (r) => r.body.items.length === 1,
  );
  return wf.body.id;
}

async function segmentsOf(tenantId: string): Promise<Json[]> {
  const rows = await env.DB.prepare(
    "SELECT id, runs, entries, hash, body, first_entry, last_entry FROM run_audit_segments WHERE tenant_id = ? ORDER BY from_at",
  )
    .bind(tenantId)
    .all<Json>();
  return rows.results;
}

describe("the run log", () => {
  it("holds what runs record, shown with the change log in time order, each entry with its chain", async () => {
    const t = await newTenant();
    const wfId = await loopOnce(t.key);
    const log = (await call("GET", "/v1/audit", { key: t.key })).body.items as Json[];
    const suppressed = log.find((e) => e.type === "run.suppressed");
    expect(suppressed).toMatchObject({
      chain: "runs",
      actor: { type: "system", id: "loop-guard" },
      details: { workflowId: wfId, reason: "cycle" },
    });
    expect(log.find((e) => e.type === "workflow.created")?.chain).toBe("changes");
    const times = log.map((e) => e.at);
    expect([...times].sort().reverse()).toEqual(times);
    // The change log in D1 holds no run entries: they live in the store.
    const d1 = await env.DB.prepare(
      "SELECT count(*) AS n FROM audit_log WHERE tenant_id = ? AND type = 'run.suppressed'",
    )
      .bind(t.tenantId)
      .first<{ n: number }>();
    expect(d1!.n).toBe(0);
    const verify = (await call("GET", "/v1/audit/verify", { key: t.key })).body;
    expect(verify).toMatchObject({ ok: true, nextCursor: null });
    expect(verify.chains.runs.entries).toBeGreaterThanOrEqual(1);
  });

  it("pages through the merged list without skipping or repeating an entry", async () => {
    const t = await newTenant();
    await loopOnce(t.key);
    for (let i = 0; i < 3; i++)
      await call("POST", "/v1/workflows", { key: t.key, body: sampleDefinition(`w${i}`) });
    const all = (await call("GET", "/v1/audit?limit=100", { key: t.key })).body.items as Json[];
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Json = (
        await call("GET", `/v1/audit?limit=3${cursor ? `&cursor=${cursor}` : ""}`, { key: t.key })
      ).body;
      seen.push(...page.items.map((e: Json) => `${e.chain}:${e.id}`));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.map((e) => `${e.chain}:${e.id}`));
    expect(new Set(seen).size).toBe(seen.length);
  });

  it("is verified: a tampered store entry is the first broken link of the runs chain", async () => {
    const t = await newTenant();
    await loopOnce(t.key);
    await storeSql(
      t.tenantId,
      'UPDATE run_log SET details = \'{"workflowId":"someone-else"}\' WHERE seq = 1',
    );
    const verify = (await call("GET", "/v1/audit/verify", { key: t.key })).body;
    expect(verify).toMatchObject({
      ok: false,
      brokenAt: { chain: "runs", seq: 1, reason: "hash_mismatch" },
      chains: { changes: { ok: true }, runs: { ok: false } },
    });
  });

  it("verifies in bounded pages, continuing from a cursor", async () => {
    const t = await newTenant();
    for (let i = 0; i < 3; i++)
      await call("POST", "/v1/workflows", { key: t.key, body: sampleDefinition(`w${i}`) });
    let total = 0;
    let pages = 0;
    let cursor: string | null = null;
    do {
      const v: Json = (
        await call("GET", `/v1/audit/verify?limit=2${cursor ? `&cursor=${cursor}` : ""}`, {
          key: t.key,
        })
      ).body;
      expect(v.ok).toBe(true);
      total += v.entries;
      pages += 1;
      cursor = v.nextCursor;
    } while (cursor && pages < 20);
    const whole = (await call("GET", "/v1/audit/verify", { key: t.key })).body;
    expect(total).toBe(whole.entries);
    expect(pages).toBeGreaterThan(2);
  });
});

describe("the run audit archive", () => {
  it("reaches D1 in segments: many runs per row, written again without a second copy", async () => {
    const t = await newTenant();
    await call("POST", "/v1/workflows", {
      key: t.key,
      body: {
        name: "Only big ones",
        trigger: { event: "order.created" },
        filter: "order.amount > 1000",
        steps: [{ id: "d", delay: "1s" }],
      },
    });
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const r = await call("POST", "/v1/events", {
        key: t.key,
        body: { type: "order.created", data: { amount: i } },
      });
      ids.push(r.body.id);
    }
    await eventually(
      () => call("GET", "/v1/runs?status=filtered&limit=50", { key: t.key }),
      (r) => r.body.items.length === 12,
    );
    const store = storeFor(env, t.tenantId);
    await store.archiveNow(t.tenantId);
    await store.archiveNow(t.tenantId);
    // Whatever is left goes with the alarm (at most one segment per few seconds).
    await eventually(
      async () => {
        await runDurableObjectAlarm(store);
        return segmentsOf(t.tenantId);
      },
      (segs) => segs.reduce((n, s) => n + s.runs, 0) === 12,
    );
    const segments = await segmentsOf(t.tenantId);
    expect(segments.length).toBeLessThanOrEqual(3);
    const runs = segments.flatMap((s) => JSON.parse(s.body).runs as Json[]);
    expect(runs.map((r) => r.eventId).sort()).toEqual([...ids].sort());
    expect(runs.every((r) => r.status === "filtered" && r.filter.result === false)).toBe(true);
    // The store forgets the archived records; nothing is written twice.
    expect(await storeSql(t.tenantId, "SELECT n FROM run_audit")).toEqual([]);
    await store.archiveNow(t.tenantId);
    expect(await segmentsOf(t.tenantId)).toHaveLength(segments.length);
  });
});
