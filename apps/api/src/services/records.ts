// The record store: typed JSON documents the tenant owns, written by the REST
// routes and by the update_record action. Each write computes which fields
// changed, bumps the version only on a change, and yields the event the
// change emits (`<type>.created` / `<type>.updated` with `changes`).
import { type EmittedEvent, RESERVED_CONTEXT_NAMES } from "@switchyard/engine";
import type { Db } from "../db/client.ts";
import type { Problem } from "../errors.ts";
import { canonicalJson, parseStored } from "../lib/json.ts";
import {
  getEffect,
  getRecordRow,
  insertRecordStatement,
  markerStatement,
  type RecordRow,
  updateRecordStatement,
  writeWithMarker,
} from "../repositories/records.ts";
import { conditionalEventInsert, eventRow } from "./events.ts";

/** A record type becomes its events' first segment, so it follows that rule. */
export const RECORD_TYPE_PATTERN = /^[a-z][a-z0-9_]*$/;
export const MAX_RECORD_TYPE_LENGTH = 50;
export const MAX_RECORD_ID_LENGTH = 200;
/** Fields as JSON; well under the event limit (256 KiB), since the event carries them. */
export const MAX_RECORD_BYTES = 128 * 1024;
/** Attempts at a write that keeps losing optimistic-concurrency races. */
const MAX_WRITE_ATTEMPTS = 5;

export type Fields = Record<string, unknown>;
export type Changes = Record<string, { old: unknown; new: unknown }>;
/** `replace` (PUT) sets exactly these fields; `merge` (PATCH, update_record) overlays them. */
export type WriteMode = "replace" | "merge";

