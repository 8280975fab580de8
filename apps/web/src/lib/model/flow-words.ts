// Flow control in people's words (issue 16, item 1): "one at a time per
// customer", "at most 60 a minute", "wait until edits to the same record stop
// for 30 seconds" ⇄ the definition's top-level `concurrency`, `throttle` and
// `debounce`; and why a run waits or was not run. Pure: the run page passes
// the clock's reading (a formatter) in.
import { parseDuration } from "@switchyard/engine";
import type { Run, WaitingFor } from "../api";

/** `concurrency` at the top level of a definition (DESIGN.md, wave 2). */
export interface ConcurrencySetting {
  key?: string;
  limit: number;
}
export interface ThrottleSetting {
  key?: string;
  limit: number;
  period: string;
}
export interface DebounceSetting {
  key?: string;
  quiet: string;
  /** Optional: without it, a steady stream of events could hold the run back for ever. */
  maxWait?: string;
}
export interface FlowSettings {
  concurrency?: ConcurrencySetting;
  throttle?: ThrottleSetting;
  debounce?: DebounceSetting;
}
export type FlowKind = keyof FlowSettings;
export const FLOW_KINDS: readonly FlowKind[] = ["concurrency", "throttle", "debounce"];

/** The contract's bounds, so the form can say them before the server does. */
export const FLOW_LIMITS = {
  concurrency: { min: 1, max: 1000 },
  throttle: { min: 1, max: 10_000 },
  periodMs: { min: 1_000, max: 86_400_000 },
  quietMs: { min: 1_000, max: 86_400_000 },
  maxWaitMs: { max: 7 * 86_400_000 },
  maxRunningRuns: { min: 1, max: 1000, default: 100 },
} as const;

/** What a new setting starts as when its box is ticked. */
export const FLOW_DEFAULTS = {
  concurrency: { limit: 1 },
  throttle: { limit: 60, period: "1m" },
  debounce: { quiet: "30s", maxWait: "10m" },
} as const;

/** The periods offered for a throttle, as the select says them. */
export const THROTTLE_PERIODS: ReadonlyArray<{ value: string; words: string }> = [
  { value: "1s", words: "second" },
  { value: "1m", words: "minute" },
  { value: "1h", words: "hour" },
  { value: "24h", words: "day" },
];

/** `{{ order.customer_id }}` → `order.customer_id`; null when it is not one plain field. */
export function keyPath(key: string | undefined): string | null {
  const m = /^\s*\{\{\s*([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)\s*\}\}\s*$/.exec(key ?? "");
  return m?.[1] ?? null;
}

/** `order.customer_id` → `{{ order.customer_id }}`, the template the definition holds. */
export const keyTemplate = (path: string): string => `{{ ${path} }}`;

const IDENTITY = /^(id|key|uuid|ref|number|no)$/i;

/** One field name in words: `customer_id` → "customer", `shippingCountry` → "shipping country". */
function nameWords(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/[_-]+/g, " ")
    .replace(/\s+(id|key|uuid|ref)$/i, "")
    .trim()
    .toLowerCase();
}

/**
 * What a key groups runs by, in a word or two.
 * @example keyLabel("{{ order.customer_id }}") // "customer"
 * @example keyLabel("{{ record.id }}") // "record"
 * @example keyLabel(undefined) // null (the whole workflow)
 */
export function keyLabel(key: string | undefined): string | null {
  if (key === undefined || key.trim() === "") return null;
  const path = keyPath(key);
  if (path === null) return "value of the key";
  const parts = path.split(".");
  // `record.id`: the id names the thing it belongs to.
  for (let i = parts.length - 1; i >= 0; i--) {
    const part = parts[i] as string;
    if (IDENTITY.test(part)) continue;
    const words = nameWords(part);
    if (words) return words;
  }
  return nameWords(parts[0] ?? "") || path;
}

/** "for each customer", or "for the whole workflow" without a key. */
export function perWords(key: string | undefined): string {
  const label = keyLabel(key);
  return label ? `for each ${label}` : "for the whole workflow";
}

/** "minute" for "1m", "5 minutes" for "5m", as a throttle's period reads. */
export function periodWords(period: string): string {
  const known = THROTTLE_PERIODS.find((p) => p.value === period);
  if (known) return known.words;
  return durationWords(period) ?? period;
}

