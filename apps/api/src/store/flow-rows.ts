// Flow control's rows in a tenant's store (issue 16, item 1): the tables,
// the decision state read from them, and the small reads and writes the
// admission (flow.ts), the release (flow-release.ts) and the words
// (flow-view.ts) share.
//
// - `flow_queue`: runs that wait (no WorkflowRun object yet, or a failed run
//   whose retry waits). Their start params are kept, so releasing one needs
//   nothing else. A debounce slot is a queue row in state `debounce`; a run
//   marked started whose object has not confirmed is in state `starting`.
// - `flow_active`: the runs holding a slot — started and not ended — with
//   their concurrency slot and whether they run (the tenant cap counts
//   those). Written with the index row at start and end.
// - `flow_marks`: numbers the decisions keep: each throttle key's GCRA time
//   (`tat:`), when each lane and workflow was last served (`served:`), the
//   serve counter and the arrival counter.
import {
  type createRun,
  type FlowControl,
  type FlowState,
  type flowKeys,
  flowMs,
  TENANT_RUNNING_CAP,
  type Waiting,
  type WorkflowDefinition,
} from "@switchyard/engine";
import type { StoreDb } from "./db.ts";
import { run } from "./raw.ts";

export type CreateRunParams = Parameters<typeof createRun>[0];

/** Queue row states. */
export const QueueState = {
  /** Waits for a slot, the throttle or the tenant cap. */
  queued: "queued",
  /** A debounce slot: starts (enters the queue) at `until` unless a later event replaces it. */
  debounce: "debounce",
  /** Marked started; its object has not confirmed yet (the alarm tries again). */
  starting: "starting",
} as const;

export interface QueueRow extends Record<string, string | number | null> {
  run_id: string;
  workflow_id: string;
  lane: string;
  seq: number;
  kind: "start" | "retry";
  state: string;
  ckey: string | null;
  climit: number | null;
  tkey: string | null;
  tlimit: number | null;
  tperiod: number | null;
  dkey: string | null;
  first_at: number | null;
  last_at: number | null;
  until: number | null;
  /** JSON: `{ params, lane }` (a start) or `{ to?, entry?, workflowVersion }` (a retry). */
  payload: string;
  created_at: number;
}

/** A retry's arguments, kept while it waits (the run object's `retry`). */
export interface RetryArgs {
  to?: { version: number; definition: WorkflowDefinition } | undefined;
  entry?: unknown;
}

const CAP_META = "max_running_runs";

export const slotOf = (workflowId: string, key: string) => `${workflowId}\n${key}`;

/** The tenant cap the store holds (a copy of the tenant setting `maxRunningRuns`). */
export function tenantCap(db: StoreDb): number {
  const [row] = run<{ value: string }>(db, "SELECT value FROM store_meta WHERE key = ?", CAP_META);
  const n = row ? Number(row.value) : Number.NaN;
  return Number.isInteger(n) ? n : TENANT_RUNNING_CAP.default;
}

export function setTenantCap(db: StoreDb, cap: number): void {
  run(
    db,
    "INSERT INTO store_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    CAP_META,
    String(cap),
  );
}

export const mark = (db: StoreDb, name: string): number | undefined =>
  run<{ value: number }>(db, "SELECT value FROM flow_marks WHERE name = ?", name)[0]?.value;

export const setMark = (db: StoreDb, name: string, value: number): void => {
  run(
    db,
    "INSERT INTO flow_marks (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
    name,
    value,
  );
};

/** The next arrival number (FIFO order inside a lane). */
export function nextSeq(db: StoreDb): number {
  const seq = (mark(db, "seq") ?? 0) + 1;
  setMark(db, "seq", seq);
  return seq;
}

/** A queue row's engine view. */
export function waitingOf(r: QueueRow): Waiting {
  return {
    id: r.run_id,
    workflowId: r.workflow_id,
    lane: r.lane,
    arrival: r.seq,
    concurrency:
      r.ckey !== null && r.climit !== null
        ? { slot: slotOf(r.workflow_id, r.ckey), limit: r.climit }
        : null,
    throttle:
      r.tkey !== null && r.tlimit !== null && r.tperiod !== null
        ? { slot: slotOf(r.workflow_id, r.tkey), limit: r.tlimit, periodMs: r.tperiod }
        : null,
  };
}

/**
 * The decision state for the slots, throttles and lanes given, read from
 * the rows (lazily: only what is asked for is read).
 */
export class RowState implements FlowState {
  readonly active = new LazyMap((slot) =>
    Number(
      run<{ n: number }>(this.db, "SELECT count(*) AS n FROM flow_active WHERE slot = ?", slot)[0]
        ?.n ?? 0,
    ),
  );
  readonly tat = new LazyMap((slot) => mark(this.db, `tat:${slot}`));
  readonly served = new LazyMap((name) => mark(this.db, `served:${name}`));
  running: number;
  cap: number;
  serveSeq: number;

