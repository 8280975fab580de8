// The runs index of a tenant's store: one row per run, what GET /v1/runs
// lists and filters. A run's steps live in its WorkflowRun object; the row
// changes when the run starts, changes status and ends, never per step.
// Runs that end at matching (filtered, filter-failed, suppressed) have no
// object: their row keeps their steps.
import { instanceId, type RunState } from "@switchyard/engine";
import { and, desc, eq, gte } from "drizzle-orm";
import { olderThan } from "../repositories/keyset.ts";
import type { StoreDb } from "./db.ts";
import { type FailureSignature, failureSignature, noteFailure } from "./failure-groups.ts";
import { insertOf, run } from "./raw.ts";
import { type ItemCounts, iso, itemStatus, stepViews } from "./run-steps.ts";
import { runAudit, runs } from "./schema.ts";

export type { StepView } from "./run-steps.ts";
export { stepViews } from "./run-steps.ts";

/** A row of the runs index; `errorGroup` may be left out where a row is built by hand (null). */
export type RunRow = Omit<typeof runs.$inferSelect, "errorGroup"> & { errorGroup?: string | null };

/**
 * An index row as it is written: with a failed run's signature, for its
 * failure group (runIndexRow sets both; a row built without them has none).
 */
export type IndexedRunRow = RunRow & { failure?: FailureSignature | null };

/** A loop's failed items an audit record names (the rest are only counted). */
export const AUDITED_FAILED_ITEMS = 20;

const json = (v: unknown): string | null =>
  v === null || v === undefined ? null : JSON.stringify(v);

/** The index row of a run at this checkpoint. */
export function runIndexRow(
  tenantId: string,
  state: RunState,
  at: string,
  hasObject: boolean,
): RunRow & { failure: FailureSignature | null } {
  const failure = failureSignature(state);
  return {
    tenantId,
    id: state.runId,
    workflowId: state.workflowId,
    workflowVersion: state.version,
    eventId: state.event.id,
    status: state.status,
    test: state.test,
    startedAt: iso(state.startedAt),
    finishedAt: iso(state.finishedAt),
    causation: JSON.stringify(state.causation),
    filter: json(state.filter),
    suppression: json(state.suppression),
    error: json(state.error),
    seq: state.seq,
    hasObject,
    steps: hasObject ? null : JSON.stringify(stepViews(state)),
    createdAt: at,
    updatedAt: at,
    errorGroup: failure?.id ?? null,
    failure,
  };
}

/**
 * Writes the row; an update carrying an older checkpoint than the stored
 * one changes nothing, so index updates only move forward.
 */
// At the same checkpoint, a run object's word wins over a settled
// projection (a run the matcher once settled and later started), so a
// filtered row can never hide the object's real status.
const UPSERT_RUN = insertOf(
  runs,
  `ON CONFLICT (tenant_id, id) DO UPDATE SET
     workflow_version = excluded.workflow_version, status = excluded.status,
     started_at = excluded.started_at, finished_at = excluded.finished_at,
     filter = excluded.filter, suppression = excluded.suppression, error = excluded.error,
     seq = excluded.seq, has_object = excluded.has_object, steps = excluded.steps,
     updated_at = excluded.updated_at, error_group = excluded.error_group
   WHERE excluded.seq > runs.seq OR (excluded.seq = runs.seq AND excluded.has_object = 1 AND runs.has_object = 0)`,
);

export function upsertRun(db: StoreDb, row: IndexedRunRow): void {
  run(db, UPSERT_RUN.sql, ...UPSERT_RUN.params(row));
  // Its failure group's first and last sighting (store/failure-groups.ts): idempotent, so a
  // repeated or stale checkpoint of the same end changes nothing.
  if (row.failure)
    noteFailure(db, row.tenantId, row.id, row.failure, row.finishedAt ?? row.updatedAt);
}

/** True when the index knows the run. */
export function hasRun(db: StoreDb, id: string): boolean {
  return run(db, "SELECT 1 AS one FROM runs WHERE id = ? LIMIT 1", id).length > 0;
}

export function getRunRow(db: StoreDb, tenantId: string, id: string): RunRow | undefined {
  return db
    .select()
    .from(runs)
    .where(and(eq(runs.tenantId, tenantId), eq(runs.id, id)))
    .get();
}

export interface RunListQuery {
  workflowId?: string | undefined;
  status?: string | undefined;
  eventId?: string | undefined;
  since?: string | undefined;
  limit: number;
  after?: { createdAt: string; id: string } | null | undefined;
}

