// Tracked jobs in a tenant's store (issue 16, item 2): a bulk retry is a
// job row plus its runs in the order it takes them (oldest first), driven
// by the store's alarm a few runs at a time — throttled, so a thousand
// retries never flood the queue or the targets at once — and cancellable
// between any two runs. Each run's outcome is kept: retried, refused (the
// run object said why) or skipped (no longer failed when its turn came).
import type { WorkflowDefinition } from "@switchyard/engine";
import { and, desc, eq } from "drizzle-orm";
import type { Actor } from "../auth/principal.ts";
import { createDb } from "../db/client.ts";
import type { Env } from "../env.ts";
import { olderThan } from "../repositories/keyset.ts";
import { getVersionRow } from "../repositories/workflows.ts";
import { runnable } from "../services/drafts.ts";
import type { StoreDb } from "./db.ts";
import { run } from "./raw.ts";
import { type OwedEntry, type RunLogInput, RunLogType } from "./run-log.ts";
import { getRunRow } from "./runs.ts";
import { jobs } from "./schema.ts";

/** Runs retried per second, at most (the default throttle). */
export const RUNS_PER_SECOND = 5;
/** Runs one alarm pass takes, at most. */
export const RUNS_PER_PASS = 10;
/** Refused runs a job's view lists. */
export const FAILURES_LISTED = 50;

export const JobStatus = {
  queued: "queued",
  running: "running",
  succeeded: "succeeded",
  cancelled: "cancelled",
  failed: "failed",
} as const;
export type JobStatus = (typeof JobStatus)[keyof typeof JobStatus];

export const JobOutcome = { retried: "retried", refused: "refused", skipped: "skipped" } as const;
export type JobOutcome = (typeof JobOutcome)[keyof typeof JobOutcome];

const ACTIVE = `('${JobStatus.queued}', '${JobStatus.running}')`;

export type JobRow = typeof jobs.$inferSelect;

export interface JobView {
  id: string;
  kind: "bulk_retry";
  status: JobStatus;
  total: number;
  /** Runs taken so far, whatever their outcome (retried + refused + skipped). */
  done: number;
  /** Runs the retry refused (see `failures`). */
  failed: number;
  /** Runs no longer failed when their turn came. */
  skipped: number;
  createdAt: string;
  createdBy: Actor;
  finishedAt: string | null;
  selection: Record<string, unknown>;
  failures: { runId: string; reason: string }[];
}

export interface NewJob {
  id: string;
  selection: Record<string, unknown>;
  /** The version each workflow's runs move to (null: none, its runs are refused); a workflow not named keeps each run's own. */
  targets: Record<string, number | null>;
  createdBy: Actor;
  runIds: string[];
  at: string;
  now: number;
}

/** Stores a job and its runs in one transaction; the caller arms the alarm for `now`. */
export function insertJob(db: StoreDb, tenantId: string, job: NewJob): void {
  db.transaction((tx) => {
    const t = tx as unknown as StoreDb;
    run(
      t,
      `INSERT INTO jobs (tenant_id, id, kind, status, selection, targets, total, done, failed, skipped, created_by, created_at, finished_at, next_at)
       VALUES (?, ?, 'bulk_retry', ?, ?, ?, ?, 0, 0, 0, ?, ?, NULL, ?)`,
      tenantId,
      job.id,
      job.runIds.length === 0 ? JobStatus.succeeded : JobStatus.queued,
      JSON.stringify(job.selection),
      JSON.stringify(job.targets),
      job.runIds.length,
      JSON.stringify(job.createdBy),
      job.at,
      job.now,
    );
    if (job.runIds.length === 0) {
      run(
        t,
        "UPDATE jobs SET finished_at = ? WHERE tenant_id = ? AND id = ?",
        job.at,
        tenantId,
        job.id,
      );
    }
    job.runIds.forEach((runId, position) => {
      run(
        t,
        "INSERT INTO job_runs (tenant_id, job_id, position, run_id, outcome, reason) VALUES (?, ?, ?, ?, NULL, NULL)",
        tenantId,
        job.id,
        position,
        runId,
      );
    });
  });
}

export function getJobRow(db: StoreDb, tenantId: string, id: string): JobRow | undefined {
  return db
    .select()
    .from(jobs)
    .where(and(eq(jobs.tenantId, tenantId), eq(jobs.id, id)))
    .get();
}

