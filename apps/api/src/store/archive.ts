// Archiving the run audit from a tenant's store to D1, in segments: one D1
// row holds many finished runs' audit records and run-log entries as one
// compact JSON document. A segment is planned in the store first (its
// records marked, its row kept), then written to D1 with INSERT OR IGNORE
// by its id, then forgotten: a crash in between writes the same segment
// again, never a second copy.
import { and, asc, between, eq, isNull } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { runAuditSegments } from "../db/schema.ts";
import { sha256Hex } from "../lib/crypto.ts";
import type { StoreDb } from "./db.ts";
import { archiveSegments, runAudit, runLog } from "./schema.ts";

/** At most one segment per tenant this often. */
export const ARCHIVE_EVERY_MS = 5_000;
/** Records (runs + log entries) per segment. */
const SEGMENT_RECORDS = 400;
/** A segment's body stays well under D1's 2 MB row. */
const SEGMENT_BYTES = 512 * 1024;

export type SegmentRow = typeof runAuditSegments.$inferInsert;

/** True when something waits to be archived (a planned segment, or unarchived records). */
export function hasUnarchived(db: StoreDb): boolean {
  const planned = db.select({ id: archiveSegments.id }).from(archiveSegments).limit(1).get();
  if (planned) return true;
  const run = db
    .select({ n: runAudit.n })
    .from(runAudit)
    .where(isNull(runAudit.archivedIn))
    .limit(1)
    .get();
  if (run) return true;
  return !!db
    .select({ seq: runLog.seq })
    .from(runLog)
    .where(isNull(runLog.archivedIn))
    .limit(1)
    .get();
}

/**
 * Plans the next segment from the oldest unarchived records, marking them
 * in the same transaction; returns the planned segments (older ones first).
 */
export async function planSegment(
  db: StoreDb,
  tenantId: string,
  at: string,
): Promise<SegmentRow[]> {
  const planned = db.select().from(archiveSegments).orderBy(asc(archiveSegments.createdAt)).all();
  if (planned.length > 0) return planned.map((p) => JSON.parse(p.row) as SegmentRow);
  const runs = db
    .select()
    .from(runAudit)
    .where(isNull(runAudit.archivedIn))
    .orderBy(asc(runAudit.n))
    .limit(SEGMENT_RECORDS)
    .all();
  const entries = db
    .select()
    .from(runLog)
    .where(isNull(runLog.archivedIn))
    .orderBy(asc(runLog.seq))
    .limit(SEGMENT_RECORDS)
    .all();
  // Keep the body under its budget: records are small, so cut by count.
  const body: { runs: unknown[]; entries: unknown[] } = { runs: [], entries: [] };
  let bytes = 0;
  const takenRuns: number[] = [];
  const takenEntries: number[] = [];
  for (const r of runs) {
    if (bytes + r.record.length > SEGMENT_BYTES) break;
    body.runs.push(JSON.parse(r.record));
    takenRuns.push(r.n);
    bytes += r.record.length;
  }
  for (const e of entries) {
    const doc = {
      seq: e.seq,
      id: e.id,
      at: e.at,
      actor: { type: e.actorType, id: e.actorId },
      type: e.type,
      subject: e.subject,
      details: JSON.parse(e.details),
      prevHash: e.prevHash,
      hash: e.hash,
    };
    const size = JSON.stringify(doc).length;
    if (bytes + size > SEGMENT_BYTES) break;
    body.entries.push(doc);
    takenEntries.push(e.seq);
    bytes += size;
  }
  if (takenRuns.length === 0 && takenEntries.length === 0) return [];
  const text = JSON.stringify(body);
  const firstRun = runs[0]?.n ?? 0;
  const firstEntry = takenEntries[0] ?? null;
  const id = `seg_${tenantId}_${firstRun}_${firstEntry ?? 0}_${takenRuns.length}_${takenEntries.length}`;
  const times = [
    ...runs.slice(0, takenRuns.length).map((r) => r.at),
    ...entries.slice(0, takenEntries.length).map((e) => e.at),
  ].sort();
  const row: SegmentRow = {
    id,
    tenantId,
    fromAt: times[0]!,
    toAt: times[times.length - 1]!,
    firstEntry,
    lastEntry: takenEntries.at(-1) ?? null,
    entries: takenEntries.length,
    runs: takenRuns.length,
    hash: await sha256Hex(text),
    body: text,
    createdAt: at,
  };
  db.transaction((tx) => {
    tx.insert(archiveSegments)
      .values({ id, row: JSON.stringify(row), createdAt: at })
      .run();
    // What was taken is the oldest unarchived, in order: a range, so the
    // statement binds four parameters however many records the segment holds.
    if (takenRuns.length > 0) {
      tx.update(runAudit)
        .set({ archivedIn: id })
        .where(
          and(isNull(runAudit.archivedIn), between(runAudit.n, takenRuns[0]!, takenRuns.at(-1)!)),
        )
        .run();
    }
    if (takenEntries.length > 0) {
      tx.update(runLog)
        .set({ archivedIn: id })
        .where(
          and(
            isNull(runLog.archivedIn),
            between(runLog.seq, takenEntries[0]!, takenEntries.at(-1)!),
          ),
        )
        .run();
    }
  });
  return [row];
}

/** Writes a planned segment to D1 (idempotent by id), then forgets the plan and the archived runs' records. */
export async function writeSegment(db: StoreDb, d1: Db, row: SegmentRow): Promise<void> {
  await d1.insert(runAuditSegments).values(row).onConflictDoNothing();
  db.transaction((tx) => {
    tx.delete(archiveSegments).where(eq(archiveSegments.id, row.id)).run();
    // The runs' records live on in D1 (and the run in the runs index);
    // the log entries stay in the store for GET /v1/audit and its verification.
    tx.delete(runAudit).where(eq(runAudit.archivedIn, row.id)).run();
  });
}
