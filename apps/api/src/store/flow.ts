// Flow control in a tenant's own store (issue 16, item 1; the decisions are
// the engine's, packages/engine/src/flow). No global coordinator: every row
// lives in the tenant's store, next to the runs index.
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
//
// A queued run commits with its index row (`waiting`) in the matcher's
// writes; its id is derived, so a redelivered event queues nothing new.
// Releases happen when a slot frees (indexRun of an end), on the alarm (a
// throttle's time, a debounce slot due, starts not confirmed, slots whose
// run ended without saying so), and are marked in a transaction before the
// run object is called, so a crash between the two is retried, not lost.
import {
  admit,
  type Blocked,
  blockedBy,
  capWaiters,
  createRun,
  debounceArrive,
  type FlowControl,
  type FlowState,
  flowKeys,
  flowMs,
  flowOf,
  planRelease,
  TENANT_RUNNING_CAP,
  type Waiting,
  type WaitingFor,
  type WorkflowDefinition,
  waitingFor,
} from "@switchyard/engine";
import type { Env } from "../env.ts";
import type { StoreDb } from "./db.ts";
import type { Lane } from "./limits.ts";
import { run } from "./raw.ts";
import { FINAL_STATUSES, type RunRow, runIndexRow, upsertRun } from "./runs.ts";

type CreateRunParams = Parameters<typeof createRun>[0];

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
/** How soon the alarm tries again a start its run object did not confirm. */
export const FLOW_RETRY_MS = 5_000;

const slotOf = (workflowId: string, key: string) => `${workflowId}\n${key}`;

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

const mark = (db: StoreDb, name: string): number | undefined =>
  run<{ value: number }>(db, "SELECT value FROM flow_marks WHERE name = ?", name)[0]?.value;

const setMark = (db: StoreDb, name: string, value: number): void => {
  run(
    db,
    "INSERT INTO flow_marks (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
    name,
    value,
  );
};

/** The next arrival number (FIFO order inside a lane). */
function nextSeq(db: StoreDb): number {
  const seq = (mark(db, "seq") ?? 0) + 1;
  setMark(db, "seq", seq);
  return seq;
}

