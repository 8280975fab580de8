// GET /v1/runs in a tenant's store (issue 14): the runs index joined to each
// run's trigger event (both live in this store), so a page can show the
// event's key field, and `q` — an expression over the trigger event, as in
// a filter — can find runs by the event's fields ("payment.id ==
// 'pay_9004'"). There is no index on event fields, so a search is a scan;
// its work per request is bounded: it looks at SCAN_RUNS runs (or
// SCAN_BYTES of event data) at most and then answers with what it found and
// a cursor to continue from, so paging through a big history never holds
// the store for long.
import { payloadNameOf } from "@switchyard/engine";
import { compile, type Program } from "@switchyard/expr";
import { and, desc, eq, gte, lte, type SQL, sql } from "drizzle-orm";
import { olderThan } from "../repositories/keyset.ts";
import { eventKey } from "../services/event-key.ts";
import type { StoreDb } from "./db.ts";
import type { RunListQuery, RunRow } from "./runs.ts";
import { events, runs } from "./schema.ts";

/** Runs looked at per request when searching with `q`. */
export const SCAN_RUNS = 1_000;
/** Event data read per request when searching with `q` (JSON text). */
export const SCAN_BYTES = 8 * 1024 * 1024;
const BATCH = 100;
const CONTEXT_NAMES = new Set(["event", "steps", "workflow", "run", "now"]);

export interface RunSearch extends RunListQuery {
  until?: string | undefined;
  /** An expression over the trigger event (already checked by the route). */
  q?: string | undefined;
  /** Failed runs of this failure group (store/failure-groups.ts). */
  errorGroup?: string | undefined;
  /** Failed runs that failed at this step (its id without a loop index). */
  stepId?: string | undefined;
}

export type ListedRun = RunRow & { eventType: string | null; eventKey: string | null };

export interface RunSearchPage {
  items: ListedRun[];
  /** Where the next page starts, or null when nothing older can match. */
  next: { createdAt: string; id: string } | null;
  /** With `q`: how many runs this request looked at. */
  scanned?: number;
}

interface Joined {
  run: RunRow;
  eventType: string | null;
  data: string | null;
  occurredAt: string | null;
  source: string | null;
  changes: string | null;
}

function conditions(tenantId: string, q: RunSearch, after: RunSearch["after"]): SQL[] {
  const conds = [eq(runs.tenantId, tenantId)];
  if (q.workflowId) conds.push(eq(runs.workflowId, q.workflowId));
  if (q.status) conds.push(eq(runs.status, q.status));
  if (q.eventId) conds.push(eq(runs.eventId, q.eventId));
  if (q.since) conds.push(gte(runs.createdAt, q.since));
  if (q.until) conds.push(lte(runs.createdAt, q.until));
  if (q.errorGroup) conds.push(eq(runs.errorGroup, q.errorGroup));
  if (q.stepId)
    conds.push(
      sql`${runs.errorGroup} IN (SELECT id FROM failure_groups WHERE tenant_id = ${tenantId} AND step_id = ${q.stepId})`,
    );
  if (after) conds.push(olderThan(runs.createdAt, runs.id, after));
  return conds;
}

function joined(db: StoreDb, conds: SQL[], limit: number): Joined[] {
  return db
    .select({
      run: runs,
      eventType: events.type,
      data: events.data,
      occurredAt: events.occurredAt,
      source: events.source,
      changes: events.changes,
    })
    .from(runs)
    .leftJoin(events, and(eq(events.tenantId, runs.tenantId), eq(events.id, runs.eventId)))
    .where(and(...conds))
    .orderBy(desc(runs.createdAt), desc(runs.id))
    .limit(limit)
    .all();
}

function parse(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** What `q` sees: the event envelope as `event`, and its data under the type's first segment. */
export function searchContext(j: Joined, data: unknown): Record<string, unknown> {
  const event: Record<string, unknown> = {
    id: j.run.eventId,
    type: j.eventType,
    data,
    occurredAt: j.occurredAt,
    source: j.source,
  };
  if (j.changes !== null) event.changes = parse(j.changes);
  const context: Record<string, unknown> = { event };
  const name = j.eventType ? payloadNameOf(j.eventType) : null;
  if (name !== null && !CONTEXT_NAMES.has(name)) context[name] = data;
  return context;
}

/** True only when the expression says true; an error (a missing field) is no match. */
function matches(program: Program, context: object): boolean {
  try {
    return program.evaluate(context) === true;
  } catch {
    return false;
  }
}

const listed = (j: Joined, data: unknown): ListedRun => ({
  ...j.run,
  eventType: j.eventType,
  eventKey: j.eventType ? eventKey(j.eventType, data) : null,
});

/** A page of runs, newest first, keyset-paged on (createdAt, id). */
export function searchRuns(db: StoreDb, tenantId: string, q: RunSearch): RunSearchPage {
  if (!q.q) {
    const rows = joined(db, conditions(tenantId, q, q.after), q.limit + 1);
    const items = rows.slice(0, q.limit).map((j) => listed(j, parse(j.data)));
    const last = items[items.length - 1];
    return {
      items,
      next: rows.length > q.limit && last ? { createdAt: last.createdAt, id: last.id } : null,
    };
  }
  const program = compile(q.q);
  const items: ListedRun[] = [];
  let after = q.after ?? null;
  let scanned = 0;
  let bytes = 0;
  while (scanned < SCAN_RUNS && bytes < SCAN_BYTES) {
    const size = Math.min(BATCH, SCAN_RUNS - scanned);
    const batch = joined(db, conditions(tenantId, q, after), size);
    for (const j of batch) {
      scanned++;
      bytes += j.data?.length ?? 0;
      after = { createdAt: j.run.createdAt, id: j.run.id };
      const data = parse(j.data);
      if (j.eventType !== null && matches(program, searchContext(j, data))) {
        items.push(listed(j, data));
        // One more than a page: the page is full and more may follow.
        if (items.length > q.limit) {
          const page = items.slice(0, q.limit);
          const last = page[page.length - 1]!;
          return { items: page, next: { createdAt: last.createdAt, id: last.id }, scanned };
        }
      }
      if (bytes >= SCAN_BYTES) break;
    }
    if (batch.length < size && bytes < SCAN_BYTES) {
      return { items, next: null, scanned };
    }
  }
  // The window is spent: continue after the last run looked at.
  return { items, next: after, scanned };
}
