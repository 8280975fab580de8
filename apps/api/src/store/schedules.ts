// Schedule triggers in the tenant's own store (issue 15): one row per live
// scheduled workflow, fired by the store's alarm. Each occurrence becomes a
// `schedule.fired` event whose id is the schedule's id and the nominal time,
// so an alarm that fires twice stores it once (events dedupe by id), and it
// takes the path every event takes: match, filter, loop guard, run. An
// occurrence that does not run (the previous run still going, or missed
// while the store was down) is kept as a `skipped` run with its reason, so
// the runs list shows it. The timing rules (cron, zones, daylight saving,
// catch-up, jitter) are the engine's, pure; this file keeps the state.
import {
  isScheduleTrigger,
  jitterMs,
  nextOccurrences,
  planFires,
  rootCausation,
  SCHEDULE_EVENT_TYPE,
  type ScheduleTrigger,
  scheduleEventData,
  scheduleEventId,
} from "@switchyard/engine";
import type { StoreDb } from "./db.ts";
import { type EventRow, eventRow, getEventRow, insertEvent } from "./events.ts";
import type { LiveRow } from "./matching.ts";
import { run } from "./raw.ts";
import { getRunRow, type RunRow, upsertRun } from "./runs.ts";

/** How often the alarm looks again while an occurrence waits for its previous run (`buffer_one`). */
export const BUFFER_POLL_MS = 5_000;

interface ScheduleRow extends Record<string, string | number | null> {
  workflow_id: string;
  version: number;
  spec: string;
  timezone: string;
  /** Occurrences at or before it are decided (the engine's plan cursor). */
  cursor: number;
  /** The next occurrence's nominal time; null when the schedule has ended. */
  next_nominal: number | null;
  /** When to fire it: the nominal time plus the schedule's jitter. */
  next_at: number | null;
  /** The nominal time of the last occurrence decided (fired, skipped or missed). */
  last_nominal: number | null;
  /** The last fired occurrence's event id: is its run still going? */
  last_event_id: string | null;
  /** An occurrence held back until the previous run ends (`buffer_one`). */
  buffered: number | null;
}

/**
 * A workflow's schedule id: the occurrences' event ids start with it.
 * @example scheduleIdOf("wf_1ma0") // "sch_1ma0"
 */
export const scheduleIdOf = (workflowId: string): string => `sch_${workflowId.replace(/^wf_/, "")}`;

const specOf = (row: ScheduleRow): ScheduleTrigger => JSON.parse(row.spec) as ScheduleTrigger;

/** The next occurrence after `from`, and when to fire it (with the schedule's jitter). */
function nextFire(
  workflowId: string,
  spec: ScheduleTrigger,
  tz: string,
  from: number,
): { nominal: number | null; at: number | null } {
  const [first, second] = nextOccurrences(spec, tz, from, 2);
  if (!first) return { nominal: null, at: null };
  return {
    nominal: first.at,
    at: first.at + jitterMs(scheduleIdOf(workflowId), spec, first.at, second?.at ?? null),
  };
}

/**
 * Brings the schedules in line with the live workflows (after every save,
 * publish, enable, disable, delete, and the periodic refresh): a new one
 * starts from now (no back-fill), a changed one keeps what it decided, a
 * workflow no longer live (or no longer scheduled) loses its schedule.
 * Returns when the alarm should next look, or null.
 */
