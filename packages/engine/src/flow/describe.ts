// Flow control in words: what a definition's flow control does (the
// builder, the dry run) and why a queued run waits (the API's `waitingFor`).
import { formatDuration } from "../util/duration.ts";
import type { WaitReason } from "./decide.ts";
import { keyLabel, keyWords } from "./keys.ts";
import { type FlowControl, ms } from "./spec.ts";

export type WaitingReason = WaitReason | "debounce";

/** Why a queued run waits, as the API shows it. */
export interface WaitingFor {
  reason: WaitingReason;
  key: string | null;
  ahead: number;
  /** ISO time it may start (throttle, debounce); null when an end frees it. */
  until: string | null;
  message: string;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** "a minute", "an hour", "30s". */
export function periodWords(periodMs: number): string {
  if (periodMs === 1_000) return "a second";
  if (periodMs === 60_000) return "a minute";
  if (periodMs === 3_600_000) return "an hour";
  if (periodMs === 86_400_000) return "a day";
  return `per ${formatDuration(periodMs)}`;
}

/** 14:05:10 (UTC). */
const clock = (at: number) => new Date(at).toISOString().slice(11, 19);

/**
 * A queued run's `waitingFor`, in plain words.
 * @example waitingFor(def, { reason: "concurrency", key: "c-17", ahead: 3, until: null })
 * // { …, message: "3 runs for customer c-17 ahead" }
 */
export function waitingFor(
  flow: FlowControl,
  w: {
    reason: WaitingReason;
    key: string | null;
    ahead: number;
    until: number | null;
    cap?: number;
  },
): WaitingFor {
  const until = w.until === null ? null : new Date(w.until).toISOString();
  const base = { reason: w.reason, key: w.key, ahead: w.ahead, until };
  const key = w.key ?? "";
  switch (w.reason) {
    case "concurrency": {
      const words = keyWords(flow.concurrency?.key, key);
      const limit = flow.concurrency?.limit ?? 1;
      return {
        ...base,
        message:
          w.ahead > 0
            ? `${plural(w.ahead, "run")} for ${words} ahead`
            : `${limit === 1 ? "a run" : `${limit} runs`} for ${words} already running (the limit is ${limit} at a time)`,
      };
    }
    case "throttle": {
      const t = flow.throttle;
      const words = keyWords(t?.key, key);
      const rate = t ? `${plural(t.limit, "run")} ${periodWords(ms(t.period))}` : "runs";
      return {
        ...base,
        message: `the limit of ${rate} for ${words} is reached${w.until !== null ? `; starts at ${clock(w.until)}` : ""}${w.ahead > 0 ? `; ${plural(w.ahead, "run")} ahead` : ""}`,
      };
    }
    case "debounce":
      return {
        ...base,
        message: `waiting for events about ${keyWords(flow.debounce?.key, key)} to stop${w.until !== null ? ` (until ${clock(w.until)})` : ""}`,
      };
    case "tenant_limit":
      return {
        ...base,
        message: `the workspace's limit of ${plural(w.cap ?? 0, "running run")} is reached${w.ahead > 0 ? `; ${plural(w.ahead, "run")} ahead` : ""}`,
      };
  }
}

/**
 * A definition's flow control in sentences (the builder, the dry run); [] for none.
 * @example describeFlow({ concurrency: { key: "{{ order.customer_id }}", limit: 1 } })
 * // ["At most 1 run at a time per customer; the others wait, in order."]
 */
export function describeFlow(flow: FlowControl): string[] {
  const out: string[] = [];
  const per = (template: string | undefined) => {
    const label = keyLabel(template);
    return label === null ? "for this workflow" : `per ${label}`;
  };
  const c = flow.concurrency;
  if (c) {
    out.push(
      `At most ${plural(c.limit, "run")} at a time ${per(c.key)}; the others wait, in order.`,
    );
  }
  const t = flow.throttle;
  if (t) {
    out.push(
      `At most ${plural(t.limit, "start")} ${periodWords(ms(t.period))} ${per(t.key)}; the excess waits, never dropped.`,
    );
  }
  const d = flow.debounce;
  if (d) {
    out.push(
      `Events ${per(d.key)} are gathered until none came for ${d.quiet}${d.maxWait ? ` (at most ${d.maxWait} after the first)` : ""}; one run starts with the last, the others are skipped.`,
    );
  }
  return out;
}
