import { and, desc, eq } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { outbox } from "../db/schema.ts";
import { type KeysetCursor, olderThan } from "./keyset.ts";

export type OutboxRow = typeof outbox.$inferSelect;
export type OutboxChannel = OutboxRow["channel"];

/**
 * Stores a message once per (tenant, idempotency key), ever: the unique
 * index is the effect marker, and a replay reads back the first message.
 */
export async function insertMessageOnce(db: Db, row: OutboxRow): Promise<OutboxRow> {
  await db.insert(outbox).values(row).onConflictDoNothing();
  const rows = await db
    .select()
    .from(outbox)
    .where(and(eq(outbox.tenantId, row.tenantId), eq(outbox.idempotencyKey, row.idempotencyKey)))
    .limit(1);
  return rows[0]!;
}

export interface OutboxListQuery {
  limit: number;
  after?: KeysetCursor | undefined;
  channel?: OutboxChannel | undefined;
  runId?: string | undefined;
}

/** Newest first; the cursor is the last (createdAt, id) seen. */
export async function listOutboxRows(
  db: Db,
  tenantId: string,
  q: OutboxListQuery,
): Promise<OutboxRow[]> {
  const conds = [eq(outbox.tenantId, tenantId)];
  if (q.after) {
    conds.push(olderThan(outbox.createdAt, outbox.id, q.after));
  }
  if (q.channel) conds.push(eq(outbox.channel, q.channel));
  if (q.runId) conds.push(eq(outbox.runId, q.runId));
  return db
    .select()
    .from(outbox)
    .where(and(...conds))
    .orderBy(desc(outbox.createdAt), desc(outbox.id))
    .limit(q.limit);
}
