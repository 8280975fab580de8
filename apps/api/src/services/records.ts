// The record model: typed JSON documents the tenant owns, written by the REST
// routes and by the update_record action, stored in the tenant's store
// (store/records.ts). Each write computes which fields changed, bumps the
// version only on a change, and yields the event the change emits
// (`<type>.created` / `<type>.updated` with `changes`). Pure: no I/O here.
import { type EmittedEvent, RESERVED_CONTEXT_NAMES } from "@switchyard/engine";
import type { Problem } from "../errors.ts";
import { canonicalJson, parseStored } from "../lib/json.ts";
import type { records } from "../store/schema.ts";

/** A record type becomes its events' first segment, so it follows that rule. */
export const RECORD_TYPE_PATTERN = /^[a-z][a-z0-9_]*$/;
export const MAX_RECORD_TYPE_LENGTH = 50;
export const MAX_RECORD_ID_LENGTH = 200;
/** Fields as JSON; well under the event limit (256 KiB), since the event carries them. */
export const MAX_RECORD_BYTES = 128 * 1024;

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

export type RecordRow = typeof records.$inferSelect;

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
