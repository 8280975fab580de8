import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { storeFor } from "../src/store/client.ts";
import { SCAN_RUNS } from "../src/store/run-search.ts";
import { call, eventually, login, newTenant } from "./helpers.ts";

interface Listed {
  id: string;
  eventId: string;
  status: string;
  eventKey: string | null;
  eventType: string | null;
}

const DAY = 24 * 60 * 60_000;

const paymentWorkflow = {
  name: "Failed payments",
  trigger: { event: "payment.failed" },
  steps: [
    {
      id: "mark",
      name: "Mark the order unpaid",
      action: "update_record",
      config: { type: "order", id: "{{ payment.order }}", fields: { status: "unpaid" } },
    },
  ],
};

async function runsOf(key: string, query: string) {
  return call("GET", `/v1/runs?${query}`, { key });
}

describe("finding runs by their trigger event (GET /v1/runs?q=&until=)", () => {
  it("finds runs by an event field, shows each event's key, pages, and refuses a bad q with its position", async () => {
    const t = await newTenant();
    const created = await call("POST", "/v1/workflows", { key: t.key, body: paymentWorkflow });
    expect(created.status).toBe(201);
    for (const [i, id] of ["pay_9001", "pay_9004", "pay_9002", "pay_9004"].entries()) {
      const sent = await call("POST", "/v1/events", {
        key: t.key,
        body: { id: `e-${i}`, type: "payment.failed", data: { id, order: `o-${i}` } },
      });
      expect(sent.status).toBe(202);
    }
    const all = await eventually(
      () => runsOf(t.key, "limit=10"),
      (r) => r.body.items.length === 4,
    );
    expect(all.body.items.map((r: Listed) => r.eventKey).sort()).toEqual([
      "payment pay_9001",
      "payment pay_9002",
      "payment pay_9004",
      "payment pay_9004",
    ]);
    expect(all.body.items[0].eventType).toBe("payment.failed");

    const q = encodeURIComponent('payment.id == "pay_9004"');
    const found = await runsOf(t.key, `q=${q}`);
    expect(found.status).toBe(200);
    expect(found.body.items.map((r: Listed) => r.eventId).sort()).toEqual(["e-1", "e-3"]);
    expect(found.body.nextCursor).toBeNull();
    expect(found.body.scanned).toBe(4);

    // Paging through the matches, one per page.
    const first = await runsOf(t.key, `q=${q}&limit=1`);
    expect(first.body.items).toHaveLength(1);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await runsOf(t.key, `q=${q}&limit=1&cursor=${first.body.nextCursor}`);
    expect(second.body.items).toHaveLength(1);
    expect(second.body.items[0].id).not.toBe(first.body.items[0].id);
    expect(second.body.nextCursor).toBeNull();

    // The event envelope is there too; another type's events simply do not match.
    const byEnvelope = await runsOf(t.key, `q=${encodeURIComponent('event.id == "e-2"')}`);
    expect(byEnvelope.body.items.map((r: Listed) => r.eventId)).toEqual(["e-2"]);
    const noOrder = await runsOf(t.key, `q=${encodeURIComponent('order.id == "o-1"')}`);
    expect(noOrder.body.items).toEqual([]);

    // until: nothing was created before the first run.
    const oldest = all.body.items[all.body.items.length - 1];
    const before = new Date(Date.parse(oldest.createdAt) - 1).toISOString();
    expect((await runsOf(t.key, `until=${before}`)).body.items).toEqual([]);
    const through = await runsOf(t.key, `until=${encodeURIComponent(oldest.createdAt)}`);
    expect(through.body.items.map((r: Listed) => r.id)).toContain(oldest.id);

    const bad = await runsOf(t.key, `q=${encodeURIComponent('payment.id == "pay_9004')}`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0]).toMatchObject({
      path: "q",
      position: { offset: expect.any(Number), line: 1, column: expect.any(Number) },
    });
    expect((await runsOf(t.key, "until=yesterday")).status).toBe(400);
  });

  it("looks at a bounded window of runs per request and hands back a cursor to search on", async () => {
    const t = await newTenant();
    // A history of SCAN_RUNS + 5 runs, the match the oldest: seeded straight
    // into the store (as matching would write them), so the test stays fast.
    const total = SCAN_RUNS + 5;
    await runInDurableObject(storeFor(env, t.tenantId), (_i, state) => {
      const sql = state.storage.sql;
      const base = Date.parse("2026-01-01T00:00:00Z");
      for (let i = 0; i < total; i++) {
        const at = new Date(base + i * 1000).toISOString();
        const data = JSON.stringify({ id: i === 0 ? "pay_old" : `pay_${i}` });
        sql.exec(
          `INSERT INTO events (tenant_id, id, type, data, occurred_at, received_at, source, status, causation, lane, resends)
           VALUES (?, ?, 'payment.failed', ?, ?, ?, 'api', 'matched', '{}', 'main', 0)`,
          t.tenantId,
          `s-${i}`,
          data,
          at,
          at,
        );
        sql.exec(
          `INSERT INTO runs (tenant_id, id, workflow_id, workflow_version, event_id, status, test, causation, seq, has_object, created_at, updated_at)
           VALUES (?, ?, 'wf_seed', 1, ?, 'filtered', 0, '{}', 1, 0, ?, ?)`,
          t.tenantId,
          `run_s${String(i).padStart(5, "0")}`,
          `s-${i}`,
          at,
          at,
        );
      }
    });
    const q = encodeURIComponent('payment.id == "pay_old"');
    const first = await runsOf(t.key, `q=${q}`);
    expect(first.status).toBe(200);
    expect(first.body.items).toEqual([]);
    expect(first.body.scanned).toBe(SCAN_RUNS);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const rest = await runsOf(t.key, `q=${q}&cursor=${first.body.nextCursor}`);
    expect(rest.body.items.map((r: Listed) => r.eventId)).toEqual(["s-0"]);
    expect(rest.body.scanned).toBe(5);
    expect(rest.body.nextCursor).toBeNull();
  });
});

