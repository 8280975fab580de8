import { type Causation, rootCausation } from "@switchyard/engine";
import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { events, eventTypes } from "../db/schema.ts";
import type { Env } from "../env.ts";
import { newId } from "../lib/crypto.ts";
import { inferSchema } from "../lib/infer-schema.ts";
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
  const id = input.id ?? newId("ev");
  const causation = input.causation ?? rootCausation(id);
  const result = await db
    .insert(events)
    .values({
      tenantId,
      id,
      type: input.type,
      data: JSON.stringify(input.data),
      changes: input.changes ? JSON.stringify(input.changes) : null,
      occurredAt: input.occurredAt ?? at,
      receivedAt: at,
      source: input.source,
      status: "accepted",
      causation: JSON.stringify(causation),
      onlyWorkflowId: input.only?.workflowId ?? null,
      onlyVersion: input.only?.version ?? null,
    })
    .onConflictDoNothing();
  if ((result.meta.changes ?? 0) === 0) return { id, duplicate: true };
  const message: EventMessage = { tenantId, eventId: id };
  // Armed before the send: if the send is lost, the sweeper re-sends.
  await kickSweeper(env).catch((e) => console.error("sweeper wake failed", e));
  try {
    await env.EVENTS.send(message);
  } catch (err) {
    console.error(`event ${id} stored but not queued; the sweeper will re-send it`, err);
  }
  const background = Promise.all([
    noteEventType(db, tenantId, input.type, input.data, at),
    kickSweeper(env),
  ]);
  if (waitUntil) waitUntil(background.catch((e) => console.error("after-ingest", e)));
  else await background;
  return { id, duplicate: false };
}

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