/** Newest first, keyset-paged on (createdAt, id). Fetches limit + 1. */
export function listRunRows(db: StoreDb, tenantId: string, q: RunListQuery): RunRow[] {
  const conds = [eq(runs.tenantId, tenantId)];
  if (q.workflowId) conds.push(eq(runs.workflowId, q.workflowId));
  if (q.status) conds.push(eq(runs.status, q.status));
  if (q.eventId) conds.push(eq(runs.eventId, q.eventId));
  if (q.since) conds.push(gte(runs.createdAt, q.since));
  if (q.after) conds.push(olderThan(runs.createdAt, runs.id, q.after));
  return db
    .select()
    .from(runs)
    .where(and(...conds))
    .orderBy(desc(runs.createdAt), desc(runs.id))
    .limit(q.limit + 1)
    .all();
}

/** A finished run's audit record: compact, no payloads (archived to D1 in segments). */
export interface RunAuditRecord {
  id: string;
  runId: string;
  workflowId: string;
  version: number;
  eventId: string;
  eventType: string;
  status: string;
  test: boolean;
  filter: { expression: string | null; result: boolean | null; error?: string } | null;
  suppression: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  steps: {
    id: string;
    action?: string;
    status: string;
    attempts: number;
    startedAt: string | null;
    finishedAt: string | null;
    error?: { code: string; message: string };
    /** A forEach step: its items counted, never listed (a record does not grow with a list). */
    items?: Omit<ItemCounts, "listed">;
    /** A forEach step: its first failed items (at most AUDITED_FAILED_ITEMS), by index. */
    failedItems?: { index: number; error?: { code: string; message: string } }[];
  }[];
}

/** Statuses a run ends in (it may start again only by an explicit retry). */
export const FINAL_STATUSES: readonly string[] = [
  "succeeded",
  "failed",
  "cancelled",
  "filtered",
  "suppressed",
  // A schedule's occurrence that did not run (overlap, missed): store/schedules.ts.
  "skipped",
];

export function runAuditRecord(state: RunState): RunAuditRecord {
  const f = state.filter;
  return {
    id: `${state.runId}:${state.seq}`,
    runId: state.runId,
    workflowId: state.workflowId,
    version: state.version,
    eventId: state.event.id,
    eventType: state.event.type,
    status: state.status,
    test: state.test,
    filter: f
      ? {
          expression: f.expression,
          result: f.result,
          ...(f.error ? { error: f.error.code } : {}),
        }
      : null,
    suppression: state.suppression?.reason ?? null,
    startedAt: iso(state.startedAt),
    finishedAt: iso(state.finishedAt),
    steps: state.order.map((id) => {
      const s = state.steps[id]!;
      return {
        id,
        ...(s.action ? { action: s.action } : {}),
        status: s.status,
        attempts: s.attempt,
        startedAt: iso(s.startedAt),
        finishedAt: iso(s.finishedAt),
        ...(s.error ? { error: auditError(s.error) } : {}),
        ...(s.loop ? loopAudit(state, id, s.loop.total) : {}),
      };
    }),
  };
}

const auditError = (e: { code: string; message: string }) => ({
  code: e.code,
  message: e.message.slice(0, 300),
});

/** A loop step's counts and its first failed items' errors (read once, when the run ends). */
function loopAudit(
  state: RunState,
  id: string,
  total: number,
): Pick<RunAuditRecord["steps"][number], "items" | "failedItems"> {
  const items = { total, pending: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0 };
  const failedItems: NonNullable<RunAuditRecord["steps"][number]["failedItems"]> = [];
  for (let index = 0; index < total; index++) {
    const item = state.steps[instanceId(id, [index])];
    if (item === undefined) {
      items.pending += 1;
      continue;
    }
    const status = itemStatus(item);
    items[status] += 1;
    if (status === "failed" && failedItems.length < AUDITED_FAILED_ITEMS) {
      failedItems.push({ index, ...(item.error ? { error: auditError(item.error) } : {}) });
    }
  }
  return { items, failedItems };
}

const INSERT_RUN_AUDIT = insertOf(runAudit, "ON CONFLICT DO NOTHING");

export function appendRunAudit(db: StoreDb, tenantId: string, record: RunAuditRecord): void {
  run(
    db,
    INSERT_RUN_AUDIT.sql,
    ...INSERT_RUN_AUDIT.params({
      id: record.id,
      tenantId,
      at: record.finishedAt ?? new Date().toISOString(),
      record: JSON.stringify(record),
      archivedIn: null,
    }),
  );
}
