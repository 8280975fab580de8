// Bulk retry (issue 16, item 2), the store's half: which failed runs a
// selection names (oldest first, capped), and which planned effects are
// already recorded so a retry will not fire them again — the effect markers
// of the targets we own and the delivery ledger of email and SMS, all by the
// step's idempotency key (`<runId>:<stepInstanceId>`, engine run/attempts.ts).
import type { StoreDb } from "./db.ts";
import { groupsById } from "./failure-groups.ts";
import { run } from "./raw.ts";

/** More matching runs than this and a bulk retry asks for a narrower selection. */
export const BULK_RETRY_LIMIT = 1_000;
/** Ids per statement: a Durable Object's SQLite takes 100 bound parameters at most. */
const CHUNK = 90;

export interface RetrySelection {
  workflowId?: string | undefined;
  /** Runs created at or after / at or before (ISO), as in the runs list. */
  since?: string | undefined;
  until?: string | undefined;
  errorGroup?: string | undefined;
  /** The failed step's id, without a loop index. */
  stepId?: string | undefined;
}

export interface SelectedRun {
  id: string;
  workflowId: string;
  workflowVersion: number;
  createdAt: string;
  /** The run's error (JSON), as the runs index keeps it. */
  error: string | null;
  /** Its failure group: where and how it failed. */
  group: {
    id: string;
    stepId: string;
    action: string | null;
    code: string;
    message: string;
  } | null;
}

/**
 * The failed runs a selection names, oldest first; with more than `cap`
 * of them only the count (the caller refuses). Only runs with a run object
 * are retryable (a filter that failed ended the run before any step).
 */
export function selectFailedRuns(
  db: StoreDb,
  tenantId: string,
  sel: RetrySelection,
  cap = BULK_RETRY_LIMIT,
): { count: number; runs: SelectedRun[] } {
  const conds = ["tenant_id = ?", "status = 'failed'", "has_object = 1"];
  const params: unknown[] = [tenantId];
  const add = (cond: string, value: unknown) => {
    conds.push(cond);
    params.push(value);
  };
  if (sel.workflowId) add("workflow_id = ?", sel.workflowId);
  if (sel.since) add("created_at >= ?", sel.since);
  if (sel.until) add("created_at <= ?", sel.until);
  if (sel.errorGroup) add("error_group = ?", sel.errorGroup);
  if (sel.stepId) {
    conds.push(
      "error_group IN (SELECT id FROM failure_groups WHERE tenant_id = ? AND step_id = ?)",
    );
    params.push(tenantId, sel.stepId);
  }
  const where = conds.join(" AND ");
  const count = run<{ n: number }>(
    db,
    `SELECT count(*) AS n FROM runs WHERE ${where}`,
    ...params,
  )[0]!.n;
  if (count > cap) return { count, runs: [] };
  const rows = run<{
    id: string;
    workflow_id: string;
    workflow_version: number;
    created_at: string;
    error: string | null;
    error_group: string | null;
  }>(
    db,
    `SELECT id, workflow_id, workflow_version, created_at, error, error_group FROM runs
      WHERE ${where} ORDER BY created_at ASC, id ASC LIMIT ?`,
    ...params,
    cap,
  );
  const groups = groupsById(
    db,
    tenantId,
    rows.flatMap((r) => (r.error_group ? [r.error_group] : [])),
  );
  return {
    count,
    runs: rows.map((r) => {
      const g = r.error_group ? groups.get(r.error_group) : undefined;
      return {
        id: r.id,
        workflowId: r.workflow_id,
        workflowVersion: r.workflow_version,
        createdAt: r.created_at,
        error: r.error,
        group: g ? { id: r.error_group!, ...g } : null,
      };
    }),
  };
}

/** A step instance a retry would run, with its action. */
export interface PlannedEffect {
  runId: string;
  stepId: string;
  action: string;
}

const keyOf = (e: PlannedEffect) => `${e.runId}:${e.stepId}`;

/** The keys among `keys` present in `table`'s `column` (chunked under the parameter limit). */
function present(
  db: StoreDb,
  tenantId: string,
  table: string,
  column: string,
  keys: string[],
  extra = "",
): Set<string> {
  const found = new Set<string>();
  for (let i = 0; i < keys.length; i += CHUNK) {
    const chunk = keys.slice(i, i + CHUNK);
    for (const r of run<{ k: string }>(
      db,
      `SELECT ${column} AS k FROM ${table} WHERE tenant_id = ? AND ${column} IN (${chunk.map(() => "?").join(", ")})${extra}`,
      tenantId,
      ...chunk,
    )) {
      found.add(r.k);
    }
  }
  return found;
}

/**
 * Of the planned effects, the idempotency keys whose effect is already
 * recorded, so the retry will not perform it again: the marker of a
 * record update (effects), a task, a notification, an approval (by run and
 * step), a message in the outbox, or a delivery the ledger holds as sent.
 * A webhook call has no such record: it is at-least-once.
 */
export function recordedEffects(
  db: StoreDb,
  tenantId: string,
  planned: PlannedEffect[],
): Set<string> {
  const by = (actions: string[]) => planned.filter((e) => actions.includes(e.action)).map(keyOf);
  const out = new Set<string>();
  const merge = (s: Set<string>) => {
    for (const k of s) out.add(k);
  };
  merge(present(db, tenantId, "effects", "idempotency_key", by(["update_record"])));
  merge(present(db, tenantId, "tasks", "idempotency_key", by(["create_task"])));
  merge(present(db, tenantId, "notifications", "idempotency_key", by(["notify_user"])));
  const messages = by(["send_email", "send_sms"]);
  merge(present(db, tenantId, "outbox", "idempotency_key", messages));
  merge(present(db, tenantId, "deliveries", "idempotency_key", messages, " AND status = 'sent'"));
  const approvals = planned.filter((e) => e.action === "request_approval");
  const runIds = [...new Set(approvals.map((e) => e.runId))];
  const wanted = new Set(approvals.map(keyOf));
  for (let i = 0; i < runIds.length; i += CHUNK) {
    const chunk = runIds.slice(i, i + CHUNK);
    for (const r of run<{ k: string }>(
      db,
      `SELECT run_id || ':' || step_id AS k FROM approvals WHERE tenant_id = ? AND run_id IN (${chunk.map(() => "?").join(", ")})`,
      tenantId,
      ...chunk,
    )) {
      if (wanted.has(r.k)) out.add(r.k);
    }
  }
  return out;
}