/** A queue row's engine view. */
function waitingOf(r: QueueRow): Waiting {
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
class RowState implements FlowState {
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
class LazyMap<V> extends Map<string, V> {
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

// ── At matching ───────────────────────────────────────────────────────────

/** What the matcher does with a run that flow control decided on. */
export type FlowDecision =
  | { start: true; write: (db: StoreDb) => void }
  | { start: false; write: (db: StoreDb) => void };

/**
 * Flow control at matching, for one batch of events: decides each run
 * (start now, or queue it, or hold it in a debounce slot) from the rows as
 * they are plus what this batch already decided, and hands back the writes
 * to make with the batch's index rows (the matcher's `writes`: they commit
 * together). Test runs bypass flow control.
 */
export class FlowAdmission {
  #state: RowState | null = null;
  /** Lanes with someone waiting (read once per lane, then kept up to date). */
  readonly #busy = new Map<string, boolean>();
  /** Debounce slots this batch read or moved. */
  readonly #slots = new Map<string, QueueRow | null>();
  /** When the alarm should look next (a throttle time, a debounce slot due). */
  wakeAt: number | null = null;

  constructor(
    private readonly db: StoreDb,
    private readonly tenantId: string,
  ) {}

  private state(): RowState {
    this.#state ??= new RowState(this.db);
    return this.#state;
  }

  private wake(at: number | null): void {
    if (at !== null && (this.wakeAt === null || at < this.wakeAt)) this.wakeAt = at;
  }

  #capWaiting: boolean | null = null;

  /** Whether runs wait for the tenant cap (or for a release): read once per batch (capWaiters). */
  private capWaiting(at: number): boolean {
    if (this.#capWaiting === null) {
      this.#capWaiting = hasQueued(this.db)
        ? capWaiters(queueHeads(this.db).map(waitingOf), this.state(), at)
        : false;
    }
    return this.#capWaiting;
  }

  private laneBusy(lane: string): boolean {
    let busy = this.#busy.get(lane);
    if (busy === undefined) {
      busy =
        run(
          this.db,
          "SELECT 1 AS one FROM flow_queue WHERE lane = ? AND state = ? LIMIT 1",
          lane,
          QueueState.queued,
        ).length > 0;
      this.#busy.set(lane, busy);
    }
    return busy;
  }

  /** Decides one run the matcher would start; `at` is the matching time (ms). */
  decide(params: CreateRunParams, lane: Lane, at: number): FlowDecision {
    const flow = flowOf(params.definition);
    const keys = flow ? flowKeys(flow, params.event) : null;
    const row = queueRowOf(params, flow, keys, lane, at);
    const w = waitingOf(row);
    const state = this.state();
    if (flow?.debounce && keys?.debounce !== null && keys?.debounce !== undefined) {
      return this.debounce(params, flow, keys.debounce, row, at);
    }
    const decided = admit(w, this.laneBusy(row.lane), state, at, this.capWaiting(at));
    const active = activeRow(params.runId, params.workflowId, w);
    if (decided.start) {
      // One small row with the index row: the slot (and the tenant's running count);
      // a throttled workflow also moves its key's GCRA time. A run that starts at
      // once waited for nobody: its serve is not recorded (fairness is among waiters).
      const tat = w.throttle ? { slot: w.throttle.slot, at: state.tat.get(w.throttle.slot) } : null;
      return {
        start: true,
        write: (db) => {
          insertActive(db, active);
          if (tat && tat.at !== undefined) setMark(db, `tat:${tat.slot}`, tat.at);
        },
      };
    }
    this.#busy.set(row.lane, true);
    // Queued behind runs the release pass has not reached yet: it runs now.
    this.wake(decided.reason === "tenant_limit" && !blockedBy(w, state, at) ? at : decided.until);
    return {
      start: false,
      write: (db) => enqueue(db, this.tenantId, params, { ...row, seq: nextSeq(db) }, at),
    };
  }

  private debounce(
    params: CreateRunParams,
    flow: FlowControl,
    key: string,
    row: QueueRow,
    at: number,
  ): FlowDecision {
    const d = flow.debounce!;
    const name = slotOf(params.workflowId, key);
    let slot = this.#slots.get(name);
    if (slot === undefined) {
      slot =
        run<QueueRow>(
          this.db,
          "SELECT * FROM flow_queue WHERE state = ? AND workflow_id = ? AND dkey = ? LIMIT 1",
          QueueState.debounce,
          params.workflowId,
          key,
        )[0] ?? null;
    }
    const quiet = flowMs(d.quiet);
    const maxWait = d.maxWait ? flowMs(d.maxWait) : null;
    const next = debounceArrive(
      slot ? { runId: slot.run_id, firstAt: slot.first_at!, lastAt: slot.last_at! } : null,
      params.runId,
      at,
      quiet,
      maxWait,
    );
    const mine: QueueRow = {
      ...row,
      state: QueueState.debounce,
      dkey: key,
      first_at: next.slot.firstAt,
      last_at: next.slot.lastAt,
      until: next.dueAt,
    };
    this.#slots.set(name, mine);
    this.wake(next.dueAt);
    const replaced = next.replaced;
    const fired = next.fire;
    return {
      start: false,
      write: (db) => {
        // A late alarm: the old burst is over; its run enters the queue first.
        if (fired !== null) fireSlot(db, fired);
        if (replaced !== null)
          skipDebounced(db, this.tenantId, replaced, params.event.id, d.key, key, at);
        enqueue(db, this.tenantId, params, { ...mine, seq: 0 }, at);
      },
    };
  }
}

function queueRowOf(
  params: CreateRunParams,
  flow: FlowControl | null,
  keys: ReturnType<typeof flowKeys> | null,
  lane: Lane,
  at: number,
): QueueRow {
  const laneKey = keys?.concurrency ?? keys?.throttle ?? "";
  return {
    run_id: params.runId,
    workflow_id: params.workflowId,
    lane: slotOf(params.workflowId, laneKey),
    seq: 0,
    kind: "start",
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
    payload: JSON.stringify({ params, lane }),
    created_at: at,
  };
}

interface ActiveRow {
  runId: string;
  workflowId: string;
  slot: string | null;
}

const activeRow = (runId: string, workflowId: string, w: Waiting): ActiveRow => ({
  runId,
  workflowId,
  slot: w.concurrency?.slot ?? null,
});

function insertActive(db: StoreDb, a: ActiveRow): void {
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

function insertQueueRow(db: StoreDb, r: QueueRow): void {
  run(
    db,
    `INSERT INTO flow_queue (${QUEUE_COLUMNS.join(", ")}) VALUES (${QUEUE_COLUMNS.map(() => "?").join(", ")})
     ON CONFLICT (run_id) DO NOTHING`,
    ...QUEUE_COLUMNS.map((c) => r[c]),
  );
}

/**
 * True when flow control holds or settled this run (queued, in a debounce
 * slot, skipped or cancelled before it started): a redelivered event
 * leaves it as it is.
 */
export function heldByFlow(db: StoreDb, runId: string): boolean {
  return (
    run(
      db,
      `SELECT 1 AS one FROM flow_queue WHERE run_id = ?
       UNION ALL SELECT 1 FROM runs WHERE id = ? AND has_object = 0 AND status IN ('waiting', 'skipped', 'cancelled')
       LIMIT 1`,
      runId,
      runId,
    ).length > 0
  );
}

/** A queued run: its queue row and its index row (`waiting`, no object yet). */
function enqueue(
  db: StoreDb,
  tenantId: string,
  params: CreateRunParams,
  r: QueueRow,
  at: number,
): void {
  insertQueueRow(db, r);
  const iso = new Date(at).toISOString();
  upsertRun(db, { ...runIndexRow(tenantId, createRun(params), iso, false), status: "waiting" });
}

/** A debounce slot that is due enters the queue (arrival: now). */
function fireSlot(db: StoreDb, runId: string): void {
  run(
    db,
    "UPDATE flow_queue SET state = ?, seq = ?, until = NULL WHERE run_id = ? AND state = ?",
    QueueState.queued,
    nextSeq(db),
    runId,
    QueueState.debounce,
  );
}

/** The run a later event replaced in a debounce slot: `skipped`, saying by what. */
function skipDebounced(
  db: StoreDb,
  tenantId: string,
  runId: string,
  byEventId: string,
  template: string | undefined,
  key: string,
  at: number,
): void {
  const [old] = run<QueueRow>(db, "SELECT * FROM flow_queue WHERE run_id = ?", runId);
  if (!old) return;
  run(db, "DELETE FROM flow_queue WHERE run_id = ?", runId);
  const { params } = JSON.parse(old.payload) as { params: CreateRunParams };
  const iso = new Date(at).toISOString();
  const state = createRun(params);
  const words = keyWordsOf(template, key);
  upsertRun(db, {
    ...runIndexRow(tenantId, state, iso, false),
    status: "skipped",
    finishedAt: iso,
    suppression: JSON.stringify({
      reason: "debounced",
      message: `replaced by a later event (${byEventId}) for ${words}`,
    }),
    steps: "[]",
    seq: state.seq + 1,
  });
}

const keyWordsOf = (template: string | undefined, key: string): string =>
  waitingFor({ debounce: { key: template, quiet: "1s" } } as FlowControl, {
    reason: "debounce",
    key,
    ahead: 0,
    until: null,
  }).message.replace(/^waiting for events about (.*) to stop$/, "$1");

// ── Releasing ─────────────────────────────────────────────────────────────

/**
 * A run index checkpoint (indexRun), in its transaction: a run that ended
 * gives its slot back; one that waits (a delay, an approval) stops counting
 * for the tenant cap, and counts again when it runs. True when something
 * was freed and runs wait: the caller releases.
 */
export function noteIndexed(db: StoreDb, runId: string): boolean {
  const [a] = run<{ running: number }>(
    db,
    "SELECT running FROM flow_active WHERE run_id = ?",
    runId,
  );
  if (!a) return false;
  // The row as it stands after this checkpoint (a stale one changed nothing).
  const status = run<{ status: string }>(db, "SELECT status FROM runs WHERE id = ?", runId)[0]
    ?.status;
  if (status === undefined) return false;
  if (FINAL_STATUSES.includes(status)) {
    run(db, "DELETE FROM flow_active WHERE run_id = ?", runId);
    return hasQueued(db);
  }
  const running = status === "running" ? 1 : 0;
  if (a.running === running) return false;
  run(db, "UPDATE flow_active SET running = ? WHERE run_id = ?", running, runId);
  return running === 0 && hasQueued(db);
}

export function hasQueued(db: StoreDb): boolean {
  return run(db, "SELECT 1 AS one FROM flow_queue LIMIT 1").length > 0;
}

/**
 * Slots of runs that ended without their object saying so (the index row is
 * final, or the run is gone) are given back; running flags follow the index.
 */
export function sweepActive(db: StoreDb): void {
  const final = FINAL_STATUSES.map(() => "?").join(", ");
  run(
    db,
    `DELETE FROM flow_active WHERE run_id IN (
       SELECT a.run_id FROM flow_active a LEFT JOIN runs r ON r.id = a.run_id
       WHERE r.id IS NULL OR r.status IN (${final}))`,
    ...FINAL_STATUSES,
  );
  run(
    db,
    `UPDATE flow_active SET running = 0 WHERE running = 1 AND run_id IN (
       SELECT id FROM runs WHERE status = 'waiting' AND has_object = 1)`,
  );
}

/**
 * One release pass, in a transaction: debounce slots that are due enter
 * the queue; then, while a lane's head can start (the engine's fair pick),
 * it is marked `starting` and takes its slot. Returns the rows to start
 * (with those left unconfirmed before) and when to look again.
 */
export function planStarts(
  db: StoreDb,
  now: number,
): { starts: QueueRow[]; wakeAt: number | null } {
  return db.transaction((tx) => {
    const d = tx as unknown as StoreDb;
    for (const due of run<{ run_id: string }>(
      d,
      "SELECT run_id FROM flow_queue WHERE state = ? AND until <= ? ORDER BY until",
      QueueState.debounce,
      now,
    )) {
      fireSlot(d, due.run_id);
    }
    const state = new RowState(d);
    const started: QueueRow[] = [];
    let wakeAt: number | null = null;
    // Heads only (FIFO per lane); a lane whose head starts shows its next on the next turn.
    for (let turn = 0; turn < 1_000; turn++) {
      const heads = queueHeads(d);
      const byId = new Map(heads.map((h) => [h.run_id, h]));
      const plan = planRelease(heads.map(waitingOf), state, now);
      wakeAt = plan.wakeAt;
      if (plan.start.length === 0) break;
      for (const w of plan.start) {
        const h = byId.get(w.id)!;
        run(d, "UPDATE flow_queue SET state = ? WHERE run_id = ?", QueueState.starting, h.run_id);
        insertActive(d, activeRow(h.run_id, h.workflow_id, w));
        started.push({ ...h, state: QueueState.starting });
      }
    }
    state.save(d);
    const next = run<{ at: number | null }>(
      d,
      "SELECT min(until) AS at FROM flow_queue WHERE state = ?",
      QueueState.debounce,
    )[0]?.at;
    if (next !== null && next !== undefined && (wakeAt === null || next < wakeAt)) wakeAt = next;
    return { starts: started, wakeAt };
  });
}

/** Each lane's first queued run. */
function queueHeads(db: StoreDb): QueueRow[] {
  return run<QueueRow>(
    db,
    `SELECT q.* FROM flow_queue q
     WHERE q.state = ? AND q.seq = (SELECT min(seq) FROM flow_queue WHERE lane = q.lane AND state = ?)`,
    QueueState.queued,
    QueueState.queued,
  );
}

/** Rows marked started whose objects have not confirmed (the alarm tries them again). */
export function unconfirmed(db: StoreDb): QueueRow[] {
  return run<QueueRow>(
    db,
    "SELECT * FROM flow_queue WHERE state = ? ORDER BY seq LIMIT 100",
    QueueState.starting,
  );
}

/**
 * Calls each released run's object (`start`, idempotent by run id; or
 * `retry`), then drops its queue row with the index row moved on. A start
 * that fails stays `starting` for the alarm. Returns false when any failed.
 */
export async function confirmStarts(
  db: StoreDb,
  objects: Env["RUNS"],
  tenantId: string,
  rows: QueueRow[],
): Promise<boolean> {
  const results = await Promise.all(
    rows.map(async (r) => {
      const stub = objects.get(objects.idFromName(r.run_id));
      try {
        if (r.kind === "start") {
          const { params, lane } = JSON.parse(r.payload) as {
            params: CreateRunParams;
            lane: Lane;
          };
          await stub.start(tenantId, params, lane);
          const at = new Date().toISOString();
          db.transaction((tx) => {
            const d = tx as unknown as StoreDb;
            run(d, "DELETE FROM flow_queue WHERE run_id = ?", r.run_id);
            upsertRun(d, {
              ...runIndexRow(
                tenantId,
                { ...createRun(params), startedAt: Date.parse(at) },
                at,
                true,
              ),
            });
          });
          return true;
        }
        const args = JSON.parse(r.payload) as RetryArgs;
        const reply = await stub.retry(args.to, args.entry as never);
        if (!reply.ok) {
          const status = await stub.status();
          // Refused because it already happened (a repeat after a crash): nothing to undo.
          if (status !== "failed" && status !== null) {
            run(db, "DELETE FROM flow_queue WHERE run_id = ?", r.run_id);
            return true;
          }
          console.error(`the queued retry of ${r.run_id} was refused; it stays failed`, reply);
          db.transaction((tx) => {
            const d = tx as unknown as StoreDb;
            run(d, "DELETE FROM flow_queue WHERE run_id = ?", r.run_id);
            run(d, "DELETE FROM flow_active WHERE run_id = ?", r.run_id);
            run(
              d,
              "UPDATE runs SET status = 'failed' WHERE id = ? AND status = 'waiting'",
              r.run_id,
            );
          });
          return true;
        }
        run(db, "DELETE FROM flow_queue WHERE run_id = ?", r.run_id);
        return true;
      } catch (err) {
        console.error(`releasing ${r.run_id} failed; the alarm tries again`, err);
        return false;
      }
    }),
  );
  return results.every(Boolean);
}

/**
 * A whole release pass (after an end, and on the alarm): slots of runs that
 * ended silently are given back, starts left unconfirmed are tried again,
 * then whatever may start now is marked and started. Runs being confirmed
 * by another pass (`confirming`) are left to it. Returns when to look again.
 */
export async function releasePass(
  db: StoreDb,
  objects: Env["RUNS"],
  tenantId: string,
  confirming: Set<string>,
  now = Date.now(),
): Promise<number | null> {
  if (!hasQueued(db)) return null;
  sweepActive(db);
  const { starts, wakeAt } = planStarts(db, now);
  const rows = [
    ...unconfirmed(db).filter((r) => !starts.some((s) => s.run_id === r.run_id)),
    ...starts,
  ].filter((r) => !confirming.has(r.run_id));
  for (const r of rows) confirming.add(r.run_id);
  let ok = true;
  try {
    ok = await confirmStarts(db, objects, tenantId, rows);
  } finally {
    for (const r of rows) confirming.delete(r.run_id);
  }
  // Runs still wait: look again at the latest in a minute (slots of runs that end silently).
  const times = [
    wakeAt === null ? null : Math.max(wakeAt, now),
    ok ? null : Date.now() + FLOW_RETRY_MS,
    hasQueued(db) ? Date.now() + FLOW_SWEEP_MS : null,
  ].filter((t): t is number => t !== null);
  return times.length > 0 ? Math.min(...times) : null;
}

/** How often the alarm looks at waiting runs when nothing else wakes it (a run that ended silently). */
export const FLOW_SWEEP_MS = 60_000;

// ── Retries ───────────────────────────────────────────────────────────────

/**
 * A retry of a failed run of a workflow with flow control: it starts now
 * (takes its slot) or waits in the queue (index row `waiting`). Returns
 * null when it may go now (the caller retries), else the wait.
 */
export function admitRetry(
  db: StoreDb,
  tenantId: string,
  row: RunRow,
  definition: WorkflowDefinition,
  event: CreateRunParams["event"],
  args: RetryArgs,
  now: number,
): { queued: boolean } {
  return db.transaction((tx) => {
    const d = tx as unknown as StoreDb;
    const flow = flowOf(definition);
    const keys = flow ? flowKeys(flow, event) : null;
    const laneKey = keys?.concurrency ?? keys?.throttle ?? "";
    const q: QueueRow = {
      run_id: row.id,
      workflow_id: row.workflowId,
      lane: slotOf(row.workflowId, laneKey),
      seq: 0,
      kind: "retry",
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
      payload: JSON.stringify(args),
      created_at: now,
    };
    const w = waitingOf(q);
    const state = new RowState(d);
    const busy =
      run(
        d,
        "SELECT 1 AS one FROM flow_queue WHERE lane = ? AND state = ? LIMIT 1",
        q.lane,
        QueueState.queued,
      ).length > 0;
    const decided = admit(w, busy, state, now);
    state.save(d);
    if (decided.start) {
      insertActive(d, activeRow(row.id, row.workflowId, w));
      return { queued: false };
    }
    insertQueueRow(d, { ...q, seq: nextSeq(d) });
    run(d, "UPDATE runs SET status = 'waiting' WHERE tenant_id = ? AND id = ?", tenantId, row.id);
    return { queued: true };
  });
}

/** The slot a retry took is given back (the run object refused it). */
export function dropActive(db: StoreDb, runId: string): void {
  run(db, "DELETE FROM flow_active WHERE run_id = ?", runId);
}

// ── Cancelling and showing ────────────────────────────────────────────────

/**
 * Cancels a queued run (no object yet): out of the queue, index row
 * `cancelled`; a queued retry goes back to `failed`. Null when the run is
 * not queued (it has started: its object cancels it).
 */
export function cancelQueued(
  db: StoreDb,
  tenantId: string,
  runId: string,
  at: number,
): { status: "cancelled" | "failed" } | null {
  return db.transaction((tx) => {
    const d = tx as unknown as StoreDb;
    const [q] = run<QueueRow>(
      d,
      "SELECT * FROM flow_queue WHERE run_id = ? AND state != ?",
      runId,
      QueueState.starting,
    );
    if (!q) return null;
    run(d, "DELETE FROM flow_queue WHERE run_id = ?", runId);
    if (q.kind === "retry") {
      run(d, "UPDATE runs SET status = 'failed' WHERE tenant_id = ? AND id = ?", tenantId, runId);
      return { status: "failed" as const };
    }
    const iso = new Date(at).toISOString();
    const { params } = JSON.parse(q.payload) as { params: CreateRunParams };
    const state = createRun(params);
    upsertRun(d, {
      ...runIndexRow(tenantId, state, iso, false),
      status: "cancelled",
      finishedAt: iso,
      steps: "[]",
      seq: state.seq + 1,
    });
    return { status: "cancelled" as const };
  });
}

/** Why each of these runs waits (the runs that are queued); others are left out. */
export function waitingForRuns(
  db: StoreDb,
  runIds: readonly string[],
  now: number,
): Record<string, WaitingFor> {
  const out: Record<string, WaitingFor> = {};
  if (runIds.length === 0) return out;
  let state: RowState | null = null;
  for (const id of runIds) {
    const [q] = run<QueueRow>(db, "SELECT * FROM flow_queue WHERE run_id = ?", id);
    if (!q || q.state === QueueState.starting) continue;
    const flow = flowOfRow(q);
    if (q.state === QueueState.debounce) {
      out[id] = waitingFor(flow, { reason: "debounce", key: q.dkey, ahead: 0, until: q.until });
      continue;
    }
    state ??= new RowState(db);
    const aheadInLane = Number(
      run<{ n: number }>(
        db,
        "SELECT count(*) AS n FROM flow_queue WHERE lane = ? AND state = ? AND seq < ?",
        q.lane,
        QueueState.queued,
        q.seq,
      )[0]?.n ?? 0,
    );
    const why: Blocked = firstBlocked(waitingOf(q), state, now);
    if (why.reason === "tenant_limit") {
      const ahead = Number(
        run<{ n: number }>(
          db,
          "SELECT count(*) AS n FROM flow_queue WHERE state = ? AND seq < ?",
          QueueState.queued,
          q.seq,
        )[0]?.n ?? 0,
      );
      out[id] = waitingFor(flow, {
        reason: why.reason,
        key: null,
        ahead,
        until: null,
        cap: state.cap,
      });
      continue;
    }
    out[id] = waitingFor(flow, {
      reason: why.reason,
      key: why.reason === "throttle" ? q.tkey : q.ckey,
      ahead: aheadInLane,
      until: why.until,
    });
  }
  return out;
}

/** Why a queued run waits: what blocks it, or (behind others in its lane) what its lane waits for. */
function firstBlocked(w: Waiting, s: FlowState, now: number): Blocked {
  return (
    blockedBy(w, s, now) ?? {
      reason: w.concurrency ? "concurrency" : w.throttle ? "throttle" : "tenant_limit",
      until: null,
    }
  );
}

/** The flow control a queue row was decided with (its limits; key templates from the payload). */
function flowOfRow(q: QueueRow): FlowControl {
  let def: FlowControl = {};
  try {
    const p = JSON.parse(q.payload) as {
      params?: CreateRunParams;
      to?: { definition: FlowControl };
    };
    def = p.params?.definition ?? p.to?.definition ?? {};
  } catch {
    // The words then say less; the numbers come from the row.
  }
  return {
    ...(q.climit !== null ? { concurrency: { ...def.concurrency, limit: q.climit } } : {}),
    ...(q.tlimit !== null && def.throttle ? { throttle: def.throttle } : {}),
    ...(def.debounce ? { debounce: def.debounce } : {}),
  };
}
