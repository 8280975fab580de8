// The flow-control simulation (issue 16, item 1): the engine's own decision
// functions (admit, planRelease, debounceArrive) driven against a model of
// the tenant store's rows (apps/api store/flow.ts): a queue, the runs
// holding slots, the decisions' numbers. Random arrivals over a few keys,
// runs that end after random times (their end reported once, twice, late),
// throttle periods, debounce bursts, crashes that lose every decision not
// yet committed, and redelivered events. The invariants are checked after
// every step; a seed replays exactly.
import {
  admit,
  capWaiters,
  type DebounceSlot,
  debounceArrive,
  type FlowState,
  planRelease,
  type Waiting,
} from "../../src/index.ts";
import { Prng } from "./prng.ts";

/** The decision functions under test (a test swaps in broken ones to see the invariants catch them). */
export interface Decisions {
  admit: typeof admit;
  planRelease: typeof planRelease;
  debounceArrive: typeof debounceArrive;
}

export const REAL_DECISIONS: Decisions = { admit, planRelease, debounceArrive };

interface WorkflowSpec {
  id: string;
  concurrency: number | null;
  throttle: { limit: number; periodMs: number } | null;
  debounce: { quietMs: number; maxWaitMs: number | null } | null;
}

/** The store's committed rows. */
interface Rows {
  queue: Map<string, Waiting>;
  slots: Map<string, DebounceSlot & { workflowId: string; key: string; dueAt: number }>;
  /** Run id → concurrency slot (runs holding one: started, end not reported). */
  active: Map<string, { slot: string | null; workflowId: string }>;
  tat: Map<string, number>;
  served: Map<string, number>;
  serveSeq: number;
  seq: number;
  /** Runs the store knows (an event's run id is derived: a redelivery finds it). */
  known: Set<string>;
  /** Debounce: runs replaced in their slot (skipped). */
  skipped: Set<string>;
}

interface RunInfo {
  id: string;
  workflowId: string;
  key: string;
  eventAt: number;
  /** Arrival order into the queue (for FIFO). */
  arrival: number | null;
  startedAt: number | null;
  /** When the run really ends (the object), and whether the store heard. */
  endsAt: number | null;
  ended: boolean;
  burst: number | null;
}

export interface FlowReport {
  ok: boolean;
  error?: string;
  starts: number;
  skipped: number;
  crashes: number;
  redeliveries: number;
}

const clone = (r: Rows): Rows => ({
  queue: new Map(r.queue),
  slots: new Map(r.slots),
  active: new Map(r.active),
  tat: new Map(r.tat),
  served: new Map(r.served),
  serveSeq: r.serveSeq,
  seq: r.seq,
  known: new Set(r.known),
  skipped: new Set(r.skipped),
});

class Violation extends Error {}

/** Each lane's first waiting run. */
function headsOf(queue: Map<string, Waiting>): Waiting[] {
  const heads = new Map<string, Waiting>();
  for (const w of queue.values()) {
    const h = heads.get(w.lane);
    if (!h || w.arrival < h.arrival) heads.set(w.lane, w);
  }
  return [...heads.values()];
}