/** A job as the API shows it, with its first refused runs. */
export function jobView(db: StoreDb, row: JobRow): JobView {
  const failures = run<{ run_id: string; reason: string | null }>(
    db,
    `SELECT run_id, reason FROM job_runs WHERE tenant_id = ? AND job_id = ? AND outcome = '${JobOutcome.refused}'
      ORDER BY position LIMIT ?`,
    row.tenantId,
    row.id,
    FAILURES_LISTED,
  );
  return {
    id: row.id,
    kind: "bulk_retry",
    status: row.status as JobStatus,
    total: row.total,
    done: row.done,
    failed: row.failed,
    skipped: row.skipped,
    createdAt: row.createdAt,
    createdBy: JSON.parse(row.createdBy) as Actor,
    finishedAt: row.finishedAt,
    selection: JSON.parse(row.selection) as Record<string, unknown>,
    failures: failures.map((f) => ({ runId: f.run_id, reason: f.reason ?? "" })),
  };
}

/** Newest first, keyset-paged on (createdAt, id); fetches limit + 1. */
export function listJobRows(
  db: StoreDb,
  tenantId: string,
  q: { limit: number; after?: { createdAt: string; id: string } | null | undefined },
): JobRow[] {
  const conds = [eq(jobs.tenantId, tenantId)];
  if (q.after) conds.push(olderThan(jobs.createdAt, jobs.id, q.after));
  return db
    .select()
    .from(jobs)
    .where(and(...conds))
    .orderBy(desc(jobs.createdAt), desc(jobs.id))
    .limit(q.limit + 1)
    .all();
}

/**
 * Cancels a queued or running job: no run is taken after this (a run
 * already retried stays retried). `finished` when it had already ended.
 */
export function cancelJob(
  db: StoreDb,
  tenantId: string,
  id: string,
  at: string,
): "cancelled" | "finished" | "missing" {
  const changed = run<{ id: string }>(
    db,
    `UPDATE jobs SET status = '${JobStatus.cancelled}', finished_at = ?
      WHERE tenant_id = ? AND id = ? AND status IN ${ACTIVE} RETURNING id`,
    at,
    tenantId,
    id,
  );
  if (changed.length > 0) return "cancelled";
  return getJobRow(db, tenantId, id) ? "finished" : "missing";
}

/** When the next active job is due (ms), or null without one. */
export function nextJobAt(db: StoreDb): number | null {
  return (
    run<{ at: number | null }>(
      db,
      `SELECT min(next_at) AS at FROM jobs WHERE status IN ${ACTIVE}`,
    )[0]?.at ?? null
  );
}

type Target = { version: number; definition: WorkflowDefinition } | undefined;

/**
 * How a job retries one run: the store's `retryRun` (store-core.ts), which
 * applies flow control and then calls the run object's `retry`, exactly as
 * POST /v1/runs/:id/retry does.
 */
export type RetryRun = (
  runId: string,
  to: Target,
  owed: OwedEntry,
) => Promise<{ ok: true; status: string } | { ok: false; reason: string; message: string }>;

/**
 * Retries one run of a job: the one place a job touches a run (through
 * `retry`). Audited like POST /v1/runs/:id/retry (a `run.retried` entry
 * committed with the retry, by the run), with the job's id in its details.
 */
