// Open waits in a tenant's store (issue 15, part 3): a run's waitFor step
// waiting for an event. The run's object opens and closes them (its
// engine's openWait / closeWait commands); the store finds the waits an
// incoming event may resume by their keys and tells each run
// `resumeWait(stepId, event)`, where the engine evaluates the whole match
// (a redelivery, or an event that only shares the keys, is ignored there).
//
// Indexed, never a scan of the open waits per event: a wait's row carries
// its event type, its key paths (`event.<path> == <expr>` conjuncts of its
// match, engine waits/keys.ts) and the hash of their values when it opened.
// An event costs one indexed lookup per distinct key path set among the
// open waits of its type (found by an index skip-scan, O(sets · log n)).
// A wait whose match has no such conjunct (or none) is "unkeyed": every
// event of its type is a candidate, one call to its run each. That is the
// slow case; the builder should nudge people to `event.data.x == …`.
//
// Look-back ("no missed events"): when a wait opens, the events of its
// types received since the run's trigger event are searched too, newest
// LOOK_BACK_LIMIT at most, and never past the tenant's retention (older
// events are purged anyway); the run gets the matching ones, oldest first.
import { type EventEnvelope, eventKey, type IndexedWait, waitKey } from "@switchyard/engine";
import type { Env } from "../env.ts";
import type { StoreDb } from "./db.ts";
import { type EventRow, getEventRow } from "./events.ts";
import { envelopeOf } from "./matching.ts";
import { run } from "./raw.ts";
import { retentionDays } from "./retention.ts";

/** At most this many earlier events are looked at when a wait opens. */
export const LOOK_BACK_LIMIT = 1000;
const DAY_MS = 24 * 60 * 60_000;

/** What a run's openWait command tells the store. */
export interface OpenWait {
  runId: string;
  workflowId: string;
  stepId: string;
  events: string[];
  match: string | null;
  keys: Record<string, unknown>;
  deadline: number;
  triggerEventId: string;
  /** The run's trigger time (ms): the look-back's start when the trigger event is gone. */
  since: number;
}

/**
 * A key's value: JSON (the RPC stub's types give up on `unknown` and on
 * recursive types, so the store hands it out as a plain object).
 */
export type JsonValue = string | number | boolean | null | object;

/** A wait as GET /v1/waits shows it. */
export interface WaitView {
  runId: string;
  stepId: string;
  workflowId: string;
  event: string[];
  match: string | null;
  keys: Record<string, JsonValue>;
  /** RFC 3339. */
  deadline: string;
  openedAt: string;
}

interface WaitRow extends Record<string, string | number | null> {
  run_id: string;
  step_id: string;
  event_type: string;
  workflow_id: string;
  events: string;
  match: string | null;
  keys: string;
  deadline: number;
  opened_at: number;
}

/**
 * Stores the wait (idempotent: a replayed command changes nothing) and
 * answers the events that arrived before it opened and may resume it,
 * oldest first.
 */
export function openWait(db: StoreDb, tenantId: string, w: OpenWait, now: number): EventEnvelope[] {
  const key = waitKey(w.keys);
  for (const type of new Set(w.events)) {
    run(
      db,
      `INSERT INTO waits (tenant_id, run_id, step_id, event_type, workflow_id, events, match, keys, key_paths, key_hash, deadline, opened_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (run_id, step_id, event_type) DO NOTHING`,
      tenantId,
      w.runId,
      w.stepId,
      type,
      w.workflowId,
      JSON.stringify(w.events),
      w.match,
      JSON.stringify(w.keys),
      key.pathSet,
      key.hash,
      w.deadline,
      now,
    );
  }
  return lookBack(db, tenantId, w, key, now);
}

function lookBack(
  db: StoreDb,
  tenantId: string,
  w: OpenWait,
  key: { pathSet: string; hash: string },
  now: number,
): EventEnvelope[] {
  const trigger = getEventRow(db, tenantId, w.triggerEventId);
  const start = trigger ? Date.parse(trigger.receivedAt) : w.since;
  const since = new Date(Math.max(start, now - retentionDays(db) * DAY_MS)).toISOString();
  const rows: EventRow[] = [];
  for (const type of new Set(w.events)) {
    rows.push(
      ...run<Record<string, string | number | null>>(
        db,
        `SELECT * FROM events WHERE tenant_id = ? AND type = ? AND received_at >= ? AND id != ?
           AND only_version IS NULL
         ORDER BY received_at DESC, id DESC LIMIT ?`,
        tenantId,
        type,
        since,
        w.triggerEventId,
        LOOK_BACK_LIMIT,
      ).map(eventRowOf),
    );
  }
  return rows
    .sort((a, b) => (a.receivedAt < b.receivedAt ? 1 : a.receivedAt > b.receivedAt ? -1 : 0))
    .slice(0, LOOK_BACK_LIMIT)
    .reverse()
    .map(envelopeOf)
    .filter((e) => eventKey(e, key.pathSet) === key.hash);
}

