import { and, asc, eq, gt } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { eventTypes } from "../db/schema.ts";

export type EventTypeRow = typeof eventTypes.$inferSelect;

export async function getEventTypeRow(
  db: Db,
  tenantId: string,
  type: string,
): Promise<EventTypeRow | undefined> {
  const rows = await db
    .select()
    .from(eventTypes)
    .where(and(eq(eventTypes.tenantId, tenantId), eq(eventTypes.type, type)))
    .limit(1);
  return rows[0];
}

/** By type name, the order the builder offers them in. */
export async function listEventTypeRows(
  db: Db,
  tenantId: string,
  limit: number,
  afterType?: string,
): Promise<EventTypeRow[]> {
  const conds = [eq(eventTypes.tenantId, tenantId)];
  if (afterType !== undefined) conds.push(gt(eventTypes.type, afterType));
  return db
    .select()
    .from(eventTypes)
    .where(and(...conds))
    .orderBy(asc(eventTypes.type))
    .limit(limit);
}

/**
 * Declares a type: its schema and sample win over inferred ones from then
 * on (ingest keeps a declared type's schema and sample, and only notes
 * `lastSeenAt`).
 */
export async function declareEventType(
  db: Db,
  row: Omit<EventTypeRow, "declared" | "lastSeenAt">,
): Promise<void> {
  await db
    .insert(eventTypes)
    .values({ ...row, declared: true, lastSeenAt: null })
    .onConflictDoUpdate({
      target: [eventTypes.tenantId, eventTypes.type],
      set: { declared: true, schema: row.schema, sample: row.sample, updatedAt: row.updatedAt },
    });
}