export function syncSchedules(
  db: StoreDb,
  live: readonly LiveRow[],
  tenantZone: string,
  now: number,
): number | null {
  const existing = new Map(
    run<ScheduleRow>(db, "SELECT * FROM schedules").map((r) => [r.workflow_id, r]),
  );
  const keep = new Set<string>();
  for (const w of live) {
    const trigger = w.definition.trigger;
    if (!isScheduleTrigger(trigger)) continue;
    keep.add(w.workflowId);
    const spec = trigger.schedule;
    const tz = spec.timezone ?? tenantZone;
    const specJson = JSON.stringify(spec);
    const row = existing.get(w.workflowId);
    if (row && row.spec === specJson && row.timezone === tz) {
      if (row.version !== w.version)
        run(db, "UPDATE schedules SET version = ? WHERE workflow_id = ?", w.version, w.workflowId);
      continue;
    }
    // New, or its timing changed: decided occurrences stay decided; the
    // next one follows the new timing.
    const cursor = Math.min(row?.cursor ?? now, now);
    const next = nextFire(w.workflowId, spec, tz, Math.max(cursor, now - 1));
    run(
      db,
      `INSERT INTO schedules (workflow_id, version, spec, timezone, cursor, next_nominal, next_at, last_nominal, last_event_id, buffered)
       VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL)
       ON CONFLICT (workflow_id) DO UPDATE SET version = excluded.version, spec = excluded.spec,
         timezone = excluded.timezone, cursor = excluded.cursor, next_nominal = excluded.next_nominal,
         next_at = excluded.next_at`,
      w.workflowId,
      w.version,
      specJson,
      tz,
      cursor,
      next.nominal,
      next.at,
    );
  }
  for (const id of existing.keys()) {
    if (!keep.has(id)) run(db, "DELETE FROM schedules WHERE workflow_id = ?", id);
  }
  return nextScheduleAt(db, now);
}

/** When the alarm should next look at the schedules; null when none is coming. */
export function nextScheduleAt(db: StoreDb, now: number): number | null {
  const [row] = run<{ at: number | null; buffered: number }>(
    db,
    "SELECT min(next_at) AS at, count(buffered) AS buffered FROM schedules",
  );
  const times: number[] = [];
  if (row?.at !== null && row?.at !== undefined) times.push(row.at);
  if ((row?.buffered ?? 0) > 0) times.push(now + BUFFER_POLL_MS);
  return times.length > 0 ? Math.min(...times) : null;
}

/** Whether an occurrence of this workflow's schedule waits for its previous run to end. */
export function hasBuffered(db: StoreDb, workflowId: string): boolean {
  return (
    run(
      db,
      "SELECT 1 AS x FROM schedules WHERE workflow_id = ? AND buffered IS NOT NULL",
      workflowId,
    ).length > 0
  );
}

/** What one pass of the alarm did: events to match, and when to look next. */
export interface ScheduleFires {
  events: EventRow[];
  next: number | null;
}

/**
 * Fires what is due at `now`: each schedule's plan (catch-up, missed), then
 * its overlap rule. Everything one schedule decides commits in one
 * transaction with its new cursor, so a crash repeats a pass at most (and
 * the derived event ids make a repeat store nothing twice).
 */
export function fireDueSchedules(db: StoreDb, tenantId: string, now: number): ScheduleFires {
  const due = run<ScheduleRow>(
    db,
    "SELECT * FROM schedules WHERE next_at <= ? OR buffered IS NOT NULL",
    now,
  );
  const events: EventRow[] = [];
  for (const row of due) {
    db.transaction((tx) => {
      events.push(...fireOne(tx as unknown as StoreDb, tenantId, row, now));
    });
  }
  return { events, next: nextScheduleAt(db, now) };
}

type Outcome = { nominal: number; fire: true } | { nominal: number; fire: false; reason: Reason };
type Reason = "overlap" | "missed";

const REASON_WORDS: Record<Reason, string> = {
  overlap: "the previous scheduled run was still going (overlap: skip)",
  missed: "missed while Switchyard was unavailable (catch-up runs only the latest, or none)",
};

