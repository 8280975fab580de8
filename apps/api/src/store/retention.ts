// Retention: a tenant's run history (events, runs and their steps, the
// finished runs' audit records and the run log) is kept `retentionDays`
// (default 30, a tenant setting), then purged by the store's alarm, a
// bounded batch per pass. The event-id dedupe window is the same: an id
// seen longer ago than that may be accepted again. Records, tasks,
// notifications, the outbox and effect markers are the tenant's data, not
// history, and stay; a record's history (its versions: who changed what)
// is history, and goes with the runs that made it.
import { and, asc, eq, inArray, isNotNull, lt, ne, sql } from "drizzle-orm";
import { slices } from "./bounded.ts";
import type { StoreDb } from "./db.ts";
import { purgeFailureGroups } from "./failure-groups.ts";
import { purgeFinishedJobs } from "./jobs.ts";
import { FINAL_STATUSES } from "./runs.ts";
import { events, fanOut, recordVersions, runHistory, runLog, runs, storeMeta } from "./schema.ts";

export const DEFAULT_RETENTION_DAYS = 30;
/** How often the alarm looks for history past retention. */
export const PURGE_EVERY_MS = 60 * 60_000;
/** Rows per table per pass: a pass stays short, the next one continues. */
const PURGE_BATCH = 500;
const DAY_MS = 24 * 60 * 60_000;

export function retentionDays(db: StoreDb): number {
  const row = db.select().from(storeMeta).where(eq(storeMeta.key, "retention_days")).get();
  const n = row ? Number(row.value) : Number.NaN;
  return Number.isInteger(n) && n > 0 ? n : DEFAULT_RETENTION_DAYS;
}

export function setRetentionDays(db: StoreDb, days: number): void {
  db.insert(storeMeta)
    .values({ key: "retention_days", value: String(days) })
    .onConflictDoUpdate({ target: storeMeta.key, set: { value: String(days) } })
    .run();
}

/** Where the run log now starts (after old entries were purged): verification anchors there. */
export function logAnchor(db: StoreDb): { seq: number; hash: string } | null {
  const row = db.select().from(storeMeta).where(eq(storeMeta.key, "run_log_anchor")).get();
  return row ? (JSON.parse(row.value) as { seq: number; hash: string }) : null;
}

/** Whether the store holds any history to watch for retention. */
export function hasHistory(db: StoreDb): boolean {
  return (
    !!db.select({ id: events.id }).from(events).limit(1).get() ||
    !!db.select({ id: runs.id }).from(runs).limit(1).get() ||
    !!db.select({ seq: runLog.seq }).from(runLog).limit(1).get()
  );
}

export interface Purged {
  events: number;
  runs: string[];
  entries: number;
  /** More is due: the alarm comes back soon instead of in an hour. */
  more: boolean;
}

/**
 * Deletes one batch of history older than the retention window. Returns
 * the runs that had a run object, so the store can ask each to forget its
 * own storage. Only finished runs go; an event is purged only once matched
 * or failed; a run-log entry only once archived to D1.
 */
export function purgeBatch(db: StoreDb, now: number): Purged {
  const cutoff = new Date(now - retentionDays(db) * DAY_MS).toISOString();
  return db.transaction((tx) => {
    const oldEvents = tx
      .select({ id: events.id })
      .from(events)
      .where(and(lt(events.receivedAt, cutoff), ne(events.status, "accepted")))
      .limit(PURGE_BATCH)
      .all()
      .map((r) => r.id);
    for (const part of slices(oldEvents, 0))
      tx.delete(events).where(inArray(events.id, part)).run();
    const oldRuns = tx
      .select({ id: runs.id, hasObject: runs.hasObject })
      .from(runs)
      .where(and(lt(runs.createdAt, cutoff), inArray(runs.status, [...FINAL_STATUSES])))
      .limit(PURGE_BATCH)
      .all();
    for (const part of slices(
      oldRuns.map((r) => r.id),
      0,
    ))
      tx.delete(runs).where(inArray(runs.id, part)).run();
    const oldEntries = tx
      .select({ seq: runLog.seq, hash: runLog.hash })
      .from(runLog)
      .where(and(lt(runLog.at, cutoff), isNotNull(runLog.archivedIn)))
      .orderBy(asc(runLog.seq))
      .limit(PURGE_BATCH)
      .all();
    // Only a prefix of the chain may go, so what stays still verifies from an anchor.
    const anchor = logAnchor(tx as unknown as StoreDb);
    const prefix: { seq: number; hash: string }[] = [];
    let expected = (anchor?.seq ?? 0) + 1;
    for (const e of oldEntries) {
      if (e.seq !== expected) break;
      prefix.push(e);
      expected += 1;
    }
    tx.delete(fanOut).where(lt(fanOut.firstAt, cutoff)).run();
    tx.delete(runHistory).where(lt(runHistory.at, cutoff)).run();
    tx.delete(recordVersions).where(lt(recordVersions.at, cutoff)).run();
    // Bulk retries' jobs and failure groups (issue 16): finished and last seen before the window.
    purgeFinishedJobs(tx as unknown as StoreDb, cutoff);
    purgeFailureGroups(tx as unknown as StoreDb, cutoff);
    const last = prefix.at(-1);
    if (last) {
      tx.delete(runLog).where(sql`${runLog.seq} <= ${last.seq}`).run();
      tx.insert(storeMeta)
        .values({ key: "run_log_anchor", value: JSON.stringify(last) })
        .onConflictDoUpdate({ target: storeMeta.key, set: { value: JSON.stringify(last) } })
        .run();
    }
    return {
      events: oldEvents.length,
      runs: oldRuns.filter((r) => r.hasObject).map((r) => r.id),
      entries: prefix.length,
      more:
        oldEvents.length === PURGE_BATCH ||
        oldRuns.length === PURGE_BATCH ||
        prefix.length === PURGE_BATCH,
    };
  });
}
