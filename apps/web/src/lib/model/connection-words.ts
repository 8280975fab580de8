// Connections in people's words (issue 17, item 2): how one signs in, its
// health ("Working — last call 5 minutes ago", "Failing since 14:05: 401
// Unauthorized", "Not used yet"), its rate limit ("At most 60 calls every
// minute"), and the form's choices and checks. Pure: the time comes in.
import type {
  AuthKind,
  AuthView,
  ConnectionHealth,
  ConnectionInfo,
  ConnectionInput,
  ConnectionPatch,
  RateLimit,
} from "../api-credentials";
import { span } from "./member-words";
import { listWords } from "./secret-words";

/** A connection's name, as the catalogue checks it (engine catalogue/connection.ts). */
export const CONNECTION_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** The rule, said once for the form and as the problem. */
export const CONNECTION_NAME_RULE =
  "A name has lower-case letters, digits, _ and - only (no spaces or capitals), at most 63 characters — for example erp or billing-api.";

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

/** The form: what people type. Credentials are empty until typed (write-only). */
export interface ConnectionForm {
  name: string;
  description: string;
  baseUrl: string;
  signIn: SignIn;
  token: string;
  username: string;
  password: string;
  keyName: string;
  keyValue: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scope: string;
  audience: string;
  headers: Array<{ key: string; value: string }>;
  limited: boolean;
  limit: number | null;
  period: string;
}

export function emptyForm(): ConnectionForm {
  return {
    name: "",
    description: "",
    baseUrl: "https://",
    signIn: "bearer",
    token: "",
    username: "",
    password: "",
    keyName: "",
    keyValue: "",
    tokenUrl: "",
    clientId: "",
    clientSecret: "",
    scope: "",
    audience: "",
    headers: [],
    limited: false,
    limit: 60,
    period: "1m",
  };
}

/** The form for editing a connection: what is shown of it; credentials empty ("leave empty to keep"). */
export function formOf(c: ConnectionInfo): ConnectionForm {
  return {
    ...emptyForm(),
    name: c.name,
    description: c.description ?? "",
    baseUrl: c.baseUrl,
    signIn: signInOf(c.auth),
    username: c.auth.username ?? "",
    keyName: c.auth.name ?? "",
    tokenUrl: c.auth.tokenUrl ?? "",
    clientId: c.auth.clientId ?? "",
    scope: c.auth.scope ?? "",
    audience: c.auth.audience ?? "",
    headers: Object.entries(c.headers ?? {}).map(([key, value]) => ({ key, value })),
    limited: !!c.rateLimit,
    limit: c.rateLimit?.limit ?? 60,
    period: c.rateLimit?.period ?? "1m",
  };
}

/** The credential fields of a sign-in, by the form's field name and its label. */
export function credentialFields(
  signIn: SignIn,
): Array<{ field: keyof ConnectionForm; label: string }> {
  switch (signIn) {
    case "bearer":
      return [{ field: "token", label: "Access token" }];
    case "basic":
      return [{ field: "password", label: "Password" }];
    case "api_key_header":
    case "api_key_query":
      return [{ field: "keyValue", label: "Key" }];
    case "oauth2":
      return [{ field: "clientSecret", label: "Client secret" }];
    default:
      return [];
  }
}

const isUrl = (s: string) => /^https?:\/\/[^\s/?#]+/i.test(s.trim());

/**
 * What is missing or wrong in the form, in words; empty when it can be saved.
 * `editing`: credentials left empty keep the stored ones — unless the sign-in
 * changed kind (`kept`: the stored kind), which needs all of its own.
 */
export function formProblems(form: ConnectionForm, editing: boolean, kept?: AuthKind): string[] {
  editing = editing && (kept === undefined || kept === authKindOf(form.signIn));
  const out: string[] = [];
  const name = form.name.trim();
  if (name === "") out.push("Give the connection a name, such as erp.");
  else if (!CONNECTION_NAME.test(name)) out.push(`${CONNECTION_NAME_RULE}`);
  if (!isUrl(form.baseUrl))
    out.push("The address starts with https:// (or http://), such as https://erp.example.com.");
  const need = (value: string, what: string) => {
    if (value.trim() === "") out.push(`Fill in the ${what}.`);
  };
  switch (form.signIn) {
    case "bearer":
      if (!editing) need(form.token, "access token");
      break;
    case "basic":
      need(form.username, "user name");
      if (!editing) need(form.password, "password");
      break;
    case "api_key_header":
    case "api_key_query":
      need(form.keyName, form.signIn === "api_key_header" ? "header's name" : "parameter's name");
      if (!editing) need(form.keyValue, "key");
      break;
    case "oauth2":
      if (!isUrl(form.tokenUrl)) out.push("The token address starts with https://.");
      need(form.clientId, "client ID");
      if (!editing) need(form.clientSecret, "client secret");
      break;
    default:
      break;
  }
  if (form.limited) {
    const n = form.limit;
    if (n === null || !Number.isInteger(n) || n < 1)
      out.push("The rate limit is a whole number of calls, at least 1.");
  }
  const names = form.headers.map((h) => h.key.trim().toLowerCase()).filter(Boolean);
  const twice = names.filter((n, i) => names.indexOf(n) !== i);
  if (twice.length) out.push(`The header ${listWords([...new Set(twice)])} is given twice.`);
  return out;
}

/**
 * The API's body for a new connection (POST): every field as typed.
 */
export function connectionInput(form: ConnectionForm): ConnectionInput {
  const description = form.description.trim();
  return {
    name: form.name.trim(),
    ...(description ? { description } : {}),
    ...settingsOf(form),
    auth: authInput(form, (value) => value),
  };
}

/**
 * The API's body for an edit (PUT): no name (it is the address), a cleared
 * description as null, and a credential left empty left out — the server
 * keeps the stored one.
 */
export function connectionPatch(form: ConnectionForm): ConnectionPatch {
  return {
    description: form.description.trim() || null,
    ...settingsOf(form),
    auth: authInput(form, (value) => (value === "" ? undefined : value)),
  };
}

function settingsOf(form: ConnectionForm): Required<Omit<ConnectionPatch, "auth" | "description">> {
  const headers: Record<string, string> = {};
  for (const h of form.headers) if (h.key.trim()) headers[h.key.trim()] = h.value;
  return {
    baseUrl: form.baseUrl.trim(),
    headers,
    rateLimit:
      form.limited && form.limit !== null ? { limit: form.limit, period: form.period } : null,
  };
}

function authInput(
  form: ConnectionForm,
  keep: (value: string) => string | undefined,
): ConnectionInput["auth"] {
  const defined = <T extends object>(o: T): T =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
  switch (form.signIn) {
    case "none":
      return { type: "none" };
    case "bearer":
      return defined({ type: "bearer" as const, token: keep(form.token) });
    case "basic":
      return defined({
        type: "basic" as const,
        username: form.username.trim(),
        password: keep(form.password),
      });
    case "api_key_header":
    case "api_key_query":
      return defined({
        type: "api_key" as const,
        in: form.signIn === "api_key_header" ? ("header" as const) : ("query" as const),
        name: form.keyName.trim(),
        value: keep(form.keyValue),
      });
    case "oauth2":
      return defined({
        type: "oauth2_client_credentials" as const,
        tokenUrl: form.tokenUrl.trim(),
        clientId: form.clientId.trim(),
        clientSecret: keep(form.clientSecret),
        scope: form.scope.trim() || undefined,
        audience: form.audience.trim() || undefined,
      });
  }
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
