import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { storeFor } from "../src/store/client.ts";
import { MAX_RESENDS } from "../src/store/events.ts";
import { call, eventually, newTenant, storeSql } from "./helpers.ts";

/** An event stored as accepted that its store's match queue lost (the store restarted before matching it). */
async function lostEvent(
  tenantId: string,
  id: string,
  opts: { retryAt?: number; resends?: number } = {},
): Promise<void> {
  const at = new Date(Date.now() - 10_000).toISOString();
  await storeSql(
    tenantId,
    `INSERT INTO events (tenant_id, id, type, data, occurred_at, received_at, source, status, causation, lane, resends, retry_at)
     VALUES (?, ?, 'order.created', '{}', ?, ?, 'api', 'accepted', ?, 'main', ?, ?)`,
    tenantId,
    id,
    at,
    at,
    JSON.stringify({ originEventId: id, chain: [], depth: 0 }),
    opts.resends ?? 0,
    opts.retryAt ?? Date.now() - 1,
  );
  // Ingest arms the alarm; a row written behind the store's back needs it armed.
  await runInDurableObject(storeFor(env, tenantId), (_i, state) =>
    state.storage.setAlarm(Date.now()),
  );
}

async function withWorkflow(): Promise<Awaited<ReturnType<typeof newTenant>>> {
  const t = await newTenant();
  const wf = await call("POST", "/v1/workflows", {
    key: t.key,
    body: { name: "w", trigger: { event: "order.created" }, steps: [{ id: "d", delay: "1s" }] },
  });
  expect(wf.status).toBe(201);
  return t;
}

describe("the tenant store's alarm", () => {
  it("matches an accepted event its match queue lost", async () => {
    const t = await withWorkflow();
    await lostEvent(t.tenantId, "lost-1");
    await runDurableObjectAlarm(storeFor(env, t.tenantId));
    const ev = await eventually(
      () => call("GET", "/v1/events/lost-1", { key: t.key }),
      (r) => r.body.status === "matched",
    );
    expect(ev.body.runs).toHaveLength(1);
  });

  it("leaves an event alone until it is due, then marks it failed after every try", async () => {
    const t = await withWorkflow();
    // Not due for another minute: the alarm does not touch it.
    await lostEvent(t.tenantId, "lost-2", { retryAt: Date.now() + 60_000, resends: 3 });
    await lostEvent(t.tenantId, "lost-3", { resends: MAX_RESENDS });
    await runDurableObjectAlarm(storeFor(env, t.tenantId));
    const [row] = await storeSql<{ resends: number; status: string }>(
      t.tenantId,
      "SELECT resends, status FROM events WHERE id = 'lost-2'",
    );
    expect(row).toEqual({ resends: 3, status: "accepted" });
    const failed = await call("GET", "/v1/events/lost-3", { key: t.key });
    expect(failed.body.status).toBe("failed");
    expect(failed.body.error).toMatch(/not matched/);
    expect(failed.body.runs).toHaveLength(0);
  });

  it("a failed event is re-driven by POST /v1/events/:id/redrive and then matched", async () => {
    const t = await withWorkflow();
    await lostEvent(t.tenantId, "lost-4", { resends: MAX_RESENDS });
    await runDurableObjectAlarm(storeFor(env, t.tenantId));
    expect((await call("GET", "/v1/events/lost-4", { key: t.key })).body.status).toBe("failed");
    const again = await call("POST", "/v1/events/lost-4/redrive", { key: t.key });
    expect(again.status).toBe(202);
    const ev = await eventually(
      () => call("GET", "/v1/events/lost-4", { key: t.key }),
      (r) => r.body.status === "matched",
    );
    expect(ev.body.runs).toHaveLength(1);
    // Only a failed event can be re-driven; an unknown one is 404.
    expect((await call("POST", "/v1/events/lost-4/redrive", { key: t.key })).status).toBe(409);
    expect((await call("POST", "/v1/events/nope/redrive", { key: t.key })).status).toBe(404);
  });

  it("an event is matched by its own store right after ingest, not by the alarm", async () => {
    const t = await withWorkflow();
    const sent = await call("POST", "/v1/events", {
      key: t.key,
      body: { type: "order.created", data: {} },
    });
    const ev = await eventually(
      () => call("GET", `/v1/events/${sent.body.id}`, { key: t.key }),
      (r) => r.body.status === "matched",
    );
    expect(ev.body.runs).toHaveLength(1);
    // The alarm counts a try before it matches; the match queue does not.
    const [row] = await storeSql<{ resends: number }>(
      t.tenantId,
      "SELECT resends FROM events WHERE id = ?",
      sent.body.id,
    );
    expect(row).toEqual({ resends: 0 });
  });
});