function eventRowOf(r: Record<string, string | number | null>): EventRow {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    type: r.type,
    data: r.data,
    changes: r.changes,
    occurredAt: r.occurred_at,
    receivedAt: r.received_at,
    source: r.source,
  } as unknown as EventRow;
}

/** The wait ended (resumed, timed out, cancelled, its run gone). */
export function closeWait(db: StoreDb, runId: string, stepId: string): void {
  run(db, "DELETE FROM waits WHERE run_id = ? AND step_id = ?", runId, stepId);
}

/**
 * The open waits an event may resume: per distinct key path set of its
 * type (an index skip-scan), the waits whose key hash is the event's.
 */
export function waitsFor(db: StoreDb, event: EventEnvelope): IndexedWait[] {
  const sets = run<{ k: string | null }>(
    db,
    `WITH RECURSIVE p(k) AS (
       SELECT MIN(key_paths) FROM waits WHERE event_type = ?1
       UNION ALL
       SELECT (SELECT MIN(key_paths) FROM waits WHERE event_type = ?1 AND key_paths > p.k)
       FROM p WHERE p.k IS NOT NULL
     ) SELECT k FROM p WHERE k IS NOT NULL`,
    event.type,
  );
  const out: IndexedWait[] = [];
  for (const { k } of sets) {
    const hash = eventKey(event, k ?? "");
    if (hash === null) continue;
    for (const r of run<WaitRow>(
      db,
      "SELECT * FROM waits WHERE event_type = ? AND key_paths = ? AND key_hash = ?",
      event.type,
      k ?? "",
      hash,
    )) {
      out.push({
        runId: r.run_id,
        stepId: r.step_id,
        types: JSON.parse(r.events) as string[],
        keys: JSON.parse(r.keys) as Record<string, unknown>,
      });
    }
  }
  return out;
}

/**
 * Tells every run waiting for one of these events (by key) that it came.
 * Answers, per event, whether every run heard it (false: the event stays
 * accepted and the store's alarm tries again; a run answers a repeat by
 * ignoring it). A run that is gone, or finished, loses its stale wait.
 */
export async function resumeWaits(
  db: StoreDb,
  runs: Env["RUNS"],
  rows: EventRow[],
): Promise<boolean[]> {
  // One read per batch: events of a type nobody waits for (the common case) cost nothing more.
  const waited = new Set(
    run<{ t: string }>(db, "SELECT DISTINCT event_type AS t FROM waits").map((r) => r.t),
  );
  return Promise.all(
    rows.map(async (e) => {
      // A test event (POST /v1/workflows/:id/runs) reaches its own run only.
      if (e.onlyVersion !== null || !waited.has(e.type)) return true;
      const event = envelopeOf(e);
      try {
        await Promise.all(
          waitsFor(db, event).map(async (w) => {
            const reply = await runs.get(runs.idFromName(w.runId)).resumeWait(w.stepId, event);
            if (!reply.ok && (reply.reason === "not_found" || reply.reason === "run_finished")) {
              closeWait(db, w.runId, w.stepId);
            }
          }),
        );
        return true;
      } catch (err) {
        console.error(`resuming the waits of ${e.id} failed; it stays accepted`, err);
        return false;
      }
    }),
  );
}

/** Open waits by when they opened (one row per wait), optionally of one workflow; fetches limit + 1. */
export function listWaits(
  db: StoreDb,
  q: { workflowId?: string | undefined; limit: number; after?: { at: number; id: string } },
): WaitView[] {
  const after = q.after ? [q.after.at, q.after.at, q.after.id] : [];
  const rows = run<WaitRow>(
    db,
    `SELECT * FROM waits WHERE 1 = 1
       ${q.workflowId !== undefined ? "AND workflow_id = ?" : ""}
       ${q.after ? "AND (opened_at > ? OR (opened_at = ? AND run_id || '/' || step_id > ?))" : ""}
     GROUP BY run_id, step_id
     ORDER BY opened_at, run_id, step_id LIMIT ?`,
    ...(q.workflowId !== undefined ? [q.workflowId] : []),
    ...after,
    q.limit + 1,
  );
  return rows.map(viewOf);
}

export function getWait(db: StoreDb, runId: string, stepId: string): WaitView | null {
  const row = run<WaitRow>(
    db,
    "SELECT * FROM waits WHERE run_id = ? AND step_id = ? LIMIT 1",
    runId,
    stepId,
  )[0];
  return row ? viewOf(row) : null;
}

function viewOf(r: WaitRow): WaitView {
  return {
    runId: r.run_id,
    stepId: r.step_id,
    workflowId: r.workflow_id,
    event: JSON.parse(r.events) as string[],
    match: r.match,
    keys: JSON.parse(r.keys) as Record<string, JsonValue>,
    deadline: new Date(r.deadline).toISOString(),
    openedAt: new Date(r.opened_at).toISOString(),
  };
}
