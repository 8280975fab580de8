// Flow control's decisions, pure: time is passed in, state is passed in and
// handed back. The tenant store keeps the state in its rows (apps/api
// store/flow.ts); the flow simulation (test/sim/flow) drives these same
// functions against a model of those rows, crashes included.

/**
 * GCRA (generic cell rate algorithm) for a throttle: per key one number,
 * the theoretical arrival time `tat`. `limit` starts per `period`, spread
 * evenly: a start conforms when tat ≤ now, and moves tat on by
 * period/limit. No burst tolerance, on purpose: with one, starts could
 * crowd into one period (a burst of `limit` at its end and `limit` − 1 more
 * in the next), so "at most 60 a minute to our ERP" would not hold for every
 * minute. Without it, no stretch of `period` ever holds more than `limit`
 * starts. Refused: the earliest time it may start.
 * @example gcra(null, 0, 2, 60_000) // { ok: true, tat: 30_000 }
 */
export function gcra(
  tat: number | null,
  now: number,
  limit: number,
  periodMs: number,
): { ok: true; tat: number } | { ok: false; at: number } {
  const interval = periodMs / limit;
  const base = Math.max(tat ?? now, now);
  if (base > now) return { ok: false, at: Math.ceil(base) };
  return { ok: true, tat: base + interval };
}

/** A run waiting to start (a queue row). */
export interface Waiting {
  id: string;
  workflowId: string;
  /** Runs in one lane start in arrival order: the workflow and its concurrency (or throttle) key. */
  lane: string;
  /** Arrival order (the queue's sequence): smaller arrived first. */
  arrival: number;
  /** The concurrency slot it takes (workflow + key) and its limit; null without concurrency. */
  concurrency: { slot: string; limit: number } | null;
  /** The throttle it spends (workflow + key); null without a throttle. */
  throttle: { slot: string; limit: number; periodMs: number } | null;
  /** Test runs and runs the cap does not count: they never wait for the tenant cap. */
  uncapped?: boolean;
}

/** A map of numbers by name (a Map, or the store's rows read on demand). */
export interface Numbers {
  get(key: string): number | undefined;
  set(key: string, value: number): unknown;
}

/** What the decisions read and move: the store's rows, or the simulation's model of them. */
export interface FlowState {
  /** Runs holding each concurrency slot (started, not ended). */
  active: Numbers;
  /** The tenant's running runs (the cap counts these). */
  running: number;
  /** The tenant's cap on running runs; null: none. */
  cap: number | null;
  /** Each throttle slot's theoretical arrival time. */
  tat: Numbers;
  /** When each lane and each workflow (`wf:<id>`) was last served (a serve counter; absent: never). */
  served: Numbers;
  /** The serve counter's last value. */
  serveSeq: number;
}

export type WaitReason = "concurrency" | "throttle" | "tenant_limit";

export interface Blocked {
  reason: WaitReason;
  /** For a throttle: when it may start. */
  until: number | null;
}

/** A workflow's key in `served`. */
export const workflowServed = (workflowId: string): string => `wf:${workflowId}`;

/** Why a lane's head cannot start now; null when it can. */
export function blockedBy(w: Waiting, s: FlowState, now: number): Blocked | null {
  if (w.concurrency && (s.active.get(w.concurrency.slot) ?? 0) >= w.concurrency.limit) {
    return { reason: "concurrency", until: null };
  }
  if (w.throttle) {
    const t = gcra(s.tat.get(w.throttle.slot) ?? null, now, w.throttle.limit, w.throttle.periodMs);
    if (!t.ok) return { reason: "throttle", until: t.at };
  }
  if (!w.uncapped && s.cap !== null && s.running >= s.cap) {
    return { reason: "tenant_limit", until: null };
  }
  return null;
}

/** Takes what a start takes: a slot, the throttle, a running run, a serve. */
export function take(w: Waiting, s: FlowState, now: number): void {
  if (w.concurrency) s.active.set(w.concurrency.slot, (s.active.get(w.concurrency.slot) ?? 0) + 1);
  if (w.throttle) {
    const t = gcra(s.tat.get(w.throttle.slot) ?? null, now, w.throttle.limit, w.throttle.periodMs);
    if (t.ok) s.tat.set(w.throttle.slot, t.tat);
  }
  if (!w.uncapped) s.running += 1;
  s.serveSeq += 1;
  s.served.set(w.lane, s.serveSeq);
  s.served.set(workflowServed(w.workflowId), s.serveSeq);
}

export interface Release {
  /** What starts now, in order. */
  start: Waiting[];
  /** Each head that cannot start, and why. */
  blocked: Map<string, Blocked>;
  /** When a throttle lets a head start (the alarm's next look); null: only an end frees anything. */
  wakeAt: number | null;
}

