// The built-in email/SMS provider's messages in a tenant's store: one per
// idempotency key, ever (the unique index is the effect marker).
import { and, desc, eq } from "drizzle-orm";
import { type KeysetCursor, olderThan } from "../repositories/keyset.ts";
import type { StoreDb } from "./db.ts";
import { asStored, insertOf, run } from "./raw.ts";
import { outbox } from "./schema.ts";

const INSERT_MESSAGE = insertOf(outbox, "ON CONFLICT DO NOTHING RETURNING id");

export type OutboxRow = typeof outbox.$inferSelect;
export type OutboxChannel = OutboxRow["channel"];

/** Stores a message once per (tenant, idempotency key); a replay reads back the first. */
export function insertMessageOnce(db: StoreDb, row: OutboxRow): OutboxRow {
  // Once per run step: SQL text built once (store/raw.ts); a replay reads the first back.
  if (run(db, INSERT_MESSAGE.sql, ...INSERT_MESSAGE.params(row)).length > 0)
    return asStored(outbox, row);
  return db
    .select()
    .from(outbox)
    .where(and(eq(outbox.tenantId, row.tenantId), eq(outbox.idempotencyKey, row.idempotencyKey)))
    .get()!;
}

export interface OutboxListQuery {
  limit: number;
  after?: KeysetCursor | undefined;
  channel?: OutboxChannel | undefined;
  runId?: string | undefined;
}

/** Newest first; the cursor is the last (createdAt, id) seen. Fetches limit + 1. */
export function listOutboxRows(db: StoreDb, tenantId: string, q: OutboxListQuery): OutboxRow[] {
  const conds = [eq(outbox.tenantId, tenantId)];
  if (q.after) conds.push(olderThan(outbox.createdAt, outbox.id, q.after));
  if (q.channel) conds.push(eq(outbox.channel, q.channel));
  if (q.runId) conds.push(eq(outbox.runId, q.runId));
  return db
    .select()
    .from(outbox)
    .where(and(...conds))
    .orderBy(desc(outbox.createdAt), desc(outbox.id))
    .limit(q.limit + 1)
    .all();
}
