// Events in a tenant's store: accepted once per id, listed for the builder,
// re-tried by the store's alarm until matched. Runs inside TenantStore.
import { type Causation, rootCausation } from "@switchyard/engine";
import { and, asc, desc, eq, gte, inArray, lte, sql } from "drizzle-orm";
import { newId } from "../lib/crypto.ts";
import { inferSchema } from "../lib/infer-schema.ts";
import { olderThan } from "../repositories/keyset.ts";
import { slices } from "./bounded.ts";
import type { StoreDb } from "./db.ts";
import type { Lane } from "./limits.ts";
import { insertOf, run } from "./raw.ts";
import { events, eventTypes, runs } from "./schema.ts";

export interface NewEvent {
  type: string;
  /** Usually an object; a webhook source with a fixed type may send any JSON. */
  data: unknown;
  /** Client-chosen id, Idempotency-Key, webhook-id, or one derived from a run and step. */
  id?: string | undefined;
  occurredAt?: string | undefined;
  /** `api`, `webhook:<sourceId>`, `record`, `run:<runId>`, `test`. */
  source: string;
  causation?: Causation | undefined;
  changes?: Record<string, { old: unknown; new: unknown }> | undefined;
  /** A test run's event reaches only this workflow, at this version. */
  only?: { workflowId: string; version: number; definition: unknown } | undefined;
  /** A platform event for one live workflow only (workflow.failed: the failing workflow's choice). */
  target?: string | undefined;
}

export type EventRow = typeof events.$inferSelect;

/** The first retry of an unmatched event; each further one waits twice as long. */
export const RETRY_AFTER_MS = 5_000;
/** After this many tries (about 11 hours in all) an event is marked failed, visibly. */
export const MAX_RESENDS = 13;

/** The stored form of a new event. */
export function eventRow(
  tenantId: string,
  input: NewEvent,
  at: string,
  lane: Lane,
): EventRow & { id: string } {
  const id = input.id ?? newId("ev");
  return {
    tenantId,
    id,
    type: input.type,
    data: JSON.stringify(input.data),
    changes: input.changes ? JSON.stringify(input.changes) : null,
    occurredAt: input.occurredAt ?? at,
    receivedAt: at,
    source: input.source,
    status: "accepted",
    matchedAt: null,
    causation: JSON.stringify(input.causation ?? rootCausation(id)),
    onlyWorkflowId: input.only?.workflowId ?? input.target ?? null,
    onlyVersion: input.only?.version ?? null,
    onlyDefinition: input.only ? JSON.stringify(input.only.definition) : null,
    lane,
    error: null,
    resends: 0,
    retryAt: Date.parse(at) + RETRY_AFTER_MS,
  };
}

const INSERT_EVENT = insertOf(events, "ON CONFLICT DO NOTHING RETURNING id");

/** Stores the event unless its id is taken; true when it was new. */
export function insertEvent(db: StoreDb, row: EventRow): boolean {
  return run(db, INSERT_EVENT.sql, ...INSERT_EVENT.params(row)).length > 0;
}

export function getEventRow(db: StoreDb, tenantId: string, id: string): EventRow | undefined {
  return db
    .select()
    .from(events)
    .where(and(eq(events.tenantId, tenantId), eq(events.id, id)))
    .get();
}

export function getEventRows(db: StoreDb, tenantId: string, ids: string[]): EventRow[] {
  return slices(ids, 1).flatMap((part) =>
    db
      .select()
      .from(events)
      .where(and(eq(events.tenantId, tenantId), inArray(events.id, part)))
      .all(),
  );
}

export interface EventListQuery {
  type?: string | undefined;
  status?: "accepted" | "matched" | "failed" | undefined;
  /** Received at or after this time (RFC 3339). */
  since?: string | undefined;
  limit: number;
  after?: { receivedAt: string; id: string } | null | undefined;
}

/** Newest first, keyset-paged on (receivedAt, id). Fetches limit + 1. */
export function listEventRows(db: StoreDb, tenantId: string, q: EventListQuery): EventRow[] {
  const conds = [eq(events.tenantId, tenantId)];
  if (q.type) conds.push(eq(events.type, q.type));
  if (q.status) conds.push(eq(events.status, q.status));
  if (q.since) conds.push(gte(events.receivedAt, q.since));
  if (q.after) {
    conds.push(
      olderThan(events.receivedAt, events.id, { createdAt: q.after.receivedAt, id: q.after.id }),
    );
  }
  return db
    .select()
    .from(events)
    .where(and(...conds))
    .orderBy(desc(events.receivedAt), desc(events.id))
    .limit(q.limit + 1)
    .all();
}

export type RunOfEvent = { id: string; workflowId: string; status: string };

/**
 * The runs each of these events started, oldest first, through the runs
 * index's (tenant, event, workflow) index: a statement per 90 events, so a
 * page of events costs a few lookups and never more than 100 parameters.
 */
