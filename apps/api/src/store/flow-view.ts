// Why a queued run waits, in words (issue 16, item 1): the engine's
// `waitingFor` over the rows as they stand (GET /v1/runs and /v1/runs/:id).
import {
  type Blocked,
  blockedBy,
  type FlowControl,
  type FlowState,
  type Waiting,
  type WaitingFor,
  waitingFor,
} from "@switchyard/engine";
import type { StoreDb } from "./db.ts";
import {
  type CreateRunParams,
  type QueueRow,
  QueueState,
  RowState,
  waitingOf,
} from "./flow-rows.ts";
import { run } from "./raw.ts";

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
