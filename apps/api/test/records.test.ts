import { describe, expect, it } from "vitest";
import { call, newTenant, storeSql } from "./helpers.ts";

interface StoredEvent {
  id: string;
  type: string;
  data: Record<string, unknown>;
  changes: Record<string, { old: unknown; new: unknown }> | null;
  source: string;
}

/** The tenant's record events, oldest first, straight from its store. */
async function recordEvents(tenantId: string): Promise<StoredEvent[]> {
  const rows = await storeSql<{
    id: string;
    type: string;
    data: string;
    changes: string | null;
    source: string;
  }>(
    tenantId,
    "SELECT id, type, data, changes, source FROM events WHERE tenant_id = ? AND source = 'record' ORDER BY received_at, rowid",
    tenantId,
  );
  return rows.map((r) => ({
    ...r,
    data: JSON.parse(r.data),
    changes: r.changes === null ? null : JSON.parse(r.changes),
  }));
}

describe("records", () => {
  it("PUT creates (201, <type>.created with every field as a change)", async () => {
    const t = await newTenant();
    const res = await call("PUT", "/v1/records/order/o-1", {
      key: t.key,
      body: { fields: { status: "new", amount: 12000 } },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      type: "order",
      id: "o-1",
      fields: { status: "new", amount: 12000 },
      version: 1,
    });
    expect(res.body.createdAt).toBe(res.body.updatedAt);
    const events = await recordEvents(t.tenantId);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: "order.created",
      data: { status: "new", amount: 12000, id: "o-1" },
      changes: { status: { old: null, new: "new" }, amount: { old: null, new: 12000 } },
    });
    // The event is a real event: readable through the events API.
    const ev = await call("GET", `/v1/events/${events[0]!.id}`, { key: t.key });
    expect(ev.status).toBe(200);
    expect(ev.body.type).toBe("order.created");
  });

  it("an unchanged write keeps the version and emits nothing", async () => {
    const t = await newTenant();
    const body = { fields: { status: "new", tags: { a: 1, b: 2 } } };
    await call("PUT", "/v1/records/order/o-1", { key: t.key, body });
    const again = await call("PUT", "/v1/records/order/o-1", {
      key: t.key,
      body: { fields: { tags: { b: 2, a: 1 }, status: "new" } },
    });
    expect(again.status).toBe(200);
    expect(again.body.version).toBe(1);
    const patch = await call("PATCH", "/v1/records/order/o-1", {
      key: t.key,
      body: { fields: { status: "new" } },
    });
    expect(patch.body.version).toBe(1);
    expect(await recordEvents(t.tenantId)).toHaveLength(1);
  });

  it("PATCH merges and emits <type>.updated with only the changed fields", async () => {
    const t = await newTenant();
    await call("PUT", "/v1/records/order/o-1", {
      key: t.key,
      body: { fields: { status: "new", amount: 5, note: "x" } },
    });
    const res = await call("PATCH", "/v1/records/order/o-1", {
      key: t.key,
      body: { fields: { status: "paid", amount: 5, paidAt: "2026-05-01" } },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      version: 2,
      fields: { status: "paid", amount: 5, note: "x", paidAt: "2026-05-01" },
    });
    const events = await recordEvents(t.tenantId);
    expect(events.map((e) => e.type)).toEqual(["order.created", "order.updated"]);
    expect(events[1]!.data).toEqual({
      status: "paid",
      amount: 5,
      note: "x",
      paidAt: "2026-05-01",
      id: "o-1",
    });
    expect(events[1]!.changes).toEqual({
      status: { old: "new", new: "paid" },
      paidAt: { old: null, new: "2026-05-01" },
    });
  });

  it("PUT replaces: a field left out changes to null", async () => {
    const t = await newTenant();
    await call("PUT", "/v1/records/invoice/i-1", {
      key: t.key,
      body: { fields: { a: 1, b: 2 } },
    });
    const res = await call("PUT", "/v1/records/invoice/i-1", {
      key: t.key,
      body: { fields: { a: 1 } },
    });
    expect(res.body).toMatchObject({ version: 2, fields: { a: 1 } });
    expect(res.body.fields).not.toHaveProperty("b");
    const events = await recordEvents(t.tenantId);
    expect(events[1]).toMatchObject({
      type: "invoice.updated",
      changes: { b: { old: 2, new: null } },
    });
  });

  it("GET reads one; PATCH of a missing record is 404", async () => {
    const t = await newTenant();
    await call("PUT", "/v1/records/order/o-1", { key: t.key, body: { fields: { n: 1 } } });
    const got = await call("GET", "/v1/records/order/o-1", { key: t.key });
    expect(got.status).toBe(200);
    expect(Object.keys(got.body).sort()).toEqual(
      ["createdAt", "fields", "id", "type", "updatedAt", "version"].sort(),
    );
    expect((await call("GET", "/v1/records/order/nope", { key: t.key })).status).toBe(404);
    const patch = await call("PATCH", "/v1/records/order/nope", {
      key: t.key,
      body: { fields: { n: 1 } },
    });
    expect(patch.status).toBe(404);
    expect(patch.body.error.code).toBe("not_found");
  });

  it("lists a type page by page, and only that type", async () => {
    const t = await newTenant();
    for (const id of ["c", "a", "b", "d", "e"]) {
      await call("PUT", `/v1/records/item/${id}`, { key: t.key, body: { fields: { id } } });
    }
    await call("PUT", "/v1/records/other/z", { key: t.key, body: { fields: {} } });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = cursor ? `&cursor=${cursor}` : "";
      const page = await call("GET", `/v1/records/item?limit=2${q}`, { key: t.key });
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((r: { id: string }) => r.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(["a", "b", "c", "d", "e"]);
    const bad = await call("GET", "/v1/records/item?cursor=garbage", { key: t.key });
    expect(bad.status).toBe(400);
  });
});

