// Connections in people's words (issue 17, item 2): how one signs in, its
// health ("Working — last call 5 minutes ago", "Failing since 14:05: 401
// Unauthorized", "Not used yet"), its rate limit ("At most 60 calls every
// minute"), the form's sign-in choices, and a step waiting for its turn.
// Pure: the time comes in. The form itself: connection-form.ts.
import type { AuthKind, AuthView, ConnectionHealth, RateLimit } from "../api-credentials";
import { span } from "./member-words";

/** The form's ways to sign in: API key is two choices, by where the key goes. */
export type SignIn = "none" | "bearer" | "basic" | "api_key_header" | "api_key_query" | "oauth2";

export const SIGN_INS: ReadonlyArray<{ value: SignIn; words: string; help: string }> = [
  { value: "none", words: "No sign-in", help: "The service answers anyone who calls it." },
  {
    value: "bearer",
    words: "Access token",
    help: "Sent with every call as “Authorization: Bearer …”.",
  },
  {
    value: "basic",
    words: "User name and password",
    help: "Sent with every call as “Authorization: Basic …”.",
  },
  {
    value: "api_key_header",
    words: "Key in a header",
    help: "The key goes in a header of every call, under the name the service asks for (such as X-Api-Key).",
  },
  {
    value: "api_key_query",
    words: "Key in the web address",
    help: "The key is added to every call's address, as ?name=key.",
  },
  {
    value: "oauth2",
    words: "Sign in with client ID and secret (OAuth 2)",
    help: "Switchyard gets an access token from the service's token address with the client ID and secret, keeps it until it runs out and gets a new one.",
  },
];

/** The form's choice for a connection's sign-in. */
export function signInOf(auth: Pick<AuthView, "type" | "in">): SignIn {
  switch (auth.type) {
    case "api_key":
      return auth.in === "query" ? "api_key_query" : "api_key_header";
    case "oauth2_client_credentials":
      return "oauth2";
    default:
      return auth.type;
  }
}

/** The API's kind for a form choice. */
export function authKindOf(signIn: SignIn): AuthKind {
  if (signIn === "api_key_header" || signIn === "api_key_query") return "api_key";
  if (signIn === "oauth2") return "oauth2_client_credentials";
  return signIn;
}

/**
 * How a connection signs in, in words.
 * @example signInWords({ type: "api_key", in: "header", name: "X-Api-Key" }) // "Key in a header (X-Api-Key)"
 */
export function signInWords(auth: AuthView): string {
  const words = SIGN_INS.find((s) => s.value === signInOf(auth))?.words ?? auth.type;
  if (auth.type === "api_key" && auth.name) return `${words} (${auth.name})`;
  if (auth.type === "basic" && auth.username) return `${words} (as ${auth.username})`;
  return words;
}

export type Tone = "ok" | "bad" | "none";

export interface HealthWords {
  /** "Working — last call 5 minutes ago". */
  text: string;
  /** The colour it is shown in. */
  tone: Tone;
  /** A short word for a badge or a picker: "Working", "Failing", "Not used yet". */
  short: string;
}

/**
 * A connection's health in words and colour. `clock` writes an instant
 * (a time of today as "14:05", an earlier one with its date).
 * @example healthWords({ status: "ok", lastSuccessAt: fiveMinutesAgo, … }, { now, clock })
 * // { text: "Working — last call 5 minutes ago", tone: "ok", short: "Working" }
 */
export function healthWords(
  health: ConnectionHealth,
  opts: { now: number; clock: (iso: string) => string },
): HealthWords {
  switch (health.status) {
    case "ok": {
      const last = health.lastSuccessAt;
      const ago = last ? agoWords(last, opts.now) : "";
      return { text: ago ? `Working — last call ${ago}` : "Working", tone: "ok", short: "Working" };
    }
    case "failing": {
      const since = health.failingSince ?? health.lastFailureAt;
      const error = health.lastError?.trim();
      const head = since ? `Failing since ${opts.clock(since)}` : "Failing";
      return { text: error ? `${head}: ${error}` : head, tone: "bad", short: "Failing" };
    }
    default:
      return { text: "Not used yet", tone: "none", short: "Not used yet" };
  }
}

