// Flow control's releases (issue 16, item 1): when a slot frees (indexRun of
// an end) and on the store's alarm (a throttle's time, a debounce slot due,
// starts not confirmed, slots of runs that ended without saying so). A start
// is marked in a transaction before the run object is called, so a crash
// between the two is retried, not lost.
import { createRun, planRelease } from "@switchyard/engine";
import type { Env } from "../env.ts";
import type { StoreDb } from "./db.ts";
import {
  activeRow,
  type CreateRunParams,
  fireSlot,
  hasQueued,
  insertActive,
  type QueueRow,
  QueueState,
  queueHeads,
  type RetryArgs,
  RowState,
  waitingOf,
} from "./flow-rows.ts";
import type { Lane } from "./limits.ts";
import { run } from "./raw.ts";
import { FINAL_STATUSES, runIndexRow, upsertRun } from "./runs.ts";

/** How soon the alarm tries again a start its run object did not confirm. */
export const FLOW_RETRY_MS = 5_000;

// ── Releasing ─────────────────────────────────────────────────────────────

/**
 * Slots of runs that ended without their object saying so (the index row is
 * final, or the run is gone) are given back; running flags follow the index.
 */
export function sweepActive(db: StoreDb, tenantId: string): void {
  // Each slot looks up its own run by the index's key (tenant, id): the
  // slots are few, the runs kept may be many, so nothing scans the runs.
  const final = FINAL_STATUSES.map(() => "?").join(", ");
  run(
    db,
    `DELETE FROM flow_active WHERE NOT EXISTS (
       SELECT 1 FROM runs r WHERE r.tenant_id = ? AND r.id = flow_active.run_id
         AND r.status NOT IN (${final}))`,
    tenantId,
    ...FINAL_STATUSES,
  );
  run(
    db,
    `UPDATE flow_active SET running = 0 WHERE running = 1 AND EXISTS (
       SELECT 1 FROM runs r WHERE r.tenant_id = ? AND r.id = flow_active.run_id
         AND r.status = 'waiting' AND r.has_object = 1)`,
    tenantId,
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
              "UPDATE runs SET status = 'failed' WHERE tenant_id = ? AND id = ? AND status = 'waiting'",
              tenantId,
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
  sweepActive(db, tenantId);
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

/**
 * Marks that say nothing any more go (the hourly purge): a throttle's time
 * already past (a key with no recent starts reads the same as none), and
 * when a lane or workflow with nobody waiting was last served (fairness
 * orders waiters only; a lane that waits again starts as never served).
 * Without this, every key ever seen would keep its marks.
 */
export function pruneFlowMarks(db: StoreDb, now: number): void {
  run(db, "DELETE FROM flow_marks WHERE name LIKE 'tat:%' AND value < ?", now);
  run(
    db,
    `DELETE FROM flow_marks WHERE name LIKE 'served:%'
       AND substr(name, 8) NOT IN (SELECT lane FROM flow_queue)
       AND substr(name, 8) NOT IN (SELECT 'wf:' || workflow_id FROM flow_queue)`,
  );
}
