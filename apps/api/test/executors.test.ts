import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { TenantStore } from "../src/durable-objects/tenant-store.ts";
import { executorFor } from "../src/executors/registry.ts";
import { storeFor } from "../src/store/client.ts";
import type { StoreDb } from "../src/store/db.ts";
import { getEffect, putRecordRow, writeWithMarker } from "../src/store/records.ts";
import { attempt, call, execute, newTenant, storeSql } from "./helpers.ts";

/** A count from the tenant's store. */
const count = async (tenantId: string, sql: string) =>
  (await storeSql<{ n: number }>(tenantId, sql, tenantId))[0]!.n;

describe("the registry", () => {
  it("has an executor for every action of this issue", () => {
    for (const action of [
      "send_email",
      "send_sms",
      "update_record",
      "create_task",
      "notify_user",
    ]) {
      expect(executorFor(action)?.action).toBe(action);
    }
    expect(executorFor("no_such_action")).toBeUndefined();
  });
});

describe("exactly once per idempotency key", () => {
  it("send_email twice: one outbox message, the same output", async () => {
    const t = await newTenant();
    const ctx = attempt(t.tenantId);
    const config = { to: "ann@example.com", subject: "Hi", body: "Hello", cc: "bo@example.com" };
    const first = await execute("send_email", config, ctx);
    const second = await execute(
      "send_email",
      { ...config, body: "changed" },
      { ...ctx, attempt: 2 },
    );
    expect(first.status).toBe("succeeded");
    expect(second).toEqual(first);
    expect(first.status === "succeeded" && first.output).toEqual({
      messageId: expect.stringMatching(/^msg_/),
      provider: "outbox",
    });
    expect(await count(t.tenantId, "SELECT count(*) n FROM outbox WHERE tenant_id = ?")).toBe(1);
  });

  it("send_sms concurrently with the same key: one message", async () => {
    const t = await newTenant();
    const ctx = attempt(t.tenantId);
    const outcomes = await Promise.all(
      [1, 2, 3].map((n) => execute("send_sms", { to: "+44 20 7946 0000", body: `hi ${n}` }, ctx)),
    );
    expect(new Set(outcomes.map((o) => JSON.stringify(o))).size).toBe(1);
    const rows = await storeSql(
      t.tenantId,
      "SELECT channel, subject FROM outbox WHERE tenant_id = ?",
      t.tenantId,
    );
    expect(rows).toEqual([{ channel: "sms", subject: null }]);
  });

  it("create_task twice: one task with a due time", async () => {
    const t = await newTenant();
    const ctx = attempt(t.tenantId);
    const config = { title: "Call back", assignee: t.email.toUpperCase(), due: "48h" };
    const first = await execute("create_task", config, ctx);
    const second = await execute("create_task", config, ctx);
    expect(first).toEqual(second);
    expect(first.status === "succeeded" && first.output).toEqual({
      taskId: expect.stringMatching(/^tsk_/),
    });
    const rows = await storeSql<{ assignee: string; due: string }>(
      t.tenantId,
      "SELECT assignee, due FROM tasks WHERE tenant_id = ?",
      t.tenantId,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.assignee).toBe(t.email);
    expect(Date.parse(rows[0]!.due) - Date.parse(ctx.now)).toBe(48 * 3_600_000);
  });

  it("notify_user twice: one notification", async () => {
    const t = await newTenant();
    const ctx = attempt(t.tenantId);
    const config = { user: t.email, message: "Order approved", link: "/orders/1" };
    const first = await execute("notify_user", config, ctx);
    expect(await execute("notify_user", config, ctx)).toEqual(first);
    expect(
      await count(t.tenantId, "SELECT count(*) n FROM notifications WHERE tenant_id = ?"),
    ).toBe(1);
  });

  it("update_record twice: one write, one marker, the same output and events", async () => {
    const t = await newTenant();
    const ctx = attempt(t.tenantId);
    const config = { type: "order", id: "o-1", fields: { status: "paid", amount: 5 } };
    const first = await execute("update_record", config, ctx);
    const second = await execute("update_record", config, { ...ctx, attempt: 2 });
    expect(second).toEqual(first);
    expect(first).toEqual({
      status: "succeeded",
      output: { type: "order", id: "o-1", version: 1, changed: ["status", "amount"] },
      events: [
        {
          type: "order.created",
          data: { status: "paid", amount: 5, id: "o-1" },
          changes: { status: { old: null, new: "paid" }, amount: { old: null, new: 5 } },
        },
      ],
    });
    const rec = await call("GET", "/v1/records/order/o-1", { key: t.key });
    expect(rec.body.version).toBe(1);
    expect(await count(t.tenantId, "SELECT count(*) n FROM effects WHERE tenant_id = ?")).toBe(1);
  });

  it("update_record concurrently with the same key: one version bump", async () => {
    const t = await newTenant();
    await execute(
      "update_record",
      { type: "order", id: "o-2", fields: { n: 0 } },
      attempt(t.tenantId),
    );
    const ctx = attempt(t.tenantId);
    const outcomes = await Promise.all(
      [1, 2, 3].map(() =>
        execute("update_record", { type: "order", id: "o-2", fields: { n: 1 } }, ctx),
      ),
    );
    expect(new Set(outcomes.map((o) => JSON.stringify(o))).size).toBe(1);
    const rec = await call("GET", "/v1/records/order/o-2", { key: t.key });
    expect(rec.body).toMatchObject({ version: 2, fields: { n: 1 } });
  });
});