describe("records: bad input", () => {
  it("refuses record types that cannot be an event's first segment", async () => {
    const t = await newTenant();
    for (const type of ["Order", "run", "event", "now", "1abc", "a-b", "x".repeat(51)]) {
      const res = await call("PUT", `/v1/records/${type}/1`, { key: t.key, body: { fields: {} } });
      expect(res.status, type).toBe(400);
      expect(res.body.error.details[0].path).toBe("type");
    }
  });

  it("answers 4xx for wrong bodies", async () => {
    const t = await newTenant();
    const cases: Array<[unknown, number]> = [
      [{}, 400],
      [{ fields: [] }, 400],
      [{ fields: "x" }, 400],
      [{ fields: {}, extra: 1 }, 400],
      [{ fields: { id: "other" } }, 422],
      [{ fields: { big: "x".repeat(130 * 1024) } }, 422],
    ];
    for (const [body, status] of cases) {
      const res = await call("PUT", "/v1/records/order/o-1", { key: t.key, body });
      expect(res.status, JSON.stringify(body).slice(0, 60)).toBe(status);
      expect(res.body.error).toBeDefined();
    }
    const notJson = await call("PUT", "/v1/records/order/o-1", {
      key: t.key,
      raw: "{",
      headers: { "content-type": "application/json" },
    });
    expect(notJson.status).toBe(400);
    // A matching id field is allowed and not stored twice.
    const same = await call("PUT", "/v1/records/order/o-1", {
      key: t.key,
      body: { fields: { id: "o-1", n: 1 } },
    });
    expect(same.status).toBe(201);
    expect(same.body.fields).toEqual({ n: 1 });
  });
});

describe("records: rate limit", () => {
  it("a flood of writes answers 429 with Retry-After and stores nothing it refused", async () => {
    const t = await newTenant();
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        call("PUT", `/v1/records/item/i-${i}`, { key: t.key, body: { fields: { i } } }),
      ),
    );
    const limited = results.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(Number(limited[0]!.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(limited[0]!.body.error.code).toBe("rate_limited");
    const created = results.filter((r) => r.status === 201).length;
    expect(created + limited.length).toBe(60);
    const stored = await storeSql<{ n: number }>(
      t.tenantId,
      "SELECT count(*) n FROM records WHERE tenant_id = ?",
      t.tenantId,
    );
    expect(stored[0]!.n).toBe(created);
    expect(await recordEvents(t.tenantId)).toHaveLength(created);
    // Another tenant's budget is its own.
    const other = await newTenant();
    const put = await call("PUT", "/v1/records/item/x", { key: other.key, body: { fields: {} } });
    expect(put.status).toBe(201);
  });
});

describe("records: tenancy and roles", () => {
  it("another tenant's record answers 404 like a missing one, and lists never leak", async () => {
    const a = await newTenant();
    const b = await newTenant();
    await call("PUT", "/v1/records/order/secret", { key: a.key, body: { fields: { x: 1 } } });
    const missing = await call("GET", "/v1/records/order/nothing-here", { key: b.key });
    const theirs = await call("GET", "/v1/records/order/secret", { key: b.key });
    expect(theirs.status).toBe(404);
    expect(theirs.body.error.message).toBe(missing.body.error.message);
    const patch = await call("PATCH", "/v1/records/order/secret", {
      key: b.key,
      body: { fields: { x: 2 } },
    });
    expect(patch.status).toBe(404);
    expect((await call("GET", "/v1/records/order", { key: b.key })).body.items).toEqual([]);
    // B writing the same type/id makes B's own record; A's is untouched.
    await call("PUT", "/v1/records/order/secret", { key: b.key, body: { fields: { x: 9 } } });
    expect((await call("GET", "/v1/records/order/secret", { key: a.key })).body.fields).toEqual({
      x: 1,
    });
  });

  it("a read-only key reads but cannot write; no credentials is 401", async () => {
    const t = await newTenant();
    const key = await call("POST", "/v1/api-keys", {
      key: t.key,
      body: { name: "ro", scopes: ["read"] },
    });
    const ro = key.body.key as string;
    await call("PUT", "/v1/records/order/o-1", { key: t.key, body: { fields: { n: 1 } } });
    expect((await call("GET", "/v1/records/order/o-1", { key: ro })).status).toBe(200);
    const put = await call("PUT", "/v1/records/order/o-1", { key: ro, body: { fields: {} } });
    expect(put.status).toBe(403);
    const patch = await call("PATCH", "/v1/records/order/o-1", { key: ro, body: { fields: {} } });
    expect(patch.status).toBe(403);
    expect((await call("GET", "/v1/records/order/o-1")).status).toBe(401);
  });
});

