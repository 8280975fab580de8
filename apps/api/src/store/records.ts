// Records in a tenant's store, and the effect markers of record writes made
// by runs. A write reads, plans and writes inside one transaction of the
// store (transactionSync): the object runs one call at a time, so no other
// writer can slip in between, and the record, its marker and its change
// event commit together or not at all.
import type { EmittedEvent } from "@switchyard/engine";
import { and, asc, eq, gt } from "drizzle-orm";
import {
  eventOf,
  type MarkedResult,
  planWrite,
  type RecordRow,
  type RecordView,
  toRecordView,
  type WriteInput,
  type WritePlan,
} from "../services/records.ts";
import type { StoreDb } from "./db.ts";
import { type EventRow, insertEvent } from "./events.ts";
import { run } from "./raw.ts";
import { actorOfKey, insertRecordVersion, type RecordActor } from "./record-versions.ts";
import { effects, records } from "./schema.ts";

export function getRecordRow(
  db: StoreDb,
  tenantId: string,
  type: string,
  id: string,
): RecordRow | undefined {
  return db
    .select()
    .from(records)
    .where(and(eq(records.tenantId, tenantId), eq(records.type, type), eq(records.id, id)))
    .get();
}

/**
 * By id: a stable order, so a cursor never skips a record that is updated
 * meanwhile. Fetches limit + 1.
 */
export function listRecordRows(
  db: StoreDb,
  tenantId: string,
  type: string,
  q: { limit: number; after?: string | undefined },
): RecordRow[] {
  const conds = [eq(records.tenantId, tenantId), eq(records.type, type)];
  if (q.after !== undefined) conds.push(gt(records.id, q.after));
  return db
    .select()
    .from(records)
    .where(and(...conds))
    .orderBy(asc(records.id))
    .limit(q.limit + 1)
    .all();
}

export function getEffect(
  db: StoreDb,
  tenantId: string,
  idempotencyKey: string,
): string | undefined {
  return db
    .select({ result: effects.result })
    .from(effects)
    .where(and(eq(effects.tenantId, tenantId), eq(effects.idempotencyKey, idempotencyKey)))
    .get()?.result;
}

/**
 * Inserts the record (`expectedVersion` null) or replaces it while it is
 * still at `expectedVersion`; true when a row changed.
 */
export function putRecordRow(db: StoreDb, row: RecordRow, expectedVersion: number | null): boolean {
  if (expectedVersion === null) {
    return (
      db.insert(records).values(row).onConflictDoNothing().returning({ id: records.id }).all()
        .length > 0
    );
  }
  return (
    db
      .update(records)
      .set({ fields: row.fields, version: row.version, updatedAt: row.updatedAt })
      .where(
        and(
          eq(records.tenantId, row.tenantId),
          eq(records.type, row.type),
          eq(records.id, row.id),
          eq(records.version, expectedVersion),
        ),
      )
      .returning({ id: records.id })
      .all().length > 0
  );
}

export interface Marker {
  tenantId: string;
  idempotencyKey: string;
  result: string;
  at: string;
}

/**
 * A record write and its effect marker in one transaction. The marker is
 * written only when the write changed a row, so a write that did not
 * happen leaves no marker; a second marker for the same key violates the
 * primary key and rolls the write back, so the effect cannot happen twice.
 * Returns whether the write changed a row.
 */
export function writeWithMarker(
  db: StoreDb,
  row: RecordRow,
  expectedVersion: number | null,
  marker: Marker,
): boolean {
  return db.transaction((tx) => {
    if (!putRecordRow(tx, row, expectedVersion)) return false;
    tx.insert(effects)
      .values({
        tenantId: marker.tenantId,
        idempotencyKey: marker.idempotencyKey,
        result: marker.result,
        createdAt: marker.at,
      })
      .run();
    return true;
  });
}

export interface WriteOptions {
  /** A run's write: the result is pinned under this key, and a replay returns it. */
  idempotencyKey?: string | undefined;
  /** PATCH: the record must exist already. */
  mustExist?: boolean | undefined;
  /** A write outside a run: the stored form of its change event, kept in the same transaction. */
  eventRow?: ((event: EmittedEvent) => EventRow) | undefined;
  /** Who writes, for the record's history (a run's write is named by its key). */
  actor?: RecordActor | undefined;
}

export type WriteResult =
  | {
      status: "written";
      record: RecordView;
      plan: WritePlan;
      event: EmittedEvent | undefined;
      /** With `eventRow`: the change event as stored. */
      stored?: EventRow | undefined;
    }
  | { status: "replayed"; result: MarkedResult }
  | { status: "not_found" };

