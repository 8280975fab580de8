// A WorkflowRun's own SQLite storage: the run's core (everything but its
// steps) in one row, a row per step, the dispatched attempts' payloads and
// the attempts no consumer has claimed yet. A transition rewrites the core
// and only the steps it changed, in one transaction.
//
// A run can never wedge on its own size. A SQLite-backed Durable Object
// keeps at most 2 MB in one row (production and local alike, but local
// SQLite does not refuse bigger ones), so what a step keeps is capped:
// - its rendered input (for the timeline only) keeps small fields whole
//   and replaces big ones by `{ "$truncated": { bytes, sha256, preview } }`;
// - its output is what later steps read, so it is never cut: a step whose
//   output is over MAX_STEP_OUTPUT_BYTES, or that takes the run's steps
//   over MAX_RUN_STATE_BYTES, fails as `state_too_large` (the shell checks
//   before the engine sees the output).
import {
  type Command,
  type RunInput,
  type RunState,
  STEP_STATE_DEFAULTS,
  type StepState,
} from "@switchyard/engine";
import { sha256Hex } from "../lib/crypto.ts";
import type { Lane } from "../store/limits.ts";
import type { OwedEntry } from "../store/run-log.ts";

/** What the timeline keeps of one step's rendered input. */
export const MAX_KEPT_INPUT_BYTES = 64 * 1024;
/** The largest output one step may produce. */
export const MAX_STEP_OUTPUT_BYTES = 1024 * 1024;
/** All of a run's step rows together. */
export const MAX_RUN_STATE_BYTES = 8 * 1024 * 1024;
/** A single SQLite row in a Durable Object (production's limit, enforced here locally too). */
export const MAX_ROW_BYTES = 2 * 1000 * 1000;
const PREVIEW_CHARS = 200;

export interface Stored {
  tenantId: string;
  state: RunState;
  /** Commands persisted with the state and not yet known to be carried out. */
  pending: Command[];
  /** The queues its actions take: `bulk` when its event came from a bursting tenant. */
  lane?: Lane;
  /** The status the tenant store's runs index last heard of. */
  indexedStatus?: RunState["status"];
  /** The runs index is told with the pending commands (the status changed). */
  indexDue?: boolean;
  /**
   * Run-log entries stored with the change they record (a retry, a cancel,
   * an approval's decision) and not yet known to be in the tenant's store.
   */
  owed?: OwedEntry[];
}