export function runsOfEvents(
  db: StoreDb,
  tenantId: string,
  ids: string[],
): Map<string, RunOfEvent[]> {
  const out = new Map<string, RunOfEvent[]>(ids.map((id) => [id, []]));
  for (const part of slices(ids, 10)) {
    const rows = db
      .select({
        id: runs.id,
        eventId: runs.eventId,
        workflowId: runs.workflowId,
        status: runs.status,
      })
      .from(runs)
      .where(and(eq(runs.tenantId, tenantId), inArray(runs.eventId, part)))
      .orderBy(asc(runs.createdAt))
      .all();
    for (const r of rows)
      out.get(r.eventId)?.push({ id: r.id, workflowId: r.workflowId, status: r.status });
  }
  return out;
}

/** The runs an event started, oldest first. */
export function runsOfEvent(
  db: StoreDb,
  tenantId: string,
  eventId: string,
): { id: string; workflowId: string; status: string }[] {
  return db
    .select({ id: runs.id, workflowId: runs.workflowId, status: runs.status })
    .from(runs)
    .where(and(eq(runs.tenantId, tenantId), eq(runs.eventId, eventId)))
    .orderBy(asc(runs.createdAt))
    .all();
}

export function markMatched(db: StoreDb, tenantId: string, ids: string[], at: string): void {
  for (const part of slices(ids, 2)) {
    run(
      db,
      `UPDATE events SET status = 'matched', matched_at = ?, retry_at = NULL
       WHERE tenant_id = ? AND status = 'accepted' AND id IN (${part.map(() => "?").join(", ")})`,
      at,
      tenantId,
      ...part,
    );
  }
}

export function markFailed(db: StoreDb, tenantId: string, id: string, error: string): void {
  db.update(events)
    .set({ status: "failed", error, retryAt: null })
    .where(and(eq(events.tenantId, tenantId), eq(events.id, id), eq(events.status, "accepted")))
    .run();
}

/** Accepted events whose retry time has come, oldest first. */
export function dueEvents(db: StoreDb, now: number, limit: number): EventRow[] {
  return db
    .select()
    .from(events)
    .where(and(eq(events.status, "accepted"), lte(events.retryAt, now)))
    .orderBy(asc(events.retryAt))
    .limit(limit)
    .all();
}

/** The next time an accepted event is due, or null. */
export function nextDue(db: StoreDb): number | null {
  const row = db
    .select({ at: sql<number | null>`min(${events.retryAt})` })
    .from(events)
    .where(eq(events.status, "accepted"))
    .get();
  return row?.at ?? null;
}

/** Backs a still-unmatched event off: 5 s × 2^n after now. */
export function backOff(db: StoreDb, e: EventRow, now: number): void {
  db.update(events)
    .set({
      resends: e.resends + 1,
      retryAt: now + RETRY_AFTER_MS * 2 ** Math.min(e.resends + 1, 16),
    })
    .where(and(eq(events.tenantId, e.tenantId), eq(events.id, e.id)))
    .run();
}

/** A failed event back to accepted, to be matched again (POST /v1/events/:id/redrive). */
export function redrive(db: StoreDb, tenantId: string, id: string, now: number): boolean {
  const changed = db
    .update(events)
    .set({ status: "accepted", error: null, resends: 0, retryAt: now })
    .where(and(eq(events.tenantId, tenantId), eq(events.id, id), eq(events.status, "failed")))
    .returning({ id: events.id })
    .all();
  return changed.length > 0;
}

/**
 * What this store last wrote per type: an event whose inferred schema is
 * unchanged refreshes the sample and last-seen time at most every few
 * seconds, so a burst of one type costs one write, not one per event.
 */
const NOTE_EVERY_MS = 5_000;

export class EventTypeNotes {
  readonly #noted = new Map<string, { at: number }>();

  /** Remembers the type, its latest sample and an inferred schema for the builder. */
  note(db: StoreDb, tenantId: string, type: string, data: unknown, at: string, now: number): void {
    // Noted a moment ago: the next note (at most NOTE_EVERY_MS on) catches
    // up with the latest sample and schema; a burst costs no inference.
    const last = this.#noted.get(type);
    if (last && now - last.at < NOTE_EVERY_MS) return;
    const sample = JSON.stringify(data);
    if (sample.length > 16_384) return;
    const schema = JSON.stringify(inferSchema(data));
    db.insert(eventTypes)
      .values({ tenantId, type, sample, schema, declared: false, lastSeenAt: at, updatedAt: at })
      .onConflictDoUpdate({
        target: [eventTypes.tenantId, eventTypes.type],
        set: {
          lastSeenAt: at,
          // A declared type keeps its declared schema and sample.
          sample: sql`CASE WHEN ${eventTypes.declared} THEN ${eventTypes.sample} ELSE ${sample} END`,
          schema: sql`CASE WHEN ${eventTypes.declared} THEN ${eventTypes.schema} ELSE ${schema} END`,
        },
      })
      .run();
    if (this.#noted.size >= 1_000) this.#noted.clear();
    this.#noted.set(type, { at: now });
  }
}
