// A record's history (issue 14): each version a write made, who made it and
// what changed. Written by store/records.ts inside the write's transaction,
// so a change and its history row commit together; read by
// GET /v1/records/:type/:id/versions, newest first.
import { and, desc, eq, lt } from "drizzle-orm";
import type { StoreDb } from "./db.ts";
import { recordVersions } from "./schema.ts";

export type RecordVersionRow = typeof recordVersions.$inferSelect;

/** Who wrote a version: a run's step, or the API caller (a person or an API key). */
export type RecordActor =
  | { type: "run"; runId: string; stepId: string }
  | { type: string; id: string };

/** A run's write is keyed `<runId>:<stepId>` (engine's idempotencyKey). */
export function actorOfKey(key: string): RecordActor {
  const at = key.indexOf(":");
  return at > 0
    ? { type: "run", runId: key.slice(0, at), stepId: key.slice(at + 1) }
    : { type: "system", id: key };
}

export function insertRecordVersion(db: StoreDb, row: RecordVersionRow): void {
  db.insert(recordVersions).values(row).onConflictDoNothing().run();
}

/** Newest first, paged by version; fetches limit + 1. */
export function listRecordVersionRows(
  db: StoreDb,
  tenantId: string,
  type: string,
  id: string,
  q: { limit: number; before?: number | undefined },
): RecordVersionRow[] {
  const conds = [
    eq(recordVersions.tenantId, tenantId),
    eq(recordVersions.type, type),
    eq(recordVersions.recordId, id),
  ];
  if (q.before !== undefined) conds.push(lt(recordVersions.version, q.before));
  return db
    .select()
    .from(recordVersions)
    .where(and(...conds))
    .orderBy(desc(recordVersions.version))
    .limit(q.limit + 1)
    .all();
}
