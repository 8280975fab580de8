import { DurableObject } from "cloudflare:workers";
import { and, asc, eq, inArray, lt, sql } from "drizzle-orm";
import { createDb } from "../db/client.ts";
import { events } from "../db/schema.ts";
import type { Env } from "../env.ts";
import { idsByTenant } from "../lib/tenant-chunks.ts";
import type { EventMessage } from "../services/events.ts";

/**
 * An accepted event unmatched for this long is sent to the queue again; each
 * further re-send waits twice as long, so a long queue backlog is not
 * flooded with copies (matching is idempotent, so copies are only waste).
 */
export const SWEEP_AFTER_MS = 5_000;
const SWEEP_EVERY_MS = 3_000;
/** After this many re-sends (about 11 hours in all) the event is marked failed, visibly. */
export const MAX_RESENDS = 13;
const BATCH = 200;

/**
 * Re-sends events that were accepted but not matched: the queue send after
 * the D1 write can be lost (a crash between the two, a local queue dropped
 * by a restart). It runs on its own alarm, so it works under `wrangler dev`
 * too; ingest wakes it, and it sleeps again once nothing is pending.
 */
export class Sweeper extends DurableObject<Env> {
  async wake(): Promise<void> {
    const alarm = await this.ctx.storage.getAlarm();
    if (alarm === null) await this.ctx.storage.setAlarm(Date.now() + SWEEP_EVERY_MS);
  }

  override async alarm(): Promise<void> {
    const pending = await this.sweep(Date.now());
    // Keep watching while anything is in flight; an idle sweeper sleeps.
    if (pending > 0) await this.ctx.storage.setAlarm(Date.now() + SWEEP_EVERY_MS);
  }

  /** One pass; returns how many events are still accepted-but-unmatched. */
  async sweep(now: number): Promise<number> {
    const db = createDb(this.env.DB);
    const cutoff = new Date(now - SWEEP_AFTER_MS).toISOString();
    const nowIso = new Date(now).toISOString();
    const stale = await db
      .select({ tenantId: events.tenantId, id: events.id, resends: events.resends })
      .from(events)
      .where(
        and(
          eq(events.status, "accepted"),
          lt(events.receivedAt, cutoff),
          // Due when older than SWEEP_AFTER_MS × 2^resends.
          sql`(julianday(${nowIso}) - julianday(${events.receivedAt})) * 86400000 > ${SWEEP_AFTER_MS} * (1 << min(${events.resends}, 16))`,
        ),
      )
      .orderBy(asc(events.receivedAt))
      .limit(BATCH);
    const failed = stale.filter((e) => e.resends >= MAX_RESENDS);
    const due = stale.filter((e) => e.resends < MAX_RESENDS);
    for (const group of idsByTenant(failed)) {
      await db
        .update(events)
        .set({ status: "failed", error: `not matched after ${MAX_RESENDS} re-sends` })
        .where(and(eq(events.tenantId, group.tenantId), inArray(events.id, group.ids)));
    }
    // Re-sends are recovery traffic: they take the bulk lane, never queueing
    // ahead of fresh events, and go out a batch at a time.
    for (let i = 0; i < due.length; i += 100) {
      const messages = due
        .slice(i, i + 100)
        .map((e) => ({ body: { tenantId: e.tenantId, eventId: e.id } satisfies EventMessage }));
      await this.env.EVENTS_BULK.sendBatch(messages);
    }
    for (const group of idsByTenant(due)) {
      await db
        .update(events)
        .set({ resends: sql`${events.resends} + 1` })
        .where(and(eq(events.tenantId, group.tenantId), inArray(events.id, group.ids)));
    }
    const left = await db
      .select({ n: sql<number>`count(*)` })
      .from(events)
      .where(eq(events.status, "accepted"));
    return left[0]?.n ?? 0;
  }
}