describe("update_record", () => {
  it("merges, reports only changed fields, and emits nothing for an unchanged write", async () => {
    const t = await newTenant();
    const cfg = (fields: unknown) => ({ type: "invoice", id: "i-1", fields });
    await execute("update_record", cfg({ status: "open", total: 10 }), attempt(t.tenantId));
    const changed = await execute(
      "update_record",
      cfg({ status: "paid", total: 10 }),
      attempt(t.tenantId),
    );
    expect(changed).toEqual({
      status: "succeeded",
      output: { type: "invoice", id: "i-1", version: 2, changed: ["status"] },
      events: [
        {
          type: "invoice.updated",
          data: { status: "paid", total: 10, id: "i-1" },
          changes: { status: { old: "open", new: "paid" } },
        },
      ],
    });
    const same = await execute("update_record", cfg({ status: "paid" }), attempt(t.tenantId));
    expect(same).toEqual({
      status: "succeeded",
      output: { type: "invoice", id: "i-1", version: 2, changed: [] },
      events: [],
    });
  });

  it("accepts fields rendered as JSON text", async () => {
    const t = await newTenant();
    const out = await execute(
      "update_record",
      { type: "order", id: "o-9", fields: '{"status":"new"}' },
      attempt(t.tenantId),
    );
    expect(out.status === "succeeded" && out.output).toMatchObject({ changed: ["status"] });
  });

  it("fails permanently on a bad type, bad fields or a conflicting id field", async () => {
    const t = await newTenant();
    for (const [config, path] of [
      [{ type: "Order", id: "1", fields: {} }, "config.type"],
      [{ type: "run", id: "1", fields: {} }, "config.type"],
      [{ type: "order", id: "1", fields: "not json" }, "config.fields"],
      [{ type: "order", id: "1", fields: { id: "2" } }, "config.fields.id"],
      [{ type: "order", id: "", fields: {} }, "config.id"],
    ] as const) {
      const out = await execute("update_record", config, attempt(t.tenantId));
      expect(out.status).toBe("failed");
      if (out.status === "failed") {
        expect(out.retryable).toBe(false);
        expect(out.error.code).toBe("invalid_config");
        expect(out.error.message).toContain(path);
      }
    }
  });
});

describe("invalid configs and recipients", () => {
  it("fail permanently with the path of the problem", async () => {
    const t = await newTenant();
    const cases: Array<[string, unknown, string]> = [
      ["send_email", { to: "ann@example.com", subject: "", body: "x" }, "config.subject"],
      ["send_email", { to: "not an address", subject: "s", body: "x" }, "config.to"],
      ["send_email", { to: "a@b.c", subject: "s", body: "x", extra: 1 }, "config"],
      ["send_sms", { to: "call me", body: "x" }, "config.to"],
      ["create_task", { title: "t", assignee: t.email, due: "tomorrow" }, "config.due"],
      ["notify_user", { user: t.email }, "config.message"],
    ];
    for (const [action, config, path] of cases) {
      const out = await execute(action, config, attempt(t.tenantId));
      expect(out, `${action} ${JSON.stringify(config)}`).toMatchObject({
        status: "failed",
        retryable: false,
        error: { code: "invalid_config" },
      });
      if (out.status === "failed") expect(out.error.message).toContain(path);
    }
    expect(await count(t.tenantId, "SELECT count(*) n FROM outbox WHERE tenant_id = ?")).toBe(0);
  });

  it("refuse people who are not members of the tenant", async () => {
    const t = await newTenant();
    const other = await newTenant();
    for (const [action, config, field] of [
      ["create_task", { title: "t", assignee: "stranger@example.com" }, "config.assignee"],
      ["notify_user", { user: other.email, message: "hi" }, "config.user"],
    ] as const) {
      const out = await execute(action, config, attempt(t.tenantId));
      expect(out).toMatchObject({
        status: "failed",
        retryable: false,
        error: { code: "not_a_member" },
      });
      if (out.status === "failed") expect(out.error.message).toContain(field);
    }
  });
});

describe("the write + marker transaction", () => {
  const row = (tenantId: string, version: number) => ({
    tenantId,
    type: "order",
    id: "o-batch",
    fields: JSON.stringify({ v: version }),
    version,
    createdAt: "2026-01-01T00:00:00.000Z",
    updatedAt: "2026-01-01T00:00:00.000Z",
  });
  const marker = (tenantId: string, idempotencyKey: string) => ({
    tenantId,
    idempotencyKey,
    result: "{}",
    at: "2026-01-01T00:00:00.000Z",
  });
  /** Runs `fn` inside the tenant's store, on its own storage. */
  const inStore = <T>(tenantId: string, fn: (db: StoreDb) => T) =>
    runInDurableObject(storeFor(env, tenantId), async (store) => fn((store as TenantStore).db));

  it("leaves no marker when the write did not happen (a stale version)", async () => {
    const t = await newTenant();
    await inStore(t.tenantId, (db) => putRecordRow(db, row(t.tenantId, 1), null));
    const changed = await inStore(t.tenantId, (db) =>
      writeWithMarker(db, row(t.tenantId, 3), 2, marker(t.tenantId, "k1")),
    );
    expect(changed).toBe(false);
    expect(await inStore(t.tenantId, (db) => getEffect(db, t.tenantId, "k1"))).toBeUndefined();
  });

  it("rolls the write back when the key is already marked", async () => {
    const t = await newTenant();
    await inStore(t.tenantId, (db) =>
      writeWithMarker(db, row(t.tenantId, 1), null, marker(t.tenantId, "k")),
    );
    await expect(
      inStore(t.tenantId, (db) =>
        writeWithMarker(db, row(t.tenantId, 2), 1, marker(t.tenantId, "k")),
      ),
    ).rejects.toThrow(/UNIQUE/);
    expect((await call("GET", "/v1/records/order/o-batch", { key: t.key })).body.version).toBe(1);
  });
});