/** Dispatched attempts no consumer has claimed yet. */
export interface Unclaimed {
  stepId: string;
  attempt: number;
  at: number;
  sends: number;
}

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS run_core (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     body TEXT NOT NULL
   )`,
  `CREATE TABLE IF NOT EXISTS run_steps (
     step_id TEXT PRIMARY KEY,
     body TEXT NOT NULL,
     bytes INTEGER NOT NULL
   )`,
  `CREATE TABLE IF NOT EXISTS run_dispatch (step_id TEXT PRIMARY KEY, body TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS run_unclaimed (
     step_id TEXT PRIMARY KEY,
     attempt INTEGER NOT NULL,
     at INTEGER NOT NULL,
     sends INTEGER NOT NULL
   )`,
];

export class RunStorage {
  readonly #storage: DurableObjectStorage;
  /** The step rows as last written, to write only what a transition changed. */
  #written: Map<string, string> | null = null;
  /**
   * The step objects as last saved or loaded. The engine's draft replaces
   * only the step objects it changes (and `apply` only those whose input it
   * truncates), so a step still the same object is the same row: a
   * transition of a 1,000-item loop serialises the few steps it touched,
   * not all 3,000.
   */
  #savedSteps: Record<string, StepState> | null = null;
  /** Each step row's size, and their sum, for `otherStepBytes` without a scan. */
  #bytes: Map<string, number> | null = null;
  #totalBytes = 0;
  /** The run as last saved or loaded (this object is its only writer). */
  #cached: Stored | undefined;

  /**
   * Whether the tables exist. A new object creates them with its first
   * save, in that save's transaction: a run's first checkpoint is one
   * commit, not two (each commit is an fsync of a brand-new file).
   */
  #schema: boolean;

  constructor(storage: DurableObjectStorage) {
    this.#storage = storage;
    this.#schema =
      storage.sql
        .exec("SELECT 1 AS one FROM sqlite_master WHERE type = 'table' AND name = 'run_core'")
        .toArray().length > 0;
  }

  #ensureSchema(): void {
    if (this.#schema) return;
    for (const s of SCHEMA) this.#storage.sql.exec(s);
    this.#schema = true;
  }

  /** After `deleteAll()`: the tables are gone; an empty run can be read again. */
  forget(): void {
    this.reset();
    this.#schema = false;
  }

  load(): Stored | undefined {
    if (this.#cached) return this.#cached;
    if (!this.#schema) return undefined;
    const sql = this.#storage.sql;
    const core = sql.exec<{ body: string }>("SELECT body FROM run_core WHERE id = 1").toArray()[0];
    if (!core) return undefined;
    const stored = JSON.parse(core.body) as Omit<Stored, "state"> & {
      state: Omit<RunState, "steps">;
    };
    const steps: Record<string, StepState> = {};
    const written = new Map<string, string>();
    const bytes = new Map<string, number>();
    let total = 0;
    for (const row of sql.exec<{ step_id: string; body: string; bytes: number }>(
      "SELECT step_id, body, bytes FROM run_steps",
    )) {
      steps[row.step_id] = decodeStep(row.step_id, row.body);
      written.set(row.step_id, row.body);
      bytes.set(row.step_id, row.bytes);
      total += row.bytes;
    }
    this.#written = written;
    this.#bytes = bytes;
    this.#totalBytes = total;
    this.#savedSteps = steps;
    this.#cached = { ...stored, state: { ...stored.state, steps } };
    return this.#cached;
  }

  /**
   * Writes the run in one transaction: the core, the steps whose row
   * changed, and the dispatch payloads and unclaimed attempts given.
   */
  save(
    next: Stored,
    extra: { dispatches?: { stepId: string; body: unknown }[]; unclaimed?: Unclaimed[] } = {},
  ): void {
    const sql = this.#storage.sql;
    const written = this.#written ?? new Map<string, string>();
    const { steps, ...core } = next.state;
    // Without a cached state (a first save, or after a reset) every row is
    // compared as text; with one, only the step objects that were replaced.
    const saved = this.#written === null ? null : this.#savedSteps;
    const changed: [string, string][] = [];
    for (const id in steps) {
      const step = steps[id]!;
      if (saved !== null && saved[id] === step) continue;
      const body = encodeStep(step);
      if (written.get(id) !== body) changed.push([id, body]);
    }
    const coreBody = JSON.stringify({ ...next, state: core });
    this.#storage.transactionSync(() => {
      this.#ensureSchema();
      sql.exec(
        "INSERT INTO run_core (id, body) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET body = excluded.body",
        coreBody,
      );
      for (const [id, body] of changed) {
        sql.exec(
          "INSERT INTO run_steps (step_id, body, bytes) VALUES (?, ?, ?) ON CONFLICT (step_id) DO UPDATE SET body = excluded.body, bytes = excluded.bytes",
          id,
          body,
          body.length,
        );
      }
      for (const d of extra.dispatches ?? []) this.putDispatch(d.stepId, d.body);
      for (const u of extra.unclaimed ?? []) this.putUnclaimed(u);
    });
    const bytes = this.#bytes;
    for (const [id, body] of changed) {
      written.set(id, body);
      if (bytes !== null) {
        this.#totalBytes += body.length - (bytes.get(id) ?? 0);
        bytes.set(id, body.length);
      }
    }
    if (bytes === null) this.#readBytes();
    this.#written = written;
    this.#savedSteps = steps;
    this.#cached = next;
  }

  /**
   * Takes `next` as the run without writing it: only its pending commands
   * may differ from what is stored (they were carried out). The next save
   * writes it; until then a restart replays them, which every command
   * allows (they are idempotent downstream).
   */
  settle(next: Stored): void {
    if (this.#cached === undefined) throw new Error("settle before the run was loaded");
    this.#cached = next;
  }

  /** The step rows' sizes, read once after a first save (a new run, or after a reset). */
  #readBytes(): void {
    const bytes = new Map<string, number>();
    let total = 0;
    for (const row of this.#storage.sql.exec<{ step_id: string; bytes: number }>(
      "SELECT step_id, bytes FROM run_steps",
    )) {
      bytes.set(row.step_id, row.bytes);
      total += row.bytes;
    }
    this.#bytes = bytes;
    this.#totalBytes = total;
  }

  /** Forgets what was cached (a failed transaction may have left it wrong). */
  reset(): void {
    this.#written = null;
    this.#savedSteps = null;
    this.#bytes = null;
    this.#totalBytes = 0;
    this.#cached = undefined;
  }

  /** The bytes of the step rows other than `stepId`'s. */
  otherStepBytes(stepId: string): number {
    const bytes = this.#bytes;
    if (bytes !== null) return this.#totalBytes - (bytes.get(stepId) ?? 0);
    if (!this.#schema) return 0;
    const row = this.#storage.sql
      .exec<{ n: number | null }>(
        "SELECT sum(bytes) AS n FROM run_steps WHERE step_id != ?",
        stepId,
      )
      .one();
    return row.n ?? 0;
  }

  dispatch<T>(stepId: string): T | undefined {
    if (!this.#schema) return undefined;
    const row = this.#storage.sql
      .exec<{ body: string }>("SELECT body FROM run_dispatch WHERE step_id = ?", stepId)
      .toArray()[0];
    return row ? (JSON.parse(row.body) as T) : undefined;
  }

  unclaimed(): Unclaimed[] {
    if (!this.#schema) return [];
    return this.#storage.sql
      .exec<{ step_id: string; attempt: number; at: number; sends: number }>(
        "SELECT step_id, attempt, at, sends FROM run_unclaimed",
      )
      .toArray()
      .map((r) => ({ stepId: r.step_id, attempt: r.attempt, at: r.at, sends: r.sends }));
  }

  putUnclaimed(u: Unclaimed): void {
    this.#ensureSchema();
    this.#storage.sql.exec(
      "INSERT INTO run_unclaimed (step_id, attempt, at, sends) VALUES (?, ?, ?, ?) ON CONFLICT (step_id) DO UPDATE SET attempt = excluded.attempt, at = excluded.at, sends = excluded.sends",
      u.stepId,
      u.attempt,
      u.at,
      u.sends,
    );
  }

  putDispatch(stepId: string, body: unknown): void {
    this.#ensureSchema();
    this.#storage.sql.exec(
      "INSERT INTO run_dispatch (step_id, body) VALUES (?, ?) ON CONFLICT (step_id) DO UPDATE SET body = excluded.body",
      stepId,
      JSON.stringify(body),
    );
  }

  claim(stepId: string, attempt: number): void {
    if (!this.#schema) return;
    this.#storage.sql.exec(
      "DELETE FROM run_unclaimed WHERE step_id = ? AND attempt = ?",
      stepId,
      attempt,
    );
  }
}

/** A step's members at their usual value: a row leaves them out (a long loop keeps many rows). */
const STEP_DEFAULTS = STEP_STATE_DEFAULTS;

/**
 * A step's row: its state without its id (the row's key) and without the
 * members at their defaults, so a 10,000-item loop's rows stay within the
 * run's cap (an item's step keeps ~40% less than its full JSON).
 */
export function encodeStep(step: StepState): string {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(step)) {
    if (key === "id" || value === undefined) continue;
    if (key in STEP_DEFAULTS && STEP_DEFAULTS[key as keyof typeof STEP_DEFAULTS] === value)
      continue;
    out[key] = value;
  }
  return JSON.stringify(out);
}

/** A step's state from its row (encodeStep). */
export function decodeStep(id: string, body: string): StepState {
  return { id, ...STEP_DEFAULTS, ...(JSON.parse(body) as Omit<StepState, "id">) };
}

const bytesOf = (text: string): number => new TextEncoder().encode(text).length;

/** The JSON size of a value, in bytes. */
export function jsonBytes(value: unknown): number {
  return value === undefined ? 0 : bytesOf(JSON.stringify(value));
}

/** An error message kept in a step: longer ones are cut (with a note). */
const MAX_ERROR_MESSAGE = 4_000;

/**
 * What the engine may keep: an output too big for the run's storage
 * fails its step as `state_too_large` (never retried: the same output
 * comes back), and an error message is cut to a readable length.
 * `otherStepBytes` measures the run's other step rows.
 */
export function boundedInput(
  input: RunInput,
  otherStepBytes: (stepId: string) => number,
): RunInput {
  if (input.type === "stepSucceeded") {
    const bytes = jsonBytes(input.output);
    const total = bytes + otherStepBytes(input.stepId);
    if (bytes > MAX_STEP_OUTPUT_BYTES || total > MAX_RUN_STATE_BYTES) {
      return {
        type: "stepFailed",
        stepId: input.stepId,
        attempt: input.attempt,
        error: {
          code: "state_too_large",
          message:
            bytes > MAX_STEP_OUTPUT_BYTES
              ? `the step's output is ${bytes} bytes; a step may keep at most ${MAX_STEP_OUTPUT_BYTES}`
              : `the run's steps would keep ${total} bytes; a run may keep at most ${MAX_RUN_STATE_BYTES}`,
        },
        retryable: false,
        at: input.at,
      };
    }
  }
  if (input.type === "stepFailed" && input.error.message.length > MAX_ERROR_MESSAGE) {
    return {
      ...input,
      error: {
        ...input.error,
        message: `${input.error.message.slice(0, MAX_ERROR_MESSAGE)}… (cut: ${input.error.message.length} characters)`,
      },
    };
  }
  return input;
}

async function marker(text: string): Promise<unknown> {
  return {
    $truncated: {
      bytes: bytesOf(text),
      sha256: await sha256Hex(text),
      preview: text.slice(0, PREVIEW_CHARS),
    },
  };
}

/**
 * What the timeline keeps of a rendered input: the value itself when it is
 * small; else, for an object, its small fields whole and each big one as a
 * truncation marker (its size, its SHA-256 and the start of it), so fields
 * such as an approval's timeout survive; else one marker.
 */
export async function keptInput(value: unknown): Promise<unknown> {
  if (value === undefined || value === null) return value;
  const text = JSON.stringify(value);
  if (bytesOf(text) <= MAX_KEPT_INPUT_BYTES) return value;
  if (typeof value !== "object" || Array.isArray(value)) return marker(text);
  const out: Record<string, unknown> = {};
  let budget = MAX_KEPT_INPUT_BYTES;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const t = JSON.stringify(v) ?? "null";
    const size = bytesOf(t);
    if (size <= 1024 && size <= budget) {
      out[k] = v;
      budget -= size;
    } else {
      // A text is measured and hashed as itself; anything else as its JSON.
      out[k] = await marker(typeof v === "string" ? v : t);
    }
  }
  return out;
}