function fireOne(db: StoreDb, tenantId: string, row: ScheduleRow, now: number): EventRow[] {
  const spec = specOf(row);
  const workflowId = row.workflow_id;
  const out: EventRow[] = [];
  let { last_event_id: lastEvent, last_nominal: lastNominal, buffered } = row;
  const going = (): boolean =>
    lastEvent !== null && stillGoing(db, tenantId, lastEvent, workflowId);
  const fire = (nominal: number): void => {
    const e = occurrenceEvent(tenantId, row, nominal, now, lastNominal);
    if (insertEvent(db, e)) out.push(e);
    lastEvent = e.id;
  };
  const skip = (nominal: number, reason: Reason): void => {
    recordSkipped(
      db,
      tenantId,
      row,
      occurrenceEvent(tenantId, row, nominal, now, lastNominal),
      reason,
    );
  };

  // An occurrence held back for the previous run goes first, once that run ends.
  if (buffered !== null && !going()) {
    fire(buffered);
    buffered = null;
  }

  const decided: Outcome[] = [];
  if (row.next_at !== null && row.next_at <= now) {
    // Plan as of the nominal time the jitter delayed: a jittered occurrence is on time.
    const jitter = row.next_nominal !== null ? row.next_at - row.next_nominal : 0;
    const plan = planFires(spec, row.timezone, row.cursor, now - jitter);
    for (const nominal of plan.missed) decided.push({ nominal, fire: false, reason: "missed" });
    for (const nominal of plan.fire) decided.push({ nominal, fire: true });
    decided.sort((a, b) => a.nominal - b.nominal);
    const next = nextFire(workflowId, spec, row.timezone, plan.cursor);
    run(
      db,
      "UPDATE schedules SET cursor = ?, next_nominal = ?, next_at = ? WHERE workflow_id = ?",
      plan.cursor,
      next.nominal,
      next.at,
      workflowId,
    );
  }

  const overlap = spec.overlap ?? "skip";
  for (const o of decided) {
    if (!o.fire) skip(o.nominal, o.reason);
    else if (overlap === "allow" || !going()) fire(o.nominal);
    else if (overlap === "buffer_one") {
      // One waits; an older one waiting is replaced (and shown as skipped).
      if (buffered !== null) skip(buffered, "overlap");
      buffered = o.nominal;
    } else skip(o.nominal, "overlap");
    lastNominal = o.nominal;
  }
  run(
    db,
    "UPDATE schedules SET last_nominal = ?, last_event_id = ?, buffered = ? WHERE workflow_id = ?",
    lastNominal,
    lastEvent,
    buffered,
    workflowId,
  );
  return out;
}

/** Whether the run of a fired occurrence is still going (or has not started yet). */
function stillGoing(db: StoreDb, tenantId: string, eventId: string, workflowId: string): boolean {
  const e = getEventRow(db, tenantId, eventId);
  if (!e) return false;
  if (e.status === "accepted") return true;
  const [r] = run<{ status: string }>(
    db,
    "SELECT status FROM runs WHERE tenant_id = ? AND event_id = ? AND workflow_id = ?",
    tenantId,
    eventId,
    workflowId,
  );
  return r?.status === "running" || r?.status === "waiting";
}

function occurrenceEvent(
  tenantId: string,
  row: ScheduleRow,
  nominal: number,
  now: number,
  previousNominal: number | null,
): EventRow {
  const scheduleId = scheduleIdOf(row.workflow_id);
  return eventRow(
    tenantId,
    {
      id: scheduleEventId(scheduleId, nominal),
      type: SCHEDULE_EVENT_TYPE,
      data: scheduleEventData({
        scheduleId,
        workflowId: row.workflow_id,
        nominal,
        actual: now,
        previousNominal,
      }),
      occurredAt: new Date(nominal).toISOString(),
      source: "schedule",
      target: row.workflow_id,
    },
    new Date(now).toISOString(),
    "main",
  );
}

/**
 * An occurrence that does not run: its event (matched already, so nothing
 * starts) and a `skipped` run saying why, which the runs list shows.
 */
function recordSkipped(
  db: StoreDb,
  tenantId: string,
  row: ScheduleRow,
  e: EventRow,
  reason: Reason,
): void {
  const at = e.receivedAt;
  if (!insertEvent(db, { ...e, status: "matched", matchedAt: at, retryAt: null })) return;
  const runId = `run_skip_${e.id.slice(4).replace(/[^A-Za-z0-9]/g, "")}`;
  if (getRunRow(db, tenantId, runId)) return;
  const skipped: RunRow = {
    tenantId,
    id: runId,
    workflowId: row.workflow_id,
    workflowVersion: row.version,
    eventId: e.id,
    status: "skipped",
    test: false,
    startedAt: null,
    finishedAt: at,
    causation: JSON.stringify(rootCausation(e.id)),
    filter: null,
    suppression: JSON.stringify({ reason: `schedule_${reason}`, message: REASON_WORDS[reason] }),
    error: null,
    seq: 1,
    hasObject: false,
    steps: "[]",
    createdAt: at,
    updatedAt: at,
  };
  upsertRun(db, skipped);
}