/**
 * One release pass: while some lane's head can start, the fairest goes —
 * the least recently served workflow, then its least recently served lane,
 * ties by the head's arrival. FIFO inside a lane: only heads are looked at.
 * `state` is moved on by what starts.
 * @example planRelease(queue, state, now).start // the runs to start now
 */
export function planRelease(queue: readonly Waiting[], state: FlowState, now: number): Release {
  const lanes = new Map<string, Waiting[]>();
  for (const w of [...queue].sort((a, b) => a.arrival - b.arrival)) {
    const lane = lanes.get(w.lane);
    if (lane) lane.push(w);
    else lanes.set(w.lane, [w]);
  }
  const start: Waiting[] = [];
  for (;;) {
    let best: Waiting | null = null;
    for (const lane of lanes.values()) {
      const head = lane[0];
      if (!head || blockedBy(head, state, now) !== null) continue;
      if (best === null || fairer(head, best, state)) best = head;
    }
    if (best === null) break;
    take(best, state, now);
    start.push(best);
    lanes.get(best.lane)!.shift();
  }
  const blocked = new Map<string, Blocked>();
  let wakeAt: number | null = null;
  for (const lane of lanes.values()) {
    const head = lane[0];
    if (!head) continue;
    const why = blockedBy(head, state, now)!;
    blocked.set(head.id, why);
    if (why.until !== null && (wakeAt === null || why.until < wakeAt)) wakeAt = why.until;
  }
  return { start, blocked, wakeAt };
}

function fairer(a: Waiting, b: Waiting, s: FlowState): boolean {
  const order = (w: Waiting) => [
    s.served.get(workflowServed(w.workflowId)) ?? 0,
    s.served.get(w.lane) ?? 0,
    w.arrival,
  ];
  const x = order(a);
  const y = order(b);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i]! < y[i]!;
  return false;
}

/**
 * True when some lane's head waits for the tenant cap, or could start and
 * has not been released yet: a new arrival then queues behind it (else a
 * slot freed by an end could go to whoever arrives before the release pass
 * — after a lost one, say — and a waiting workflow could starve).
 */
export function capWaiters(heads: readonly Waiting[], state: FlowState, now: number): boolean {
  return heads.some((h) => {
    if (h.uncapped) return false;
    const why = blockedBy(h, state, now);
    return why === null || why.reason === "tenant_limit";
  });
}

/**
 * Whether a new arrival starts at once: only when its lane has nobody
 * waiting (FIFO), nobody waits for the tenant cap (`capWaiting`, see
 * capWaiters) and nothing blocks it; `state` is moved on when it does.
 */
export function admit(
  w: Waiting,
  laneBusy: boolean,
  state: FlowState,
  now: number,
  capWaiting = false,
): { start: true } | ({ start: false } & Blocked) {
  const why = blockedBy(w, state, now);
  if (why !== null) return { start: false, ...why };
  if (laneBusy) {
    return {
      start: false,
      reason: w.concurrency ? "concurrency" : w.throttle ? "throttle" : "tenant_limit",
      until: null,
    };
  }
  if (capWaiting && !w.uncapped) return { start: false, reason: "tenant_limit", until: null };
  take(w, state, now);
  return { start: true };
}

/** A key's open debounce slot: the run that will start, with the burst's first and last event times. */
export interface DebounceSlot {
  runId: string;
  firstAt: number;
  lastAt: number;
}

/** When a slot's run starts: quiet after the last event, at the latest maxWait after the first. */
export function debounceDue(slot: DebounceSlot, quietMs: number, maxWaitMs: number | null): number {
  const quiet = slot.lastAt + quietMs;
  return maxWaitMs === null ? quiet : Math.min(quiet, slot.firstAt + maxWaitMs);
}

/**
 * An event for a debounced key at `at`: it opens the slot, or replaces the
 * slot's run (`replaced`, to be skipped). A slot already due (its alarm
 * late) fires first (`fire`) and the event opens a new burst.
 */
export function debounceArrive(
  slot: DebounceSlot | null,
  runId: string,
  at: number,
  quietMs: number,
  maxWaitMs: number | null,
): { slot: DebounceSlot; dueAt: number; replaced: string | null; fire: string | null } {
  if (slot !== null && at < debounceDue(slot, quietMs, maxWaitMs)) {
    const next = { runId, firstAt: slot.firstAt, lastAt: at };
    return {
      slot: next,
      dueAt: debounceDue(next, quietMs, maxWaitMs),
      replaced: slot.runId === runId ? null : slot.runId,
      fire: null,
    };
  }
  const next = { runId, firstAt: at, lastAt: at };
  return {
    slot: next,
    dueAt: debounceDue(next, quietMs, maxWaitMs),
    replaced: null,
    fire: slot?.runId ?? null,
  };
}