/** Polls until `check` passes: runs finish after queue deliveries. */
async function until<T>(fn: () => Promise<T>, check: (v: T) => boolean, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (check(v)) return v;
    if (Date.now() > end) throw new Error(`timed out; last: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("records written by a run", () => {
  it("a run's steps write once and the record event carries the run's causation", async () => {
    const t = await newTenant();
    const wf = await call("POST", "/v1/workflows", {
      key: t.key,
      body: {
        name: "Invoice issued",
        trigger: { event: "invoice.issued" },
        steps: [
          {
            id: "mark",
            action: "update_record",
            config: { type: "bill", id: "{{ invoice.id }}", fields: "{{ invoice }}" },
          },
          {
            id: "todo",
            action: "create_task",
            config: { title: "Chase {{ invoice.id }}", assignee: t.email, due: "72h" },
          },
          { id: "ping", action: "notify_user", config: { user: t.email, message: "Issued" } },
          { id: "text", action: "send_sms", config: { to: "+15550100", body: "Issued" } },
        ],
      },
    });
    expect(wf.status).toBe(201);
    const sent = await call("POST", "/v1/events", {
      key: t.key,
      body: { type: "invoice.issued", data: { id: "b-1", total: 40 } },
    });
    const ev = await until(
      () => call("GET", `/v1/events/${sent.body.id}`, { key: t.key }),
      (r) => r.body.runs?.[0]?.status === "succeeded",
    );
    const runId = ev.body.runs[0].id as string;
    const run = await call("GET", `/v1/runs/${runId}`, { key: t.key });
    expect(run.body.steps.find((s: { id: string }) => s.id === "mark").output).toEqual({
      type: "bill",
      id: "b-1",
      version: 1,
      changed: ["total"],
    });
    const record = await call("GET", "/v1/records/bill/b-1", { key: t.key });
    expect(record.body).toMatchObject({ version: 1, fields: { total: 40 } });

    const emitted = await until(
      () =>
        storeSql<{ id: string; changes: string; causation: string }>(
          t.tenantId,
          "SELECT id, type, changes, causation FROM events WHERE tenant_id = ? AND type = 'bill.created'",
          t.tenantId,
        ),
      (r) => r.length > 0,
    );
    expect(emitted).toHaveLength(1);
    const causation = JSON.parse(emitted[0]!.causation);
    expect(causation).toMatchObject({
      originEventId: sent.body.id,
      depth: 1,
      chain: [{ workflowId: wf.body.id, runId }],
    });
    expect(JSON.parse(emitted[0]!.changes)).toEqual({ total: { old: null, new: 40 } });

    const tasks = await call("GET", `/v1/tasks?runId=${runId}`, { key: t.key });
    expect(tasks.body.items).toMatchObject([{ title: "Chase b-1", stepId: "todo", runId }]);
    const notes = await call("GET", "/v1/notifications", { key: t.key });
    expect(notes.body.items).toMatchObject([{ message: "Issued", runId, stepId: "ping" }]);
    const sms = await call("GET", `/v1/outbox?channel=sms&runId=${runId}`, { key: t.key });
    expect(sms.body.items).toMatchObject([{ to: "+15550100", idempotencyKey: `${runId}:text` }]);
  });
});

describe("record pages with any characters in their ids", () => {
  it("page through ids outside Latin-1 (a cursor is base64url of UTF-8), no 500", async () => {
    const t = await newTenant();
    const ids = ["Ünïcode-1", "日本-2", "emoji-😀-3", "plain-4", "ĳ-5"];
    for (const id of ids) {
      const put = await call("PUT", `/v1/records/item/${encodeURIComponent(id)}`, {
        key: t.key,
        body: { fields: { n: 1 } },
      });
      expect(put.status, id).toBeLessThan(300);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = cursor ? `&cursor=${cursor}` : "";
      const page = await call("GET", `/v1/records/item?limit=2${q}`, { key: t.key });
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((r: { id: string }) => r.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen.sort()).toEqual([...ids].sort());
  });
});