/** "30 seconds", "10 minutes", "1 hour 30 minutes"; null when it is not a duration. */
export function durationWords(text: string): string | null {
  const ms = parseDuration(text);
  if (ms === null) return null;
  const parts: string[] = [];
  const units: Array<[number, string]> = [
    [86_400_000, "day"],
    [3_600_000, "hour"],
    [60_000, "minute"],
    [1000, "second"],
    [1, "millisecond"],
  ];
  let rest = ms;
  for (const [size, word] of units) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n} ${word}${n === 1 ? "" : "s"}`);
    rest -= n * size;
  }
  return parts.length ? parts.join(" ") : "0 seconds";
}

/** "a minute", "an hour", "per 5 minutes". */
const a = (period: string): string => {
  if (!THROTTLE_PERIODS.some((p) => p.value === period)) return `per ${periodWords(period)}`;
  const words = periodWords(period);
  return `${/^[aeiou]|^hour/.test(words) ? "an" : "a"} ${words}`;
};

/** "One at a time per customer", "At most 3 at a time". */
export function concurrencyWords(c: ConcurrencySetting): string {
  const label = keyLabel(c.key);
  const head = c.limit === 1 ? "One at a time" : `At most ${c.limit} at a time`;
  return label ? `${head} per ${label}` : head;
}

/** "At most 60 a minute per customer". */
export function throttleWords(t: ThrottleSetting): string {
  const label = keyLabel(t.key);
  const head = `At most ${t.limit} ${a(t.period)}`;
  return label ? `${head} per ${label}` : head;
}

/**
 * How a throttle spreads its starts (the engine starts them evenly, one per
 * period/limit, so no stretch of the period ever holds more than the limit):
 * "one every second", "one every 30 seconds", "one every 1.5 seconds",
 * "about 100 a second" below a second apart; null when the period is not a duration.
 */
export function throttleSpacing(t: ThrottleSetting): string | null {
  const periodMs = parseDuration(t.period);
  if (periodMs === null || !(t.limit >= 1)) return null;
  const gap = periodMs / t.limit;
  if (gap < 1000) return `about ${Math.round(1000 / gap)} a second`;
  const units: Array<[number, string]> = [
    [86_400_000, "day"],
    [3_600_000, "hour"],
    [60_000, "minute"],
    [1000, "second"],
  ];
  const [size, word] = units.find(([size]) => gap >= size)!;
  const n = Math.round((gap / size) * 10) / 10;
  return n === 1 ? `one every ${word}` : `one every ${n} ${word}s`;
}

/** "Waits for 30 seconds of quiet per record (at most 10 minutes)". */
export function debounceWords(d: DebounceSetting): string {
  const label = keyLabel(d.key);
  const quiet = durationWords(d.quiet) ?? d.quiet;
  const most = d.maxWait ? (durationWords(d.maxWait) ?? d.maxWait) : null;
  return `Waits for ${quiet} of quiet${label ? ` per ${label}` : ""}${most ? ` (at most ${most})` : ""}`;
}

const lower = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);

/**
 * The trigger card's one line: "One at a time per customer · at most 60 a
 * minute"; empty when nothing holds runs back.
 */
export function flowSummary(def: FlowSettings): string {
  const parts: string[] = [];
  if (def.concurrency) parts.push(concurrencyWords(def.concurrency));
  if (def.throttle) parts.push(throttleWords(def.throttle));
  if (def.debounce) parts.push(debounceWords(def.debounce));
  return parts.map((p, i) => (i === 0 ? p : lower(p))).join(" · ");
}

/** Which setting and field a problem path is about: `concurrency.limit` → concurrency, limit. */
export function flowProblemPlace(path: string): { kind: FlowKind; field: string } | null {
  const m = /^(concurrency|throttle|debounce)(?:\.(\w+))?/.exec(path);
  if (!m) return null;
  return { kind: m[1] as FlowKind, field: m[2] ?? "" };
}

/** The words a problem's field goes by in the form ("how many at a time"). */
export const FLOW_FIELD_WORDS: Record<FlowKind, Record<string, string>> = {
  concurrency: { "": "one at a time", limit: "how many at a time", key: "for each" },
  throttle: { "": "start at most", limit: "how many starts", period: "per", key: "for each" },
  debounce: {
    "": "wait for quiet",
    quiet: "quiet for",
    maxWait: "but no longer than",
    key: "events about the same",
  },
};

/** A problem's field in the form's words, for the problem list. */
export function flowFieldWords(path: string): string {
  const place = flowProblemPlace(path);
  if (!place) return path;
  return FLOW_FIELD_WORDS[place.kind][place.field] ?? path;
}

// ---- runs ----------------------------------------------------------------

export type { WaitingFor };

// The API says a start time on the UTC clock ("starts at 14:05:10", "until
// 14:05:10"); the builder says it on the viewer's.
const UTC_CLOCK = /\b(starts at|until) \d{2}:\d{2}(?::\d{2})?(?: UTC)?/;

/** The API's reason, its start time (if any) in the viewer's clock. */
function localMessage(w: WaitingFor, time?: (iso: string) => string): string {
  if (!w.until || !time) return w.message;
  const at = time(w.until);
  return w.message.replace(UTC_CLOCK, (_, lead: string) => `${lead} ${at}`);
}

/** The runs list's words: "Waiting: 3 runs for customer c-17 ahead". */
export function waitingLine(w: WaitingFor, time?: (iso: string) => string): string {
  return `Waiting: ${localMessage(w, time)}`;
}

/**
 * The run page's banner: what holds the run back and when it goes on. The
 * time of a throttle's or a debounce's start is in the viewer's clock
 * (`time` formats it).
 * @example waitingBanner({ reason: "concurrency", ahead: 3, message: "3 runs for customer c-17 ahead", … })
 * // "This run has not started yet: 3 runs for customer c-17 are ahead of it. It starts when they finish."
 */
export function waitingBanner(w: WaitingFor, time: (iso: string) => string): string {
  const head = "This run has not started yet";
  // The start time is said once, at the end, on the viewer's clock.
  const reason = w.message
    .replace(/;?\s*\(?(starts at|until) \d{2}:\d{2}(?::\d{2})?(?: UTC)?\)?/, "")
    .replace(/\.$/, "");
  const at = w.until ? time(w.until) : null;
  switch (w.reason) {
    case "concurrency": {
      // "3 runs for customer c-17 ahead" → "… are ahead of it"
      const ahead = reason.replace(/\s+ahead$/, "");
      if (w.ahead > 0 && ahead !== reason) {
        return `${head}: ${ahead} ${w.ahead === 1 ? "is" : "are"} ahead of it. It starts when ${w.ahead === 1 ? "it finishes" : "they finish"}.`;
      }
      return `${head}: ${reason}. It starts when a running one finishes.`;
    }
    case "throttle":
      return `${head}: ${reason}. ${at ? `It starts at ${at}.` : "It starts when the limit allows."}`;
    case "debounce":
      return `${head}: ${reason}. ${at ? `It starts at ${at} unless a later event replaces it.` : "It starts once the events stop."}`;
    case "tenant_limit":
      return `${head}: ${reason}. It starts when one of the workspace's running runs finishes.`;
    default:
      return `${head}: ${reason}.`;
  }
}

/**
 * A debounced run that a later event replaced: the words and, when the API
 * names it ("replaced by a later event (ev_9) for record r-1"), that event.
 * @example debouncedWords({ suppression: { reason: "debounced", message: "replaced by a later event (ev_9) for record r-1" } })
 * // { text: "Not run: a later event about record r-1 replaced this one", eventId: "ev_9" }
 */
export function debouncedWords(
  run: Pick<Run, "suppression">,
): { text: string; eventId: string | null } | null {
  const s = run.suppression;
  if (s?.reason !== "debounced") return null;
  const named = /^replaced by a later event \(([^)]+)\)(?: for (.+?))?\.?$/.exec(s.message);
  if (named) {
    const about = named[2] ? ` about ${named[2]}` : "";
    return { text: `Not run: a later event${about} replaced this one`, eventId: named[1] ?? null };
  }
  const message = s.message.replace(/^not run:\s*/i, "").replace(/\.$/, "");
  return { text: `Not run: ${lower(message)}`, eventId: null };
}