/**
 * Writes a record (validate the input with `recordInputProblems` first),
 * in one transaction. With `idempotencyKey`, a key already marked returns
 * the stored result and writes nothing; otherwise the write and its marker
 * commit together (an unchanged write is marked too, so replays agree).
 */
export function writeRecord(
  db: StoreDb,
  tenantId: string,
  input: WriteInput,
  opts: WriteOptions = {},
): WriteResult {
  return db.transaction((tx): WriteResult => {
    const key = opts.idempotencyKey;
    if (key !== undefined) {
      const marked = getEffect(tx, tenantId, key);
      if (marked !== undefined) {
        return { status: "replayed", result: JSON.parse(marked) as MarkedResult };
      }
    }
    const existingRow = getRecordRow(tx, tenantId, input.type, input.id);
    if (!existingRow && opts.mustExist) return { status: "not_found" };
    const existing = existingRow ? toRecordView(existingRow) : undefined;
    const plan = planWrite(existing, input.fields, input.mode);
    const event = eventOf(input.type, input.id, plan);
    const row: RecordRow = {
      tenantId,
      type: input.type,
      id: input.id,
      fields: JSON.stringify(plan.fields),
      version: plan.version,
      createdAt: existing?.createdAt ?? input.at,
      updatedAt: event ? input.at : (existing?.updatedAt ?? input.at),
    };
    const marked: MarkedResult = {
      output: { type: input.type, id: input.id, version: plan.version, changed: plan.changed },
      events: event ? [event] : [],
    };
    const result = JSON.stringify(marked);
    if (!event) {
      // Nothing to write; a marker still pins the answer for replays.
      if (key !== undefined) {
        tx.insert(effects)
          .values({ tenantId, idempotencyKey: key, result, createdAt: input.at })
          .run();
      }
      return { status: "written", record: toRecordView(row), plan, event };
    }
    const expected = existing ? existing.version : null;
    const changed =
      key !== undefined
        ? writeWithMarker(tx, row, expected, {
            tenantId,
            idempotencyKey: key,
            result,
            at: input.at,
          })
        : putRecordRow(tx, row, expected);
    // Nothing else runs inside the object meanwhile: the row is as just read.
    if (!changed) throw new Error(`record ${input.type}/${input.id} changed inside its own write`);
    insertRecordVersion(tx, {
      tenantId,
      type: input.type,
      recordId: input.id,
      version: plan.version,
      at: input.at,
      actor: JSON.stringify(
        opts.actor ?? (key !== undefined ? actorOfKey(key) : { type: "system", id: "unknown" }),
      ),
      changes: JSON.stringify(plan.changes),
    });
    const stored = opts.eventRow?.(event);
    if (stored) insertEvent(tx, stored);
    return { status: "written", record: toRecordView(row), plan, event, stored };
  });
}

/** A REST write of a record (PUT replaces, PATCH merges into an existing one). */
export interface RecordWrite {
  type: string;
  id: string;
  fields: Record<string, unknown>;
  mode: "replace" | "merge";
  /** The caller, for the record's history. */
  actor?: { type: string; id: string } | undefined;
}

/** TenantStore.putRecord's answer. */
export type RecordWriteReply =
  | { ok: true; record: RecordView; created: boolean }
  | { ok: false; reason: "not_found" }
  | { ok: false; reason: "rate_limited"; retryAfterMs: number };

/**
 * The record types in use, by name, with how many records each has (counted
 * up to a cap, so a type with millions of records costs a bounded read).
 * The distinct types are walked by index seeks (one per type), never by a
 * scan of every record. Fetches limit + 1.
 */
export function listRecordTypeRows(
  db: StoreDb,
  tenantId: string,
  q: { limit: number; after?: string | undefined },
  countCap = 1_000,
): { type: string; records: number; updatedAt: string | null }[] {
  const types = run<{ type: string }>(
    db,
    `WITH RECURSIVE t(type) AS (
       SELECT (SELECT min(type) FROM records WHERE tenant_id = ?1 AND type > ?2)
       UNION ALL
       SELECT (SELECT min(type) FROM records WHERE tenant_id = ?1 AND type > t.type)
       FROM t WHERE t.type IS NOT NULL
     )
     SELECT type FROM t WHERE type IS NOT NULL LIMIT ?3`,
    tenantId,
    q.after ?? "",
    q.limit + 1,
  );
  return types.map(({ type }) => {
    const row = run<{ n: number; last: string | null }>(
      db,
      `SELECT count(*) AS n, (SELECT max(updated_at) FROM records WHERE tenant_id = ?1 AND type = ?2) AS last
       FROM (SELECT 1 FROM records WHERE tenant_id = ?1 AND type = ?2 LIMIT ?3)`,
      tenantId,
      type,
      countCap + 1,
    )[0];
    return { type, records: row?.n ?? 0, updatedAt: row?.last ?? null };
  });
}