  constructor(private readonly db: StoreDb) {
    this.running = Number(
      run<{ n: number }>(db, "SELECT count(*) AS n FROM flow_active WHERE running = 1")[0]?.n ?? 0,
    );
    this.cap = tenantCap(db);
    this.serveSeq = mark(db, "serve") ?? 0;
  }

  /** Writes what the decisions moved (throttle times, serves). */
  save(db: StoreDb): void {
    for (const [slot, tat] of this.tat.changed())
      if (tat !== undefined) setMark(db, `tat:${slot}`, tat);
    for (const [name, at] of this.served.changed())
      if (at !== undefined) setMark(db, `served:${name}`, at);
    setMark(db, "serve", this.serveSeq);
  }
}

/** A Map that reads a missing key once; remembers which keys were set. */
export class LazyMap<V> extends Map<string, V> {
  readonly #set = new Set<string>();
  constructor(private readonly read: (key: string) => V) {
    super();
  }
  override get(key: string): V {
    if (!super.has(key)) super.set(key, this.read(key));
    return super.get(key) as V;
  }
  override set(key: string, value: V): this {
    this.#set?.add(key);
    return super.set(key, value);
  }
  changed(): [string, V][] {
    return [...this.#set].map((k) => [k, super.get(k) as V]);
  }
}

export function queueRowOf(
  run: { runId: string; workflowId: string; kind: QueueRow["kind"]; payload?: unknown },
  flow: FlowControl | null,
  keys: ReturnType<typeof flowKeys> | null,
  at: number,
): QueueRow {
  const laneKey = keys?.concurrency ?? keys?.throttle ?? "";
  return {
    run_id: run.runId,
    workflow_id: run.workflowId,
    lane: slotOf(run.workflowId, laneKey),
    seq: 0,
    kind: run.kind,
    state: QueueState.queued,
    ckey: keys?.concurrency ?? null,
    climit: flow?.concurrency?.limit ?? null,
    tkey: keys?.throttle ?? null,
    tlimit: flow?.throttle?.limit ?? null,
    tperiod: flow?.throttle ? flowMs(flow.throttle.period) : null,
    dkey: null,
    first_at: null,
    last_at: null,
    until: null,
    // Left out by admission until the run is queued: most runs start at once,
    // and serialising their params (event and definition) would be wasted.
    payload: run.payload === undefined ? "" : JSON.stringify(run.payload),
    created_at: at,
  };
}

/** Whether a lane has runs queued (FIFO: an arrival then waits behind them). */
export function laneHasQueued(db: StoreDb, lane: string): boolean {
  return (
    run(
      db,
      "SELECT 1 AS one FROM flow_queue WHERE lane = ? AND state = ? LIMIT 1",
      lane,
      QueueState.queued,
    ).length > 0
  );
}

export interface ActiveRow {
  runId: string;
  workflowId: string;
  slot: string | null;
}

export const activeRow = (runId: string, workflowId: string, w: Waiting): ActiveRow => ({
  runId,
  workflowId,
  slot: w.concurrency?.slot ?? null,
});

export function insertActive(db: StoreDb, a: ActiveRow): void {
  run(
    db,
    "INSERT INTO flow_active (run_id, workflow_id, slot, running) VALUES (?, ?, ?, 1) ON CONFLICT (run_id) DO NOTHING",
    a.runId,
    a.workflowId,
    a.slot,
  );
}

const QUEUE_COLUMNS = [
  "run_id",
  "workflow_id",
  "lane",
  "seq",
  "kind",
  "state",
  "ckey",
  "climit",
  "tkey",
  "tlimit",
  "tperiod",
  "dkey",
  "first_at",
  "last_at",
  "until",
  "payload",
  "created_at",
] as const;

export function insertQueueRow(db: StoreDb, r: QueueRow): void {
  run(
    db,
    `INSERT INTO flow_queue (${QUEUE_COLUMNS.join(", ")}) VALUES (${QUEUE_COLUMNS.map(() => "?").join(", ")})
     ON CONFLICT (run_id) DO NOTHING`,
    ...QUEUE_COLUMNS.map((c) => r[c]),
  );
}

/** A debounce slot that is due enters the queue (arrival: now). */
export function fireSlot(db: StoreDb, runId: string): void {
  run(
    db,
    "UPDATE flow_queue SET state = ?, seq = ?, until = NULL WHERE run_id = ? AND state = ?",
    QueueState.queued,
    nextSeq(db),
    runId,
    QueueState.debounce,
  );
}

export function hasQueued(db: StoreDb): boolean {
  return run(db, "SELECT 1 AS one FROM flow_queue LIMIT 1").length > 0;
}

/** Each lane's first queued run. */
export function queueHeads(db: StoreDb): QueueRow[] {
  return run<QueueRow>(
    db,
    `SELECT q.* FROM flow_queue q
     WHERE q.state = ? AND q.seq = (SELECT min(seq) FROM flow_queue WHERE lane = q.lane AND state = ?)`,
    QueueState.queued,
    QueueState.queued,
  );
}