export interface RecordView {
  type: string;
  id: string;
  fields: Fields;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** Why a record type is not acceptable, or null when it is. */
export function recordTypeProblem(type: string): string | null {
  if (type.length > MAX_RECORD_TYPE_LENGTH || !RECORD_TYPE_PATTERN.test(type)) {
    return `expected a lower-case identifier (letters, digits, _; at most ${MAX_RECORD_TYPE_LENGTH} characters), e.g. order`;
  }
  if ((RESERVED_CONTEXT_NAMES as readonly string[]).includes(type)) {
    return `may not be one of ${RESERVED_CONTEXT_NAMES.join(", ")}: its events would shadow the expression context`;
  }
  return null;
}

/** Every problem with a write's input, each with its path; empty when valid. */
export function recordInputProblems(type: string, id: string, fields: Fields): Problem[] {
  const problems: Problem[] = [];
  const typeProblem = recordTypeProblem(type);
  if (typeProblem) problems.push({ path: "type", message: typeProblem });
  if (id.length === 0 || id.length > MAX_RECORD_ID_LENGTH) {
    problems.push({ path: "id", message: `expected 1 to ${MAX_RECORD_ID_LENGTH} characters` });
  }
  // The events' data is `{ ...fields, id }`: a different `id` field would be lost there.
  if ("id" in fields && fields.id !== id) {
    problems.push({ path: "fields.id", message: "differs from the record's id" });
  }
  if (new TextEncoder().encode(JSON.stringify(fields)).length > MAX_RECORD_BYTES) {
    problems.push({ path: "fields", message: `larger than ${MAX_RECORD_BYTES} bytes as JSON` });
  }
  return problems;
}

export interface WritePlan {
  fields: Fields;
  version: number;
  created: boolean;
  /** Names of the fields whose value changed (all of them on create). */
  changed: string[];
  changes: Changes;
}

/**
 * What a write does to `existing` — pure, so it is easy to test. A field a
 * replace removes changes to `null`. Values compare as canonical JSON, so
 * key order inside objects is not a change.
 */
export function planWrite(
  existing: RecordView | undefined,
  input: Fields,
  mode: WriteMode,
): WritePlan {
  const { id: _id, ...given } = input;
  const old = existing?.fields ?? {};
  const fields = mode === "merge" ? { ...old, ...given } : given;
  const changes: Changes = {};
  for (const name of new Set([...Object.keys(old), ...Object.keys(fields)])) {
    const before = name in old ? old[name] : null;
    const after = name in fields ? fields[name] : null;
    if (existing !== undefined && canonicalJson(before) === canonicalJson(after)) continue;
    changes[name] = { old: before, new: after };
  }
  const changed = Object.keys(changes);
  const created = existing === undefined;
  const version = created ? 1 : changed.length > 0 ? existing.version + 1 : existing.version;
  return { fields, version, created, changed, changes };
}

/** The event a write emits, or none for an unchanged write. */
export function eventOf(type: string, id: string, plan: WritePlan): EmittedEvent | undefined {
  if (!plan.created && plan.changed.length === 0) return undefined;
  return {
    type: `${type}.${plan.created ? "created" : "updated"}`,
    data: { ...plan.fields, id },
    changes: plan.changes,
  };
}

export function toRecordView(row: RecordRow): RecordView {
  return {
    type: row.type,
    id: row.id,
    fields: parseStored<Fields>(row.fields, {}),
    version: row.version,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export async function getRecord(
  db: Db,
  tenantId: string,
  type: string,
  id: string,
): Promise<RecordView | undefined> {
  const row = await getRecordRow(db, tenantId, type, id);
  return row ? toRecordView(row) : undefined;
}

export interface WriteInput {
  type: string;
  id: string;
  fields: Fields;
  mode: WriteMode;
  at: string;
}

/** update_record's output, and what its effect marker stores. */
export interface MarkedResult {
  output: { type: string; id: string; version: number; changed: string[] };
  events: EmittedEvent[];
}

export type WriteResult =
  | {
      status: "written";
      record: RecordView;
      plan: WritePlan;
      event: EmittedEvent | undefined;
      /** With `emit`: the stored event's id, written in the record's batch. */
      eventId?: string;
    }
  | { status: "replayed"; result: MarkedResult }
  | { status: "conflict" };

/**
 * Writes a record (validate the input with `recordInputProblems` first).
 * With `idempotencyKey`, the write and its effect marker go in one D1 batch
 * and a key already marked returns the stored result without writing again
 * (DESIGN.md, promise 3). Concurrent writers are serialised by the version
 * column; after several lost races the answer is `conflict`.
 */
export async function writeRecord(
  db: Db,
  tenantId: string,
  input: WriteInput,
  idempotencyKey?: string,
  /** For writes outside a run: store the change event in the write's own batch. */
  emit?: { source: string },
): Promise<WriteResult> {
  for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
    if (idempotencyKey !== undefined) {
      const marked = await getEffect(db, tenantId, idempotencyKey);
      if (marked !== undefined) {
        return { status: "replayed", result: JSON.parse(marked) as MarkedResult };
      }
    }
    const existing = await getRecord(db, tenantId, input.type, input.id);
    const plan = planWrite(existing, input.fields, input.mode);
    const event = eventOf(input.type, input.id, plan);
    const row: RecordRow = {
      tenantId,
      type: input.type,
      id: input.id,
      fields: JSON.stringify(plan.fields),
      version: plan.version,
      createdAt: existing?.createdAt ?? input.at,
      updatedAt: event ? input.at : (existing?.updatedAt ?? input.at),
    };
    const record = toRecordView(row);
    const marked: MarkedResult = {
      output: { type: input.type, id: input.id, version: plan.version, changed: plan.changed },
      events: event ? [event] : [],
    };
    const markerJson = JSON.stringify(marked);

    if (!event) {
      // Nothing to write; a marker still pins the answer for replays.
      if (idempotencyKey !== undefined) {
        await markerStatement(db, tenantId, idempotencyKey, markerJson, input.at);
        const stored = await getEffect(db, tenantId, idempotencyKey);
        if (stored !== undefined && stored !== markerJson) {
          return { status: "replayed", result: parseStored<MarkedResult>(stored, marked) };
        }
      }
      return { status: "written", record, plan, event };
    }

    const write = existing
      ? updateRecordStatement(db, row, existing.version)
      : insertRecordStatement(db, row);
    let changedRows: number;
    let eventId: string | undefined;
    if (idempotencyKey === undefined && emit !== undefined) {
      // The write and its event in one batch: the event row is inserted only
      // when the write changed the record, so neither lands without the other.
      const row = eventRow(
        tenantId,
        { type: event.type, data: event.data, changes: event.changes, source: emit.source },
        input.at,
      );
      const query = write.toSQL();
      const d1 = db.$client;
      const [result] = await d1.batch([
        d1.prepare(query.sql).bind(...query.params),
        conditionalEventInsert(d1, row),
      ]);
      changedRows = result?.meta.changes ?? 0;
      eventId = row.id;
    } else if (idempotencyKey === undefined) {
      const result = await write;
      changedRows = result.meta.changes ?? 0;
    } else {
      try {
        ({ changedRows } = await writeWithMarker(db, write, {
          tenantId,
          idempotencyKey,
          result: markerJson,
          at: input.at,
        }));
      } catch (err) {
        // Another attempt of the same step marked the key first: its batch
        // won, ours rolled back; the loop reads and returns its result.
        if (isUniqueViolation(err)) continue;
        throw err;
      }
    }
    if (changedRows === 1)
      return { status: "written", record, plan, event, ...(eventId ? { eventId } : {}) };
    // Lost a race with another writer: read the new state and plan again.
  }
  // The last lost race may have been to another attempt of this same step.
  const marked =
    idempotencyKey !== undefined ? await getEffect(db, tenantId, idempotencyKey) : undefined;
  if (marked !== undefined)
    return { status: "replayed", result: JSON.parse(marked) as MarkedResult };
  return { status: "conflict" };
}

function isUniqueViolation(err: unknown): boolean {
  const text = err instanceof Error ? `${err.message} ${String(err.cause ?? "")}` : String(err);
  return /UNIQUE constraint failed|SQLITE_CONSTRAINT/i.test(text);
}