describe("GET /v1/events: since, key and runs", () => {
  it("lists each event with its key field and the runs it started, and filters by since", async () => {
    const t = await newTenant();
    await call("POST", "/v1/workflows", { key: t.key, body: paymentWorkflow });
    await call("POST", "/v1/events", {
      key: t.key,
      body: { id: "p-1", type: "payment.failed", data: { id: "pay_1", order: "o-9" } },
    });
    const listed = await eventually(
      () => call("GET", "/v1/events?type=payment.failed", { key: t.key }),
      (r) => r.body.items[0]?.runs.length === 1,
    );
    expect(listed.body.items[0]).toMatchObject({
      id: "p-1",
      key: "payment pay_1",
      status: "matched",
      runs: [{ id: expect.any(String), workflowId: expect.any(String) }],
    });
    const later = new Date(Date.now() + 60_000).toISOString();
    expect((await call("GET", `/v1/events?since=${later}`, { key: t.key })).body.items).toEqual([]);
    expect((await call("GET", "/v1/events?since=soon", { key: t.key })).status).toBe(400);
  });
});

describe("records: types and history", () => {
  it("lists record types, and a record's versions with who changed what (a person, a run's step)", async () => {
    const t = await newTenant();
    await call("POST", "/v1/workflows", { key: t.key, body: paymentWorkflow });
    expect(
      (
        await call("PUT", "/v1/records/order/o-1", {
          key: t.key,
          body: { fields: { status: "new", amount: 5 } },
        })
      ).status,
    ).toBe(201);
    await call("PUT", "/v1/records/customer/c-1", {
      key: t.key,
      body: { fields: { name: "Ada" } },
    });
    await call("POST", "/v1/events", {
      key: t.key,
      body: { type: "payment.failed", data: { id: "pay_5", order: "o-1" } },
    });
    const history = await eventually(
      () => call("GET", "/v1/records/order/o-1/versions", { key: t.key }),
      (r) => r.body.items?.length === 2,
    );
    expect(history.status).toBe(200);
    const [byRun, byKey] = history.body.items;
    expect(byRun).toMatchObject({
      version: 2,
      changes: { status: { old: "new", new: "unpaid" } },
      by: { type: "run", stepId: "mark", step: "Mark the order unpaid", name: "Failed payments" },
    });
    const run = await call("GET", `/v1/runs/${byRun.by.runId}`, { key: t.key });
    expect(run.status).toBe(200);
    expect(byKey).toMatchObject({
      version: 1,
      changes: { status: { old: null, new: "new" }, amount: { old: null, new: 5 } },
      by: { type: "api_key", id: expect.any(String) },
    });
    // A person's change names the person (the tenant's admin has no name: their email).
    const admin = await login(t.email, t.password);
    const patched = await call("PATCH", "/v1/records/customer/c-1", {
      cookie: admin.cookie,
      headers: { "x-csrf-token": admin.csrf },
      body: { fields: { name: "Ada L." } },
    });
    expect(patched.status).toBe(200);
    const customer = await call("GET", "/v1/records/customer/c-1/versions", { key: t.key });
    expect(customer.body.items[0]).toMatchObject({
      version: 2,
      by: { type: "user", name: expect.stringMatching(/\S/) },
      changes: { name: { old: "Ada", new: "Ada L." } },
    });

    const paged = await call("GET", "/v1/records/order/o-1/versions?limit=1", { key: t.key });
    const next = await call(
      "GET",
      `/v1/records/order/o-1/versions?limit=1&cursor=${paged.body.nextCursor}`,
      { key: t.key },
    );
    expect(next.body.items.map((v: { version: number }) => v.version)).toEqual([1]);
    expect(next.body.nextCursor).toBeNull();
    expect((await call("GET", "/v1/records/order/nope/versions", { key: t.key })).status).toBe(404);

    const types = await call("GET", "/v1/record-types", { key: t.key });
    expect(types.status).toBe(200);
    expect(types.body.items).toMatchObject([
      { type: "customer", records: 1 },
      { type: "order", records: 1 },
    ]);
    const one = await call("GET", "/v1/record-types?limit=1", { key: t.key });
    const after = await call("GET", `/v1/record-types?limit=1&cursor=${one.body.nextCursor}`, {
      key: t.key,
    });
    expect(after.body.items.map((x: { type: string }) => x.type)).toEqual(["order"]);
    const other = await newTenant();
    expect((await call("GET", "/v1/record-types", { key: other.key })).body.items).toEqual([]);

    // The history is kept as long as run history; the record itself stays.
    const store = storeFor(env, t.tenantId);
    await store.purgeHistory(t.tenantId, Date.now() + 29 * DAY);
    expect(
      (await call("GET", "/v1/records/order/o-1/versions", { key: t.key })).body.items,
    ).toHaveLength(2);
    await store.purgeHistory(t.tenantId, Date.now() + 31 * DAY);
    expect(
      (await call("GET", "/v1/records/order/o-1/versions", { key: t.key })).body.items,
    ).toEqual([]);
    expect((await call("GET", "/v1/records/order/o-1", { key: t.key })).body.version).toBe(2);
  });
});