async function retryOne(
  retry: RetryRun,
  db: StoreDb,
  tenantId: string,
  job: JobRow,
  runId: string,
  target: (workflowId: string) => Promise<Target | string>,
): Promise<{ outcome: JobOutcome; reason: string | null }> {
  const row = getRunRow(db, tenantId, runId);
  if (!row) return { outcome: JobOutcome.skipped, reason: "the run is gone (retention)" };
  if (row.status !== "failed") {
    return { outcome: JobOutcome.skipped, reason: `no longer failed: it is ${row.status}` };
  }
  const to = await target(row.workflowId);
  if (typeof to === "string") return { outcome: JobOutcome.refused, reason: to };
  const entry: RunLogInput = {
    id: `au_ret_${job.id}_${runId}`,
    type: RunLogType.runRetried,
    actor: JSON.parse(job.createdBy) as Actor,
    subject: runId,
    details: {
      workflowId: row.workflowId,
      fromVersion: row.workflowVersion,
      toVersion: to?.version ?? row.workflowVersion,
      jobId: job.id,
    },
  };
  try {
    const reply = await retry(runId, to, { entry });
    if (reply.ok) return { outcome: JobOutcome.retried, reason: null };
    return { outcome: JobOutcome.refused, reason: reply.message };
  } catch (err) {
    return {
      outcome: JobOutcome.refused,
      reason: `the run could not be reached: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
}

/** Jobs being driven in this object now: an alarm pass never overlaps another's work on a job. */
const driving = new Set<string>();

/**
 * One alarm pass: the oldest due job takes its next runs (at most
 * RUNS_PER_PASS), checking before each that it was not cancelled, then
 * waits long enough to keep RUNS_PER_SECOND. Answers when the store's
 * alarm should come back for jobs, or null when none is active.
 */
export async function driveJobs(
  env: Env,
  db: StoreDb,
  tenantId: string,
  now: number,
  retry: RetryRun,
): Promise<number | null> {
  const due = run<{ id: string }>(
    db,
    `SELECT id FROM jobs WHERE tenant_id = ? AND status IN ${ACTIVE} AND next_at <= ?
      ORDER BY created_at, id LIMIT 1`,
    tenantId,
    now,
  )[0];
  if (!due || driving.has(`${tenantId}:${due.id}`)) return nextJobAt(db);
  const key = `${tenantId}:${due.id}`;
  driving.add(key);
  try {
    await pass(env, db, tenantId, due.id, now, retry);
  } finally {
    driving.delete(key);
  }
  return nextJobAt(db);
}

async function pass(
  env: Env,
  db: StoreDb,
  tenantId: string,
  jobId: string,
  now: number,
  retry: RetryRun,
) {
  const d1 = createDb(env.DB);
  const targets = JSON.parse(getJobRow(db, tenantId, jobId)!.targets) as Record<
    string,
    number | null
  >;
  const loaded = new Map<string, Target | string>();
  const target = async (workflowId: string): Promise<Target | string> => {
    const version = targets[workflowId];
    if (version === undefined) return undefined;
    if (version === null) return "its workflow has no live version";
    if (!loaded.has(workflowId)) {
      const v = await getVersionRow(d1, tenantId, workflowId, version);
      let t: Target | string;
      try {
        t = v
          ? { version, definition: runnable(version, v.definition, "run") }
          : `version ${version} no longer exists`;
      } catch (err) {
        t = err instanceof Error ? err.message : String(err);
      }
      loaded.set(workflowId, t);
    }
    return loaded.get(workflowId);
  };
  run(
    db,
    `UPDATE jobs SET status = '${JobStatus.running}' WHERE tenant_id = ? AND id = ? AND status = '${JobStatus.queued}'`,
    tenantId,
    jobId,
  );
  const next = run<{ position: number; run_id: string }>(
    db,
    "SELECT position, run_id FROM job_runs WHERE tenant_id = ? AND job_id = ? AND outcome IS NULL ORDER BY position LIMIT ?",
    tenantId,
    jobId,
    RUNS_PER_PASS,
  );
  let taken = 0;
  for (const r of next) {
    // A cancel may have landed while the previous run was being retried.
    const job = getJobRow(db, tenantId, jobId)!;
    if (job.status !== JobStatus.running) return;
    const { outcome, reason } = await retryOne(retry, db, tenantId, job, r.run_id, target);
    taken += 1;
    db.transaction((tx) => {
      const t = tx as unknown as StoreDb;
      run(
        t,
        "UPDATE job_runs SET outcome = ?, reason = ? WHERE tenant_id = ? AND job_id = ? AND position = ?",
        outcome,
        reason,
        tenantId,
        jobId,
        r.position,
      );
      run(
        t,
        `UPDATE jobs SET done = done + 1,
           failed = failed + ${outcome === JobOutcome.refused ? 1 : 0},
           skipped = skipped + ${outcome === JobOutcome.skipped ? 1 : 0}
         WHERE tenant_id = ? AND id = ?`,
        tenantId,
        jobId,
      );
    });
  }
  const left = run<{ n: number }>(
    db,
    "SELECT count(*) AS n FROM job_runs WHERE tenant_id = ? AND job_id = ? AND outcome IS NULL",
    tenantId,
    jobId,
  )[0]!.n;
  if (left === 0) {
    // Failed: not one of its runs could be retried (all refused); else succeeded, counts say the rest.
    run(
      db,
      `UPDATE jobs SET finished_at = ?,
         status = CASE WHEN failed > 0 AND done - failed - skipped = 0 THEN '${JobStatus.failed}' ELSE '${JobStatus.succeeded}' END
        WHERE tenant_id = ? AND id = ? AND status = '${JobStatus.running}'`,
      new Date().toISOString(),
      tenantId,
      jobId,
    );
  } else {
    run(
      db,
      "UPDATE jobs SET next_at = ? WHERE tenant_id = ? AND id = ?",
      now + Math.ceil((Math.max(taken, 1) * 1000) / RUNS_PER_SECOND),
      tenantId,
      jobId,
    );
  }
}

/** Retention (store/retention.ts): jobs that finished before `cutoff` go, with their runs. */
export function purgeFinishedJobs(db: StoreDb, cutoff: string): void {
  const old = run<{ tenant_id: string; id: string }>(
    db,
    `SELECT tenant_id, id FROM jobs WHERE status NOT IN ${ACTIVE} AND finished_at < ? LIMIT 100`,
    cutoff,
  );
  for (const j of old) {
    run(db, "DELETE FROM job_runs WHERE tenant_id = ? AND job_id = ?", j.tenant_id, j.id);
    run(db, "DELETE FROM jobs WHERE tenant_id = ? AND id = ?", j.tenant_id, j.id);
  }
}