export function simulateFlow(seed: number, decisions: Decisions = REAL_DECISIONS): FlowReport {
  const rng = new Prng(seed);
  const keys = ["c-1", "c-2", "c-3", "c-4"].slice(0, rng.int(2, 4));
  const cap = rng.chance(0.4) ? rng.int(1, 4) : null;
  const workflows: WorkflowSpec[] = [
    {
      id: "wf_a",
      concurrency: rng.chance(0.8) ? rng.int(1, 3) : null,
      throttle: rng.chance(0.4) ? { limit: rng.int(1, 4), periodMs: rng.int(1, 6) * 1_000 } : null,
      debounce: null,
    },
    {
      id: "wf_b",
      concurrency: rng.chance(0.5) ? rng.int(1, 2) : null,
      throttle: null,
      debounce: rng.chance(0.6)
        ? (() => {
            const quietMs = rng.int(1, 3) * 1_000;
            return { quietMs, maxWaitMs: rng.chance(0.6) ? quietMs * rng.int(1, 3) : null };
          })()
        : null,
    },
  ];
  const wfOf = new Map(workflows.map((w) => [w.id, w]));
  let rows: Rows = {
    queue: new Map(),
    slots: new Map(),
    active: new Map(),
    tat: new Map(),
    served: new Map(),
    serveSeq: 0,
    seq: 0,
    known: new Set(),
    skipped: new Set(),
  };
  const runs = new Map<string, RunInfo>();
  /** Events delivered whose decisions may not have committed (redelivered later). */
  const delivered: { runId: string; workflowId: string; key: string; at: number }[] = [];
  /** Each key's start times (throttle) and start order (FIFO). */
  const startsByLane = new Map<string, string[]>();
  const throttleStarts = new Map<string, number[]>();
  /** Debounce bursts: per slot name, the events of the open burst. */
  const bursts = new Map<string, { runs: string[]; firstAt: number; id: number }>();
  const burstRuns = new Map<number, string[]>();
  let burstSeq = 0;
  /** Fairness: for a head waiting only on the tenant cap, starts of other lanes of its workflow meanwhile. */
  const passedBy = new Map<string, Map<string, number>>();
  let now = 0;
  let crashes = 0;
  let redeliveries = 0;
  let starts = 0;
  const queueDecisions = new Map<string, number>();

  const slotOf = (wf: string, key: string) => `${wf}\n${key}`;
  const waitingOf = (runId: string, wf: WorkflowSpec, key: string, arrival: number): Waiting => ({
    id: runId,
    workflowId: wf.id,
    lane: slotOf(wf.id, wf.concurrency !== null || wf.throttle !== null ? key : ""),
    arrival,
    concurrency:
      wf.concurrency !== null ? { slot: slotOf(wf.id, key), limit: wf.concurrency } : null,
    throttle:
      wf.throttle !== null
        ? { slot: slotOf(wf.id, key), limit: wf.throttle.limit, periodMs: wf.throttle.periodMs }
        : null,
  });
  const stateOf = (r: Rows): FlowState => {
    const active = new Map<string, number>();
    for (const a of r.active.values())
      if (a.slot) active.set(a.slot, (active.get(a.slot) ?? 0) + 1);
    return {
      active,
      running: r.active.size,
      cap,
      tat: r.tat,
      served: r.served,
      serveSeq: r.serveSeq,
    };
  };
  const fail = (message: string): never => {
    throw new Violation(`t=${now}: ${message}`);
  };

  /** A committed start: the run takes its slot; the object starts it (idempotent). */
  const started = (r: Rows, w: Waiting) => {
    const run = runs.get(w.id)!;
    r.active.set(w.id, { slot: w.concurrency?.slot ?? null, workflowId: w.workflowId });
    r.queue.delete(w.id);
    if (run.startedAt !== null) fail(`${w.id} started twice`);
    run.startedAt = now;
    run.endsAt = now + rng.int(0, 4_000);
    starts++;
    startsByLane.set(w.lane, [...(startsByLane.get(w.lane) ?? []), w.id]);
    if (w.throttle)
      throttleStarts.set(w.throttle.slot, [...(throttleStarts.get(w.throttle.slot) ?? []), now]);
    // Fairness bookkeeping: every cap-blocked head of the same workflow saw this lane pass it.
    for (const [lane, seen] of passedBy) {
      if (lane === w.lane || !lane.startsWith(`${w.workflowId}\n`)) continue;
      const n = (seen.get(w.lane) ?? 0) + 1;
      seen.set(w.lane, n);
      if (n > 1)
        fail(
          `lane ${JSON.stringify(w.lane)} started twice while ${JSON.stringify(lane)} waited only on the tenant cap`,
        );
    }
    passedBy.delete(w.lane);
  };

  /** Commits `next` as the store's rows, unless a crash loses it. */
  const commit = (next: Rows, effects: () => void): boolean => {
    if (rng.chance(0.1)) {
      crashes++;
      return false;
    }
    rows = next;
    effects();
    return true;
  };

  const release = () => {
    const next = clone(rows);
    const effects: (() => void)[] = [];
    // Debounce slots that are due enter the queue.
    for (const [name, s] of [...next.slots]) {
      if (s.dueAt > now) continue;
      next.slots.delete(name);
      const wf = wfOf.get(s.workflowId)!;
      next.seq += 1;
      next.queue.set(s.runId, waitingOf(s.runId, wf, s.key, next.seq));
      const burst = bursts.get(name);
      effects.push(() => {
        checkBurst(name, s, burst);
        runs.get(s.runId)!.arrival = next.queue.get(s.runId)?.arrival ?? null;
      });
    }
    const state = stateOf(next);
    const plan = decisions.planRelease([...next.queue.values()], state, now);
    next.serveSeq = state.serveSeq;
    const planned = plan.start;
    commit(next, () => {
      for (const e of effects) e();
      for (const w of planned) started(rows, w);
      // Heads blocked only by the tenant cap are watched for fairness.
      for (const [id, why] of plan.blocked) {
        const w = rows.queue.get(id);
        if (!w) continue;
        if (why.reason === "tenant_limit") {
          if (!passedBy.has(w.lane)) passedBy.set(w.lane, new Map());
        } else passedBy.delete(w.lane);
      }
    });
  };

  const checkBurst = (
    name: string,
    s: DebounceSlot & { dueAt: number },
    burst: { runs: string[]; firstAt: number; id: number } | undefined,
  ) => {
    const wf = wfOf.get(name.split("\n")[0]!)!;
    if (!burst) return fail(`debounce slot ${name} fired without a burst`);
    const last = burst.runs[burst.runs.length - 1];
    if (s.runId !== last)
      fail(`debounce slot ${name} fired ${s.runId}, not the burst's last (${last})`);
    const maxWait = wf.debounce?.maxWaitMs ?? null;
    if (maxWait !== null && s.dueAt > burst.firstAt + maxWait)
      fail(
        `debounce slot ${name} due at ${s.dueAt}, after first + maxWait (${burst.firstAt + maxWait})`,
      );
    for (const id of burst.runs)
      if (id !== s.runId && !rows.skipped.has(id))
        fail(`${id} of a burst neither started nor skipped`);
    burstRuns.set(burst.id, burst.runs);
    bursts.delete(name);
  };

  const arrive = (
    ev: { runId: string; workflowId: string; key: string; at: number },
    redelivery: boolean,
  ) => {
    if (rows.known.has(ev.runId)) return; // derived id: a redelivery finds its run
    const wf = wfOf.get(ev.workflowId)!;
    if (!runs.has(ev.runId)) {
      runs.set(ev.runId, {
        id: ev.runId,
        workflowId: wf.id,
        key: ev.key,
        eventAt: ev.at,
        arrival: null,
        startedAt: null,
        endsAt: null,
        ended: false,
        burst: null,
      });
    }
    const next = clone(rows);
    next.known.add(ev.runId);
    if (wf.debounce) {
      const name = slotOf(wf.id, ev.key);
      const open = next.slots.get(name) ?? null;
      const d = decisions.debounceArrive(
        open,
        ev.runId,
        now,
        wf.debounce.quietMs,
        wf.debounce.maxWaitMs,
      );
      if (d.fire !== null) return; // the alarm is late: the model's alarm is never late, so none
      next.slots.set(name, { ...d.slot, workflowId: wf.id, key: ev.key, dueAt: d.dueAt });
      if (d.replaced !== null) next.skipped.add(d.replaced);
      commit(next, () => {
        queueDecisions.set(ev.runId, (queueDecisions.get(ev.runId) ?? 0) + 1);
        const burst = bursts.get(name) ?? { runs: [], firstAt: d.slot.firstAt, id: ++burstSeq };
        burst.runs.push(ev.runId);
        bursts.set(name, burst);
      });
      return;
    }
    next.seq += 1;
    const w = waitingOf(ev.runId, wf, ev.key, next.seq);
    const busy = [...next.queue.values()].some((q) => q.lane === w.lane);
    const state = stateOf(next);
    const decided = decisions.admit(
      w,
      busy,
      state,
      now,
      capWaiters(headsOf(next.queue), state, now),
    );
    next.serveSeq = state.serveSeq;
    if (!decided.start) next.queue.set(w.id, w);
    commit(next, () => {
      queueDecisions.set(ev.runId, (queueDecisions.get(ev.runId) ?? 0) + 1);
      runs.get(ev.runId)!.arrival = w.arrival;
      if (decided.start) started(rows, w);
    });
    if (redelivery) redeliveries++;
  };

  const endRuns = () => {
    for (const run of runs.values()) {
      if (run.startedAt === null || run.ended || run.endsAt === null || run.endsAt > now) continue;
      // The end is reported (maybe late, maybe twice); until then the store holds the slot.
      if (rng.chance(0.3)) continue;
      run.ended = true;
      const report = () => {
        const next = clone(rows);
        next.active.delete(run.id);
        return commit(next, () => {});
      };
      // A lost report is sent again by the run object (it retries until the store answers).
      while (!report()) {}
      if (rng.chance(0.2)) report(); // a duplicate end report changes nothing
      release();
    }
  };

  const check = () => {
    // 1. No key ever over its limit: runs started and not ended, by the runs' own records.
    const open = new Map<string, number>();
    for (const r of runs.values()) {
      if (r.startedAt === null || (r.endsAt !== null && r.endsAt <= now && r.ended)) continue;
      const wf = wfOf.get(r.workflowId)!;
      if (wf.concurrency === null) continue;
      const slot = slotOf(wf.id, r.key);
      const n = (open.get(slot) ?? 0) + 1;
      open.set(slot, n);
      if (n > wf.concurrency)
        fail(`${n} runs at once for ${JSON.stringify(slot)} (limit ${wf.concurrency})`);
    }
    // 2. Throttle: starts at least period/limit apart (the GCRA, checked with
    //    its own arithmetic), and no stretch of period ever holds more than limit.
    for (const wf of workflows) {
      if (!wf.throttle) continue;
      const { limit, periodMs } = wf.throttle;
      for (const [slot, times] of throttleStarts) {
        if (!slot.startsWith(`${wf.id}\n`)) continue;
        const interval = periodMs / limit;
        for (let i = 1; i < times.length; i++)
          if (times[i]! - times[i - 1]! < interval - 1e-6)
            fail(`throttle ${JSON.stringify(slot)}: a start at ${times[i]} broke the rate`);
        for (let i = 0; i < times.length; i++) {
          const inWindow = times.filter((t) => t >= times[i]! && t < times[i]! + periodMs).length;
          if (inWindow > limit)
            fail(`throttle ${JSON.stringify(slot)}: ${inWindow} starts within one period`);
        }
      }
    }
    // 3. Per lane, runs start in arrival order.
    for (const [lane, ids] of startsByLane) {
      const arrivals = ids.map((id) => runs.get(id)!.arrival ?? 0);
      for (let i = 1; i < arrivals.length; i++)
        if (arrivals[i]! < arrivals[i - 1]!)
          fail(`lane ${JSON.stringify(lane)} started out of arrival order: ${ids.join(", ")}`);
    }
    // 6. A redelivered event never queues (or starts) a second run.
    for (const [id, n] of queueDecisions) if (n > 1) fail(`${id} was decided ${n} times`);
    for (const id of rows.skipped)
      if (runs.get(id)?.startedAt !== null) fail(`${id} was skipped and started`);
  };

  try {
    const steps = rng.int(60, 160);
    for (let step = 0; step < steps; step++) {
      now += rng.int(0, 700);
      const roll = rng.next();
      if (roll < 0.55) {
        const wf = rng.pick(workflows);
        // A hot key takes most events.
        const key = rng.chance(0.5) ? keys[0]! : rng.pick(keys);
        const ev = { runId: `run_${step}_${wf.id}`, workflowId: wf.id, key, at: now };
        delivered.push(ev);
        arrive(ev, false);
      } else if (roll < 0.7 && delivered.length > 0) {
        arrive(rng.pick(delivered), true); // redelivery, or a delivery whose decision a crash lost
      } else {
        release(); // the alarm
      }
      endRuns();
      check();
    }
    // Drain: events not committed are redelivered, runs end, the alarm keeps coming.
    for (let round = 0; round < 2_000; round++) {
      for (const ev of delivered) if (!rows.known.has(ev.runId)) arrive(ev, true);
      now += 250;
      release();
      endRuns();
      check();
      const done = [...runs.values()].every((r) => r.startedAt !== null || rows.skipped.has(r.id));
      if (done && delivered.every((e) => rows.known.has(e.runId)) && rows.slots.size === 0) break;
    }
    // 4. Every arrived run started or was skipped by debounce: nothing starves.
    for (const ev of delivered) {
      const r = runs.get(ev.runId)!;
      if (r.startedAt === null && !rows.skipped.has(r.id)) fail(`${r.id} never started (starved)`);
    }
    // 5. Debounce: each burst started exactly one run (checked as each fired; none left open).
    if (bursts.size > 0) fail(`debounce bursts never fired: ${[...bursts.keys()].join(", ")}`);
    return { ok: true, starts, skipped: rows.skipped.size, crashes, redeliveries };
  } catch (error) {
    if (!(error instanceof Violation)) throw error;
    return {
      ok: false,
      error: error.message,
      starts,
      skipped: rows.skipped.size,
      crashes,
      redeliveries,
    };
  }
}

export { admit, planRelease };
