import { and, asc, eq, gt } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { effects, records } from "../db/schema.ts";

export type RecordRow = typeof records.$inferSelect;

export async function getRecordRow(
  db: Db,
  tenantId: string,
  type: string,
  id: string,
): Promise<RecordRow | undefined> {
  const rows = await db
    .select()
    .from(records)
    .where(and(eq(records.tenantId, tenantId), eq(records.type, type), eq(records.id, id)))
    .limit(1);
  return rows[0];
}

/** By id: a stable order, so a cursor never skips a record that is updated meanwhile. */
export async function listRecordRows(
  db: Db,
  tenantId: string,
  type: string,
  limit: number,
  afterId?: string,
): Promise<RecordRow[]> {
  const conds = [eq(records.tenantId, tenantId), eq(records.type, type)];
  if (afterId !== undefined) conds.push(gt(records.id, afterId));
  return db
    .select()
    .from(records)
    .where(and(...conds))
    .orderBy(asc(records.id))
    .limit(limit);
}

/** Inserts a new record; changes nothing when another writer created it first. */
export function insertRecordStatement(db: Db, row: RecordRow) {
  return db.insert(records).values(row).onConflictDoNothing();
}

/**
 * Replaces the fields only if the record is still at `expectedVersion`
 * (optimistic concurrency: a lost race changes no row, and the caller retries).
 */
export function updateRecordStatement(db: Db, row: RecordRow, expectedVersion: number) {
  return db
    .update(records)
    .set({ fields: row.fields, version: row.version, updatedAt: row.updatedAt })
    .where(
      and(
        eq(records.tenantId, row.tenantId),
        eq(records.type, row.type),
        eq(records.id, row.id),
        eq(records.version, expectedVersion),
      ),
    );
}

export async function getEffect(
  db: Db,
  tenantId: string,
  idempotencyKey: string,
): Promise<string | undefined> {
  const rows = await db
    .select({ result: effects.result })
    .from(effects)
    .where(and(eq(effects.tenantId, tenantId), eq(effects.idempotencyKey, idempotencyKey)))
    .limit(1);
  return rows[0]?.result;
}

/**
 * A record write and its effect marker in one D1 batch (one transaction).
 * The marker is written only when the statement just before it in the
 * same batch changed a row (`changes() = 1`): a write that lost an
 * optimistic-concurrency race leaves no marker behind. A second marker for
 * the same key violates the primary key and rolls the whole batch back, so
 * the effect cannot happen twice.
 */
export async function writeWithMarker(
  db: Db,
  write: { toSQL(): { sql: string; params: unknown[] } },
  marker: { tenantId: string; idempotencyKey: string; result: string; at: string },
): Promise<{ changedRows: number }> {
  // Plain D1 statements: drizzle's batch cannot carry a raw `sql` statement.
  const d1 = db.$client;
  const query = write.toSQL();
  const [result] = await d1.batch([
    d1.prepare(query.sql).bind(...query.params),
    d1
      .prepare(
        `INSERT INTO effects (tenant_id, idempotency_key, result, created_at)
         SELECT ?, ?, ?, ? WHERE changes() = 1`,
      )
      .bind(marker.tenantId, marker.idempotencyKey, marker.result, marker.at),
  ]);
  return { changedRows: result?.meta.changes ?? 0 };
}

/** A marker for an effect that wrote nothing (an unchanged record), so replays agree. */
export function markerStatement(
  db: Db,
  tenantId: string,
  idempotencyKey: string,
  result: string,
  at: string,
) {
  return db
    .insert(effects)
    .values({ tenantId, idempotencyKey, result, createdAt: at })
    .onConflictDoNothing();
}