/** "5 minutes ago", "just now". */
export function agoWords(iso: string, now: number): string {
  const s = span(Math.max(0, now - Date.parse(iso)));
  return s ? `${s} ago` : "just now";
}

/** The periods the form offers, in the API's words and people's. */
export const RATE_PERIODS: ReadonlyArray<{ period: string; words: string }> = [
  { period: "1s", words: "second" },
  { period: "1m", words: "minute" },
  { period: "1h", words: "hour" },
  { period: "1d", words: "day" },
];

const UNIT: Record<string, string> = { s: "second", m: "minute", h: "hour", d: "day" };

/**
 * "minute" for 1m, "10 seconds" for 10s; the period as written when it is none of these.
 * @example periodWords("1h") // "hour"
 */
export function periodWords(period: string): string {
  const m = /^(\d+)(s|m|h|d)$/.exec(period.trim());
  if (!m) return period;
  const n = Number(m[1]);
  const unit = UNIT[m[2] ?? ""] ?? m[2];
  return n === 1 ? `${unit}` : `${n} ${unit}s`;
}

/**
 * A rate limit in a sentence.
 * @example rateLimitWords({ limit: 60, period: "1m" }) // "At most 60 calls every minute"
 */
export function rateLimitWords(rate: RateLimit | null | undefined): string {
  if (!rate) return "No limit";
  const calls = rate.limit === 1 ? "1 call" : `${rate.limit} calls`;
  return `At most ${calls} every ${periodWords(rate.period)}`;
}

/** A step's turns waited under a connection's rate limit, as a run's step view carries them. */
export interface Deferral {
  /** Attempts that waited for a turn (and sent nothing). */
  count: number;
  /** When it is tried again, if known. */
  until: string | null;
}

/**
 * The deferral a step view carries (`deferred`: a count, or `{ count,
 * until }`; `retryAt`: the next try), while the step has not ended; null when
 * it never waited or has ended.
 * @example deferralOf({ status: "running", deferred: 2, retryAt: "…" }) // { count: 2, until: "…" }
 */
export function deferralOf(step: {
  status: string;
  deferred?: unknown;
  retryAt?: unknown;
}): Deferral | null {
  if (!["running", "pending", "waiting"].includes(step.status)) return null;
  const d = step.deferred;
  const count =
    typeof d === "number"
      ? d
      : d !== null && typeof d === "object" && typeof (d as { count?: unknown }).count === "number"
        ? (d as { count: number }).count
        : 0;
  if (count <= 0) return null;
  const until = (d as { until?: unknown } | null)?.until ?? step.retryAt;
  return { count, until: typeof until === "string" ? until : null };
}

/**
 * Why a step waits, in words: its connection's rate limit is used up.
 * @example deferralWords({ count: 1, until }, "erp", { limit: 60, period: "1m" }, clock)
 * // "Waiting for its turn: the connection erp allows at most 60 calls every minute, shared by every workflow that uses it. Tried again at 14:05."
 */
export function deferralWords(
  d: Deferral,
  connection: string | null,
  rate: RateLimit | null | undefined,
  clock: (iso: string) => string,
): string {
  const limit = rate
    ? `${rateLimitWords(rate).replace(/^At most/, "allows at most")}, shared by every workflow that uses it`
    : "has used up its calls for now";
  const who = connection ? `the connection ${connection}` : "its connection";
  const next = d.until
    ? ` Tried again at ${clock(d.until)}.`
    : " It is tried again as soon as there is a turn.";
  return `Waiting for its turn: ${who} ${limit}.${next}`;
}
