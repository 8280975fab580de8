// Auto-pause (issue 14): a workflow may choose to be paused when it keeps
// failing — N failed runs within M minutes. The store decides it with the
// run end that crosses the threshold, in the transaction that writes the
// run's index row: the workflow leaves the live copy at once (no new run
// starts), the pause waits in `pending_pauses` until D1 says the workflow
// is disabled (store/alert-delivery.ts writes it, with its audit entry),
// and the people told of failures hear of it. Turning it back on (POST
// /v1/workflows/:id/enable) clears the pause; its failures count afresh.
import type { Alert, RunEnd } from "./alerts.ts";
import type { StoreDb } from "./db.ts";
import { run } from "./raw.ts";

export interface AutoPause {
  /** Failed runs … */
  failures: number;
  /** … within this many minutes. */
  minutes: number;
}

/** The bounds of a threshold (the API refuses others). */
export const AUTO_PAUSE_LIMITS = {
  failures: { min: 2, max: 1000 },
  minutes: { min: 1, max: 7 * 24 * 60 },
} as const;

/** Why a workflow was paused: stored with it in D1 and shown beside it. */
export interface Paused extends AutoPause {
  at: string;
  /** The run whose failure crossed the threshold. */
  runId: string;
}

/** The stored JSON, or null (none, or not a threshold: never pause on a guess). */
export function parseAutoPause(json: string | null | undefined): AutoPause | null {
  if (!json) return null;
  try {
    const v = JSON.parse(json) as Partial<AutoPause>;
    const ok = (n: unknown, b: { min: number; max: number }) =>
      Number.isInteger(n) && (n as number) >= b.min && (n as number) <= b.max;
    if (!ok(v.failures, AUTO_PAUSE_LIMITS.failures) || !ok(v.minutes, AUTO_PAUSE_LIMITS.minutes))
      return null;
    return { failures: v.failures!, minutes: v.minutes! };
  } catch {
    return null;
  }
}

export const autoPauseJson = (a: AutoPause): string =>
  JSON.stringify({ failures: a.failures, minutes: a.minutes });

export function parsePaused(json: string | null | undefined): Paused | null {
  if (!json) return null;
  try {
    return JSON.parse(json) as Paused;
  } catch {
    return null;
  }
}

/**
 * Counts a fresh failed run end towards its workflow's threshold; when it
 * crosses it, takes the workflow out of the live copy, records the pause
 * as owed to D1, and answers the alert that tells people. Runs inside the
 * run end's transaction; null when nothing is owed.
 */
export function notePauseFailure(db: StoreDb, end: RunEnd): Alert | null {
  if (end.status !== "failed") return null;
  const [live] = run<{ auto_pause: string | null }>(
    db,
    "SELECT auto_pause FROM live_workflows WHERE workflow_id = ?",
    end.workflowId,
  );
  // Not live any more (paused, disabled, or a run that outlived its version's switch-off).
  const threshold = parseAutoPause(live?.auto_pause);
  if (!threshold) return null;
  const since = new Date(Date.parse(end.finishedAt) - threshold.minutes * 60_000).toISOString();
  run(
    db,
    "INSERT INTO pause_failures (workflow_id, run_id, at) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET at = excluded.at",
    end.workflowId,
    end.runId,
    end.finishedAt,
  );
  run(db, "DELETE FROM pause_failures WHERE workflow_id = ? AND at < ?", end.workflowId, since);
  const [{ n } = { n: 0 }] = run<{ n: number }>(
    db,
    "SELECT count(*) AS n FROM pause_failures WHERE workflow_id = ?",
    end.workflowId,
  );
  if (n < threshold.failures) return null;
  run(db, "DELETE FROM pause_failures WHERE workflow_id = ?", end.workflowId);
  run(db, "DELETE FROM live_workflows WHERE workflow_id = ?", end.workflowId);
  run(
    db,
    "INSERT INTO pending_pauses (workflow_id, at) VALUES (?, ?) ON CONFLICT DO NOTHING",
    end.workflowId,
    end.finishedAt,
  );
  return {
    id: `pause_${end.workflowId}_${end.runId}_${end.seq}`,
    kind: "paused",
    workflowId: end.workflowId,
    workflowName: end.workflowName,
    runId: end.runId,
    at: end.finishedAt,
    count: n,
    since,
    step: end.step?.name ?? null,
    error: end.error,
    threshold,
  };
}

/** Workflows paused by the store and not yet disabled in D1 (the live copy leaves them out). */
export function pendingPauseIds(db: StoreDb): Set<string> {
  return new Set(
    run<{ workflow_id: string }>(db, "SELECT workflow_id FROM pending_pauses").map(
      (r) => r.workflow_id,
    ),
  );
}

/** D1 has the pause: the live copy follows D1 again. */
export function settlePause(db: StoreDb, workflowId: string): void {
  run(db, "DELETE FROM pending_pauses WHERE workflow_id = ?", workflowId);
}
