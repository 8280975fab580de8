// "Wait for an event" (issue 15, part 3) in people's words: what the canvas
// card says ("Waits up to 7 days for quote accepted where quote id is the
// quote's id"), the timeout branch's label, the timeout as a number and a
// unit (minutes, hours, days ↔ the definition's "168h"), and on the run page
// what a waiting, resumed, timed-out or stopped step says. Pure and
// self-contained (relative imports only), so the tests read it as the
// builder does.
import { conditionWords, type WordsOptions } from "./condition-words";

/** What a waitFor step waits for (the engine's WaitForSpec, loosely typed for drafts). */
export interface WaitSpecLike {
  event: string | string[];
  match?: string | null;
  timeout?: string;
}

export type TimeoutUnit = "m" | "h" | "d";

const MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 } as const;
const DURATION = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;

/** A definition duration in milliseconds ("168h" → 604800000); null when it is not one. */
export function durationMs(value: string): number | null {
  const text = value.trim();
  const m = DURATION.exec(text);
  if (!m || text === "") return null;
  return (
    Number(m[1] ?? 0) * MS.h +
    Number(m[2] ?? 0) * MS.m +
    Number(m[3] ?? 0) * MS.s +
    Number(m[4] ?? 0) * MS.ms
  );
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

/**
 * A duration in words: "168h" → "7 days", "36h" → "1 day 12 hours", "90m" → "1 hour 30 minutes".
 * @example durationWords("168h") // "7 days"
 */
export function durationWords(value: string): string {
  let ms = durationMs(value);
  if (ms === null) return value;
  if (ms === 0) return "no time";
  const parts: string[] = [];
  for (const [unit, word] of [
    ["d", "day"],
    ["h", "hour"],
    ["m", "minute"],
    ["s", "second"],
  ] as const) {
    const n = Math.floor(ms / MS[unit]);
    if (n > 0) parts.push(plural(n, word));
    ms -= n * MS[unit];
  }
  if (ms > 0) parts.push(`${ms} ms`);
  return parts.join(" ");
}

/**
 * The timeout as the editor shows it: whole days, hours or minutes; null
 * when it is none of these (then it is edited as text).
 * @example timeoutParts("168h") // { amount: "7", unit: "d" }
 */
export function timeoutParts(value: string): { amount: string; unit: TimeoutUnit } | null {
  if (value.trim() === "") return { amount: "", unit: "d" };
  const ms = durationMs(value);
  if (ms === null || ms === 0) return null;
  for (const unit of ["d", "h", "m"] as const) {
    if (ms % MS[unit] === 0) return { amount: String(ms / MS[unit]), unit };
  }
  return null;
}

/**
 * The definition's duration for an amount and a unit (the engine has no days: 7 days is "168h").
 * @example timeoutValue("7", "d") // "168h"
 */
export function timeoutValue(amount: string, unit: TimeoutUnit): string {
  const n = Number(amount.trim());
  if (amount.trim() === "" || !Number.isFinite(n) || n < 0) return "";
  if (!Number.isInteger(n))
    return `${Math.round(n * (unit === "d" ? 24 * 60 : unit === "h" ? 60 : 1))}m`;
  if (unit === "d") return `${n * 24}h`;
  return `${n}${unit}`;
}

/** "quote.accepted" → "quote accepted"; "order.line_added" → "order line added". */
export function eventTypeWords(type: string): string {
  return type
    .split(".")
    .join(" ")
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/_/g, " ")
    .toLowerCase()
    .trim();
}

/** The event types as a list. */
export const typesOf = (event: string | string[] | undefined | null): string[] =>
  [event ?? []].flat().filter((t) => t.trim() !== "");

/** "quote accepted or quote declined"; "an event (none chosen yet)" for none. */
export function eventTypesWords(event: string | string[] | undefined | null): string {
  const types = typesOf(event).map(eventTypeWords);
  if (types.length === 0) return "an event (none chosen yet)";
  if (types.length === 1) return types[0] as string;
  return `${types.slice(0, -1).join(", ")} or ${types[types.length - 1]}`;
}

/** The match in words ("quote id is the quote's id"), else as written. */
export function matchWords(match: string | null | undefined, opts: WordsOptions = {}): string {
  if (!match || match.trim() === "") return "";
  return conditionWords(match, { ...opts, waitMatch: true }) ?? match.trim();
}

