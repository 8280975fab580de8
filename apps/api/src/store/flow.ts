// Flow control in a tenant's own store (issue 16, item 1; the decisions are
// the engine's, packages/engine/src/flow): admission at matching (start now,
// queue, or hold in a debounce slot), the index checkpoint that frees a
// slot, queued retries and cancelling a queued run. No global coordinator:
// every row lives in the tenant's store, next to the runs index (the tables:
// flow-rows.ts; releases: flow-release.ts; the words: flow-view.ts).
//
// A queued run commits with its index row (`waiting`) in the matcher's
// writes; its id is derived, so a redelivered event queues nothing new.
import {
  admit,
  blockedBy,
  capWaiters,
  createRun,
  debounceArrive,
  type FlowControl,
  flowKeys,
  flowMs,
  flowOf,
  type WorkflowDefinition,
  waitingFor,
} from "@switchyard/engine";
import type { StoreDb } from "./db.ts";
import {
  activeRow,
  type CreateRunParams,
  fireSlot,
  hasQueued,
  insertActive,
  insertQueueRow,
  laneHasQueued,
  nextSeq,
  type QueueRow,
  QueueState,
  queueHeads,
  queueRowOf,
  type RetryArgs,
  RowState,
  setMark,
  slotOf,
  waitingOf,
} from "./flow-rows.ts";
import type { Lane } from "./limits.ts";
import { run } from "./raw.ts";
import { FINAL_STATUSES, type RunRow, runIndexRow, upsertRun } from "./runs.ts";

// ── At matching ───────────────────────────────────────────────────────────

/** What the matcher does with a run that flow control decided on. */
export type FlowDecision =
  | { start: true; write: (db: StoreDb) => void }
  | { start: false; write: (db: StoreDb) => void };

/** A queued start's row payload: what releasing it needs (the run object's `start`). */
const payloadOf = (params: CreateRunParams, lane: Lane): string => JSON.stringify({ params, lane });

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
      busy = laneHasQueued(this.db, lane);
      this.#busy.set(lane, busy);
    }
    return busy;
  }

  /** Decides one run the matcher would start; `at` is the matching time (ms). */
  decide(params: CreateRunParams, lane: Lane, at: number): FlowDecision {
    const flow = flowOf(params.definition);
    const keys = flow ? flowKeys(flow, params.event) : null;
    const row = queueRowOf(
      {
        runId: params.runId,
        workflowId: params.workflowId,
        kind: "start",
      },
      flow,
      keys,
      at,
    );
    const w = waitingOf(row);
    const state = this.state();
    if (flow?.debounce && keys?.debounce !== null && keys?.debounce !== undefined) {
      return this.debounce(params, lane, flow, keys.debounce, row, at);
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
      write: (db) =>
        enqueue(
          db,
          this.tenantId,
          params,
          { ...row, payload: payloadOf(params, lane), seq: nextSeq(db) },
          at,
        ),
    };
  }

  private debounce(
    params: CreateRunParams,
    lane: Lane,
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
        enqueue(
          db,
          this.tenantId,
          params,
          { ...mine, payload: payloadOf(params, lane), seq: 0 },
          at,
        );
      },
    };
  }
}

/**
 * True when flow control holds or settled this run (queued, in a debounce
 * slot, skipped or cancelled before it started): a redelivered event
 * leaves it as it is.
 */
export function heldByFlow(db: StoreDb, tenantId: string, runId: string): boolean {
  return (
    run(
      db,
      `SELECT 1 AS one FROM flow_queue WHERE run_id = ?
       UNION ALL SELECT 1 FROM runs WHERE tenant_id = ? AND id = ? AND has_object = 0 AND status IN ('waiting', 'skipped', 'cancelled')
       LIMIT 1`,
      runId,
      tenantId,
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

/**
 * A run index checkpoint (indexRun), in its transaction: a run that ended
 * gives its slot back; one that waits (a delay, an approval) stops counting
 * for the tenant cap, and counts again when it runs. True when something
 * was freed and runs wait: the caller releases.
 */
export function noteIndexed(db: StoreDb, tenantId: string, runId: string): boolean {
  const [a] = run<{ running: number }>(
    db,
    "SELECT running FROM flow_active WHERE run_id = ?",
    runId,
  );
  if (!a) return false;
  // The row as it stands after this checkpoint (a stale one changed nothing).
  // By the runs index's key (tenant, id): a read by id alone would scan every run kept.
  const status = run<{ status: string }>(
    db,
    "SELECT status FROM runs WHERE tenant_id = ? AND id = ?",
    tenantId,
    runId,
  )[0]?.status;
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
    const q = queueRowOf(
      { runId: row.id, workflowId: row.workflowId, kind: "retry", payload: args },
      flow,
      keys,
      now,
    );
    const w = waitingOf(q);
    const state = new RowState(d);
    const busy = laneHasQueued(d, q.lane);
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
