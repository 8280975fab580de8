import { type Causation, rootCausation } from "@switchyard/engine";
import { and, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { events, eventTypes } from "../db/schema.ts";
import type { Env } from "../env.ts";
import { newId } from "../lib/crypto.ts";
import { inferSchema } from "../lib/infer-schema.ts";
import { idsByTenant } from "../lib/tenant-chunks.ts";
import type { Lane } from "./rate-limit.ts";
import { kickSweeper } from "./sweeper-client.ts";

/** The EVENTS queue message: ids only (DESIGN.md, queue message size). */
export interface EventMessage {
  tenantId: string;
  eventId: string;
}

export interface NewEvent {
  type: string;
  /** Usually an object; a webhook source with a fixed type may send any JSON. */
  data: unknown;
  /** Client-chosen id, Idempotency-Key, webhook-id, or one derived from a run and step. */
  id?: string | undefined;
  occurredAt?: string | undefined;
  source: string;
  causation?: Causation | undefined;
  changes?: Record<string, { old: unknown; new: unknown }> | undefined;
  /** A test run's event reaches only this workflow, at this version. */
  only?: { workflowId: string; version: number } | undefined;
  /** The queues it takes (services/rate-limit.ts); `main` unless the tenant is bursting. */
  lane?: Lane | undefined;
}

/**
 * Accepts an event: stores it once per (tenant, id) and sends its id to the
 * EVENTS queue. A duplicate id answers `duplicate: true` and starts nothing.
 * When the queue send fails, the event stays `accepted` and the sweeper
 * re-sends it: nothing accepted is lost.
 */
export async function acceptEvent(
  env: Env,
  db: Db,
  tenantId: string,
  input: NewEvent,
  at: string,
  waitUntil?: (p: Promise<unknown>) => void,
): Promise<{ id: string; duplicate: boolean }> {
  const row = eventRow(tenantId, input, at);
  const result = await db.insert(events).values(row).onConflictDoNothing();
  if ((result.meta.changes ?? 0) === 0) return { id: row.id, duplicate: true };
  await announceEvent(
    env,
    db,
    tenantId,
    { id: row.id, type: input.type, data: input.data, lane: input.lane },
    at,
    waitUntil,
  );
  return { id: row.id, duplicate: false };
}

/** The stored form of a new event. */
export function eventRow(
  tenantId: string,
  input: NewEvent,
  at: string,
): typeof events.$inferInsert & { id: string } {
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
    causation: JSON.stringify(input.causation ?? rootCausation(id)),
    onlyWorkflowId: input.only?.workflowId ?? null,
    onlyVersion: input.only?.version ?? null,
  };
}

/**
 * An INSERT of `row` that only happens when the batch's previous statement
 * changed exactly one row: a record write and its event land together or
 * not at all.
 */
export function conditionalEventInsert(
  d1: D1Database,
  row: ReturnType<typeof eventRow>,
): D1PreparedStatement {
  return d1
    .prepare(
      `INSERT INTO events (tenant_id, id, type, data, changes, occurred_at, received_at, source, status, causation, only_workflow_id, only_version, resends)
       SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0 WHERE changes() = 1`,
    )
    .bind(
      row.tenantId,
      row.id,
      row.type,
      row.data,
      row.changes ?? null,
      row.occurredAt,
      row.receivedAt,
      row.source,
      row.status,
      row.causation,
      row.onlyWorkflowId ?? null,
      row.onlyVersion ?? null,
    );
}

/**
 * After an event is stored: arm the sweeper (before the send, so a lost send
 * is re-sent), send its id to the EVENTS queue, and note its type.
 */
export async function announceEvent(
  env: Env,
  db: Db,
  tenantId: string,
  e: { id: string; type: string; data: unknown; lane?: Lane | undefined },
  at: string,
  waitUntil?: (p: Promise<unknown>) => void,
): Promise<void> {
  const message: EventMessage = { tenantId, eventId: e.id };
  await kickSweeper(env).catch((err) => console.error("sweeper wake failed", err));
  try {
    await (e.lane === "bulk" ? env.EVENTS_BULK : env.EVENTS).send(message);
  } catch (err) {
    console.error(`event ${e.id} stored but not queued; the sweeper will re-send it`, err);
  }
  const background = noteEventType(db, tenantId, e.type, e.data, at);
  if (waitUntil) waitUntil(background.catch((err) => console.error("after-ingest", err)));
  else await background;
}

/**
 * What this isolate last wrote per (tenant, type): an event whose inferred
 * schema is unchanged refreshes the sample and last-seen time at most every
 * few seconds, so a burst of one type costs one write, not one per event.
 */
const noted = new Map<string, { schema: string; at: number }>();
const NOTE_EVERY_MS = 5_000;
const NOTED_MAX = 5_000;

/** Remembers the type, its latest sample and an inferred schema for the builder. */
async function noteEventType(
  db: Db,
  tenantId: string,
  type: string,
  data: unknown,
  at: string,
): Promise<void> {
  const sample = JSON.stringify(data);
  if (sample.length > 16_384) return;
  const schema = JSON.stringify(inferSchema(data));
  const key = `${tenantId}\n${type}`;
  const last = noted.get(key);
  const now = Date.now();
  if (last && last.schema === schema && now - last.at < NOTE_EVERY_MS) return;
  await db
    .insert(eventTypes)
    .values({ tenantId, type, sample, schema, declared: false, lastSeenAt: at, updatedAt: at })
    .onConflictDoUpdate({
      target: [eventTypes.tenantId, eventTypes.type],
      set: {
        lastSeenAt: at,
        // A declared type keeps its declared schema and sample.
        sample: sql`CASE WHEN ${eventTypes.declared} THEN ${eventTypes.sample} ELSE ${sample} END`,
        schema: sql`CASE WHEN ${eventTypes.declared} THEN ${eventTypes.schema} ELSE ${schema} END`,
      },
    });
  if (noted.size >= NOTED_MAX) noted.clear();
  noted.set(key, { schema, at: now });
}

export type EventRow = typeof events.$inferSelect;

export async function getEventRow(
  db: Db,
  tenantId: string,
  id: string,
): Promise<EventRow | undefined> {
  const rows = await db
    .select()
    .from(events)
    .where(and(eq(events.tenantId, tenantId), eq(events.id, id)))
    .limit(1);
  return rows[0];
}

/** The rows of several events at once (a queue batch), keyed `tenant\nid`. */
export async function getEventRows(
  db: Db,
  keys: { tenantId: string; eventId: string }[],
): Promise<Map<string, EventRow>> {
  const out = new Map<string, EventRow>();
  for (const { tenantId, ids } of idsByTenant(
    keys.map((k) => ({ tenantId: k.tenantId, id: k.eventId })),
  )) {
    const rows = await db
      .select()
      .from(events)
      .where(and(eq(events.tenantId, tenantId), inArray(events.id, ids)));
    for (const r of rows) out.set(eventKey(r.tenantId, r.id), r);
  }
  return out;
}

export const eventKey = (tenantId: string, eventId: string) => `${tenantId}\n${eventId}`;
