// A run's history in the tenant's store (issue 14): every end (failed or
// succeeded: when, on which version, at which step, why) and every retry
// (who, from which version to which). The run's own object keeps only its
// present state, so without this a run retried into success would no longer
// show that it failed. Written with the run's index row (an end) and with
// the run-log entry a retry owes (recordOwed), so both are idempotent.
import { and, asc, eq } from "drizzle-orm";
import type { RunEnd } from "./alerts.ts";
import type { StoreDb } from "./db.ts";
import type { RunLogInput } from "./run-log.ts";
import { RunLogType } from "./run-log.ts";
import { runHistory } from "./schema.ts";

export type RunHistoryRow = typeof runHistory.$inferSelect;

/** Most history entries one run shows (a run is retried a handful of times). */
const MAX_ENTRIES = 200;

export function noteEnd(db: StoreDb, tenantId: string, end: RunEnd, version: number): void {
  db.insert(runHistory)
    .values({
      tenantId,
      id: `${end.runId}:${end.seq}`,
      runId: end.runId,
      at: end.finishedAt,
      kind: end.status,
      version,
      details: JSON.stringify(
        end.status === "failed" ? { step: end.step?.name ?? null, error: end.error } : {},
      ),
    })
    .onConflictDoNothing()
    .run();
}

/** A retry's run-log entry, kept in the run's history too (same transaction). */
export function noteRetry(db: StoreDb, tenantId: string, entry: RunLogInput, at: string): void {
  if (entry.type !== RunLogType.runRetried) return;
  const d = entry.details as { fromVersion?: number; toVersion?: number };
  db.insert(runHistory)
    .values({
      tenantId,
      id: entry.id,
      runId: entry.subject,
      at,
      kind: "retried",
      version: d.toVersion ?? null,
      details: JSON.stringify({ actor: entry.actor, fromVersion: d.fromVersion ?? null }),
    })
    .onConflictDoNothing()
    .run();
}

/** Oldest first. */
export function runHistoryOf(db: StoreDb, tenantId: string, runId: string): RunHistoryRow[] {
  return db
    .select()
    .from(runHistory)
    .where(and(eq(runHistory.tenantId, tenantId), eq(runHistory.runId, runId)))
    .orderBy(asc(runHistory.at), asc(runHistory.id))
    .limit(MAX_ENTRIES)
    .all();
}