/**
 * What the canvas card says.
 * @example waitSentence({ event: "quote.accepted", match: "event.data.quote_id == quote.id", timeout: "168h" })
 * // "Waits up to 7 days for quote accepted where quote id is the quote's id"
 */
export function waitSentence(spec: WaitSpecLike, opts: WordsOptions = {}): string {
  const upTo =
    spec.timeout && durationMs(spec.timeout) ? ` up to ${durationWords(spec.timeout)}` : "";
  const where = matchWords(spec.match, opts);
  return `Waits${upTo} for ${eventTypesWords(spec.event)}${where ? ` where ${where}` : ""}`;
}

/** The timeout branch's label: "If nothing arrives in 7 days". */
export function timeoutBranchLabel(timeout: string | undefined): string {
  return timeout && durationMs(timeout)
    ? `If nothing arrives in ${durationWords(timeout)}`
    : "If nothing arrives in time";
}

/** A key value as people read it: text as it is, anything else as JSON. */
function valueText(v: unknown): string {
  if (typeof v === "string") return v === "" ? "empty text" : v;
  if (typeof v === "boolean") return v ? "yes" : "no";
  if (v === null || v === undefined) return "empty";
  return JSON.stringify(v);
}

/** A key's event path in words: "data.quote_id" → "quote id", "type" → "type". */
export function keyPathWords(path: string): string {
  const parts = path.split(".");
  const rest = parts[0] === "data" && parts.length > 1 ? parts.slice(1) : parts;
  return rest
    .map((p) =>
      p
        .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
        .replace(/_/g, " ")
        .toLowerCase(),
    )
    .join(" ");
}

/**
 * An open wait's key values in words.
 * @example keysWords({ "data.quote_id": "q_1" }) // "quote id is q_1"
 */
export function keysWords(keys: Record<string, unknown> | null | undefined): string {
  return Object.entries(keys ?? {})
    .map(([path, v]) => `${keyPathWords(path)} is ${valueText(v)}`)
    .join(" and ");
}

/**
 * What an open wait waits for, with the values it took when it opened:
 * "quote accepted where quote id is q_1" (the match in words when it has no keys).
 */
export function waitingFor(
  wait: { event: string | string[]; match?: string | null; keys?: Record<string, unknown> | null },
  opts: WordsOptions = {},
): string {
  const keyed = keysWords(wait.keys);
  const where = keyed || matchWords(wait.match, opts);
  return `${eventTypesWords(wait.event)}${where ? ` where ${where}` : ""}`;
}

/** When a wait that opened at `startedAt` for `timeout` gives up (ISO); null when unknown. */
export function deadlineOf(
  startedAt: string | null | undefined,
  timeout: string | undefined,
): string | null {
  if (!startedAt || !timeout) return null;
  const ms = durationMs(timeout);
  const start = Date.parse(startedAt);
  return ms === null || !Number.isFinite(start) ? null : new Date(start + ms).toISOString();
}

/** The event that resumed a wait (the step's output). */
export interface ArrivedEvent {
  id: string;
  type: string;
  data: unknown;
  occurredAt?: string;
}

export type WaitOutcome =
  | { kind: "waiting" }
  | { kind: "resumed"; event: ArrivedEvent }
  | { kind: "timedOut" }
  | { kind: "cancelled" }
  | { kind: "none" };

/** How a waitFor step of a run ended (or that it still waits), from its status and output. */
export function waitOutcome(step: { status: string; output?: unknown }): WaitOutcome {
  const out =
    step.output !== null && typeof step.output === "object" && !Array.isArray(step.output)
      ? (step.output as Record<string, unknown>)
      : null;
  if (out?.timedOut === true) return { kind: out.cancelled === true ? "cancelled" : "timedOut" };
  if (out && typeof out.id === "string" && typeof out.type === "string") {
    return {
      kind: "resumed",
      event: {
        id: out.id,
        type: out.type,
        data: out.data,
        ...(typeof out.occurredAt === "string" ? { occurredAt: out.occurredAt } : {}),
      },
    };
  }
  if (step.status === "waiting") return { kind: "waiting" };
  return { kind: "none" };
}

/** A stopped or timed-out wait in words: "Nothing arrived in time", "Stopped waiting by Ada". */
export function endedWords(outcome: WaitOutcome, by?: string | null): string {
  if (outcome.kind === "cancelled") return by ? `Stopped waiting by ${by}` : "Stopped waiting";
  if (outcome.kind === "timedOut") return "Nothing arrived in time";
  return "";
}
