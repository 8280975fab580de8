// Event types in a tenant's store, as /v1/event-types and the catalogue
// show them: declared ones here, observed ones noted at ingest
// (store/events.ts, EventTypeNotes).
import { and, asc, eq, gt } from "drizzle-orm";
import { inferSchema } from "../lib/infer-schema.ts";
import type { StoreDb } from "./db.ts";
import { eventTypes } from "./schema.ts";

export type EventTypeRow = typeof eventTypes.$inferSelect;

/** What a declaration gives; what it leaves out is kept. */
export interface Declaration {
  schema?: Record<string, unknown> | undefined;
  sample?: Record<string, unknown> | undefined;
}

export function getEventTypeRow(
  db: StoreDb,
  tenantId: string,
  type: string,
): EventTypeRow | undefined {
  return db
    .select()
    .from(eventTypes)
    .where(and(eq(eventTypes.tenantId, tenantId), eq(eventTypes.type, type)))
    .get();
}

/** By type name, the order the builder offers them in. Fetches limit + 1. */
export function listEventTypeRows(
  db: StoreDb,
  tenantId: string,
  q: { limit: number; after?: string | undefined },
): EventTypeRow[] {
  const conds = [eq(eventTypes.tenantId, tenantId)];
  if (q.after !== undefined) conds.push(gt(eventTypes.type, q.after));
  return db
    .select()
    .from(eventTypes)
    .where(and(...conds))
    .orderBy(asc(eventTypes.type))
    .limit(q.limit + 1)
    .all();
}

/**
 * Declares a type: its schema and sample win over inferred ones from then
 * on (ingest keeps a declared type's schema and sample, and only notes
 * `lastSeenAt`). What is not given is kept; a schema is inferred from a
 * new sample only when no schema comes with it.
 */
export function declareEventType(
  db: StoreDb,
  tenantId: string,
  type: string,
  d: Declaration,
  at: string,
): EventTypeRow {
  return db.transaction((tx) => {
    const existing = getEventTypeRow(tx, tenantId, type);
    const sample = d.sample !== undefined ? JSON.stringify(d.sample) : (existing?.sample ?? null);
    const schema =
      d.schema !== undefined
        ? JSON.stringify(d.schema)
        : d.sample !== undefined
          ? JSON.stringify(inferSchema(d.sample))
          : (existing?.schema ?? null);
    return tx
      .insert(eventTypes)
      .values({ tenantId, type, schema, sample, declared: true, lastSeenAt: null, updatedAt: at })
      .onConflictDoUpdate({
        target: [eventTypes.tenantId, eventTypes.type],
        set: { declared: true, schema, sample, updatedAt: at },
      })
      .returning()
      .get()!;
  });
}

/**
 * Declares the types this store does not know yet (the demo's seed); a
 * type already seen or declared is left as it is. Returns the new ones.
 */
export function declareNewEventTypes(
  db: StoreDb,
  tenantId: string,
  types: { type: string; sample: Record<string, unknown> }[],
  at: string,
): string[] {
  const created: string[] = [];
  db.transaction((tx) => {
    for (const { type, sample } of types) {
      const inserted = tx
        .insert(eventTypes)
        .values({
          tenantId,
          type,
          sample: JSON.stringify(sample),
          schema: JSON.stringify(inferSchema(sample)),
          declared: true,
          lastSeenAt: null,
          updatedAt: at,
        })
        .onConflictDoNothing()
        .returning({ type: eventTypes.type })
        .all();
      if (inserted.length > 0) created.push(type);
    }
  });
  return created;
}
