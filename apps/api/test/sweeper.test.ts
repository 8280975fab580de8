import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MAX_RESENDS } from "../src/durable-objects/sweeper.ts";
import worker from "../src/index.ts";
import { call, eventually, newTenant } from "./helpers.ts";

/** An event stored as accepted whose queue message was lost (a crash between write and send). */
async function lostEvent(tenantId: string, id: string, ageMs: number, resends = 0): Promise<void> {
  const at = new Date(Date.now() - ageMs).toISOString();
  await env.DB.prepare(
    `INSERT INTO events (tenant_id, id, type, data, occurred_at, received_at, source, status, causation, resends)
     VALUES (?, ?, 'order.created', '{}', ?, ?, 'api', 'accepted', ?, ?)`,
  )
    .bind(tenantId, id, at, at, JSON.stringify({ originEventId: id, chain: [], depth: 0 }), resends)
    .run();
}

describe("the sweeper", () => {
  it("re-sends an accepted event whose queue message was lost, and it is matched", async () => {
    const t = await newTenant();
    await call("POST", "/v1/workflows", {
      key: t.key,
      body: { name: "w", trigger: { event: "order.created" }, steps: [{ id: "d", delay: "1s" }] },
    });
    await lostEvent(t.tenantId, "lost-1", 10_000);
    await env.SWEEPER.get(env.SWEEPER.idFromName("global")).sweep(Date.now());
    const ev = await eventually(
      () => call("GET", "/v1/events/lost-1", { key: t.key }),
      (r) => r.body.status === "matched",
    );
    expect(ev.body.runs).toHaveLength(1);
  });

  it("waits longer before each further re-send, and finally marks the event failed", async () => {
    const t = await newTenant();
    // Sent 3 times already: not due again until 5 s × 2³ = 40 s after receipt.
    await lostEvent(t.tenantId, "lost-2", 20_000, 3);
    await env.SWEEPER.get(env.SWEEPER.idFromName("global")).sweep(Date.now());
    const row = await env.DB.prepare("SELECT resends FROM events WHERE id = 'lost-2'").first<{
      resends: number;
    }>();
    expect(row!.resends).toBe(3);
    await lostEvent(t.tenantId, "lost-3", 1_000_000_000, MAX_RESENDS);
    await env.SWEEPER.get(env.SWEEPER.idFromName("global")).sweep(Date.now());
    const failed = await call("GET", "/v1/events/lost-3", { key: t.key });
    expect(failed.body.status).toBe("failed");
    expect(failed.body.error).toMatch(/not matched/);
  });

  it("the EVENTS dead-letter consumer marks an event failed, visibly", async () => {
    const t = await newTenant();
    await lostEvent(t.tenantId, "dead-1", 0);
    const batch = createMessageBatch("switchyard-events-dlq", [
      {
        id: "m1",
        timestamp: new Date(),
        attempts: 1,
        body: { tenantId: t.tenantId, eventId: "dead-1" },
      },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual(["m1"]);
    const ev = await call("GET", "/v1/events/dead-1", { key: t.key });
    expect(ev.body).toMatchObject({ status: "failed", error: "matching failed after every retry" });
  });
});
