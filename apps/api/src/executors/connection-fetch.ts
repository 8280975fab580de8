// One HTTP call through a named connection (issue 17, item 2), for every
// executor that takes `connection` (call_webhook, http_request, Slack's bot
// mode). The tenant's store answers in one call with the base URL, the
// auth, the opened credentials and a cached OAuth token, and takes a slot
// of the connection's rate limit; the credentials exist only inside this
// call. The URL must stay under the base URL; every hop goes through the
// SSRF guard; redirects are followed only under the base URL too.
//
// Health: a call is a success when the target answered and took the
// credentials — any 2xx, 3xx or 4xx except 401, 403, 408 and 429. A failure
// is a network error or timeout, a 401 or 403 (the credentials were
// refused), 408, 429, a 5xx, a refused token request, or a URL or redirect
// outside the base. The recorded error names the status or the cause, never
// a credential (the server's answer text is not kept).
import { periodWords } from "@switchyard/engine";
import { checkOutboundUrl } from "../lib/ssrf.ts";
import { nowIso } from "../lib/time.ts";
import type { ConnectionUse, HealthNote } from "../store/connections.ts";
import { requestToken } from "./connection-oauth.ts";
import { applyAuth, maskCredentials, resolveTarget, underBase } from "./connection-url.ts";
import { failureForFetchError } from "./http-outcome.ts";
import { guardSettingsOf, refuseSelfCall } from "./outbound-guard.ts";
import {
  deferredOutcome,
  type ExecutionContext,
  type ExecutionOutcome,
  permanentFailure,
} from "./types.ts";

export const ConnectionErrorCode = {
  notFound: "connection_not_found",
  urlMismatch: "connection_url_mismatch",
  ssrfRefused: "ssrf_refused",
  tooManyRedirects: "too_many_redirects",
  authFailed: "connection_auth_failed",
} as const;

/** What a caller asks of a connection. */
export interface ConnectionRequest {
  method: string;
  /** A path under the connection's base URL, or an absolute URL under it. */
  url: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  /** A string, bytes or URLSearchParams: sent again on a redirect or after a token refresh. */
  body?: BodyInit | null;
}

/** The target's answer, its body not yet read. */
export type ConnectionResponse = Response;

const MAX_REDIRECTS = 5;
/** Headers a caller may not set: the connection's auth and the framing are ours. */
const RESERVED = new Set(["host", "content-length", "transfer-encoding", "authorization"]);
/** A status that says the connection itself has a problem (health), see the top of this file. */
const isHealthFailure = (s: number) => s === 401 || s === 403 || s === 408 || s === 429 || s >= 500;

type Ready = Extract<ConnectionUse, { status: "ready" }>;
const isReady = (x: Ready | ExecutionOutcome): x is Ready => "connection" in x;

/**
 * Sends one request through the tenant's connection `name`: resolves it,
 * applies its auth (fetching or refreshing an OAuth token; on a 401 the
 * token is refreshed once and the call made once more), takes its rate
 * limit (no slot: a deferral outcome, nothing sent), and records its health.
 * @example
 * const res = await connectionRequest(ctx, "erp", { method: "POST", url: "/orders", body: "{}" });
 * if (!(res instanceof Response)) return res; // an outcome: failed or deferred
 */
export async function connectionRequest(
  ctx: ExecutionContext,
  name: string,
  req: ConnectionRequest,
): Promise<ConnectionResponse | ExecutionOutcome> {
  const first = await use(ctx, name);
  if (!isReady(first)) return first;
  let ready = first;
  const note = (n: HealthNote) => noteHealth(ctx, name, n);
  const mask = (text: string) =>
    maskCredentials(text, [...Object.values(ready.credentials), ready.token]);
  const target = resolveTarget(ready.connection.baseUrl, req.url, req.query);
  if (!target.ok) {
    const message = `connection ${name}: ${mask(target.message)}`;
    await note({
      ok: false,
      at: nowIso(),
      error: `${ConnectionErrorCode.urlMismatch}: ${message}`,
    });
    return permanentFailure(ConnectionErrorCode.urlMismatch, message);
  }
  const oauth = ready.connection.authType === "oauth2_client_credentials";
  if (oauth && ready.token === null) {
    const fresh = await freshToken(ctx, ready);
    if (!isReady(fresh)) {
      if (fresh.status === "failed") await note(failureNote(fresh));
      return fresh;
    }
    ready = fresh;
  }
  let res = await send(ctx, ready, target.url, req);
  if (res instanceof Response && res.status === 401 && oauth) {
    // The token may have been revoked or expired early: one new token, one more call.
    await res.body?.cancel().catch(() => {});
    await ctx.store.dropConnectionToken(ctx.tenantId, name);
    const again = await use(ctx, name);
    if (!isReady(again)) return again;
    // Another attempt may have fetched a new token meanwhile: then that one is used.
    const fresh =
      again.token !== null && again.token !== ready.token ? again : await freshToken(ctx, again);
    if (!isReady(fresh)) {
      if (fresh.status === "failed") await note(failureNote(fresh));
      return fresh;
    }
    ready = fresh;
    res = await send(ctx, ready, target.url, req);
  }
  if (!(res instanceof Response)) {
    if (res.status === "failed") await note(failureNote(res, mask));
    return res;
  }
  await note(
    isHealthFailure(res.status)
      ? { ok: false, at: nowIso(), error: `${target.url.origin} answered ${res.status}` }
      : { ok: true, at: nowIso() },
  );
  return res;
}

/** The store's answer, or the outcome that ends the attempt (unknown, rate-limited). */
async function use(ctx: ExecutionContext, name: string): Promise<Ready | ExecutionOutcome> {
  const u = (await ctx.store.useConnection(ctx.tenantId, name)) as ConnectionUse;
  if (u.status === "ready") return u;
  if (u.status === "not_found") {
    return permanentFailure(
      ConnectionErrorCode.notFound,
      `there is no connection named '${name}' (Settings → Connections)`,
    );
  }
  // A little spread, so attempts that waited together do not all come back at once.
  const spread = Math.floor(Math.random() * Math.min(u.periodMs / u.limit, 1_000));
  return deferredOutcome(
    u.retryAfterMs + spread,
    `waiting for connection ${name}'s limit (${u.limit === 1 ? "1 call" : `${u.limit} calls`} ${periodWords(u.periodMs)})`,
  );
}

/** A new OAuth token, cached sealed in the store; or the failure. */
async function freshToken(ctx: ExecutionContext, r: Ready): Promise<Ready | ExecutionOutcome> {
  const p = r.connection.authPublic;
  const t = await requestToken(ctx, {
    name: r.connection.name,
    tokenUrl: p.tokenUrl ?? "",
    clientId: p.clientId ?? "",
    clientSecret: r.credentials.clientSecret ?? "",
    scope: p.scope,
    audience: p.audience,
    clientAuth: p.clientAuth,
  });
  if (!t.ok) return t.outcome;
  if (t.useUntil > Date.now()) {
    await ctx.store.keepConnectionToken(
      ctx.tenantId,
      r.connection.name,
      t.token,
      t.useUntil,
      r.connection.version,
    );
  }
  return { ...r, token: t.token };
}

/**
 * The request itself, following redirects by hand while they stay under
 * the base URL (the auth is applied again for each hop; a 303, or a 301/302
 * after a POST, goes on as a GET without a body, as fetch does).
 */
async function send(
  ctx: ExecutionContext,
  r: Ready,
  start: URL,
  req: ConnectionRequest,
): Promise<Response | ExecutionOutcome> {
  ctx.reveal?.(sentCredentials(r));
  const guard = guardSettingsOf(ctx.env);
  const base = new URL(r.connection.baseUrl);
  let url = new URL(start);
  let method = req.method.toUpperCase();
  let body = req.body ?? null;
  for (let hop = 0; ; hop++) {
    const check = checkOutboundUrl(new URL(url), guard);
    if (!check.ok) return permanentFailure(ConnectionErrorCode.ssrfRefused, check.message);
    const self = refuseSelfCall(url, ctx.env);
    if (self) return self;
    let headers: Headers;
    const wire = new URL(url);
    try {
      headers = new Headers({ "user-agent": "Switchyard/1" });
      for (const [k, v] of Object.entries(r.connection.headers)) headers.set(k, v);
      for (const [k, v] of Object.entries(req.headers ?? {})) {
        if (!RESERVED.has(k.trim().toLowerCase())) headers.set(k, v);
      }
      if (body === null) headers.delete("content-type");
      applyAuth(headers, wire, {
        type: r.connection.authType,
        public: r.connection.authPublic,
        credentials: r.credentials,
        token: r.token,
      });
    } catch (err) {
      // A header value with a newline, say: the same on every attempt.
      const text = err instanceof Error ? err.message : String(err);
      return permanentFailure(
        "invalid_config",
        `headers: ${maskCredentials(text, Object.values(r.credentials))}`,
      );
    }
    let res: Response;
    try {
      res = await fetch(wire, { method, headers, body, redirect: "manual", signal: ctx.signal });
    } catch (err) {
      return failureForFetchError(err, ctx.signal, url.origin);
    }
    const location = res.headers.get("location");
    if (![301, 302, 303, 307, 308].includes(res.status) || location === null) return res;
    await res.body?.cancel().catch(() => {});
    let next: URL;
    try {
      next = new URL(location, url);
    } catch {
      return permanentFailure(
        "bad_redirect",
        `${url.origin} redirected to '${location}', which is not a URL`,
      );
    }
    if (!underBase(next, base)) {
      return permanentFailure(
        ConnectionErrorCode.urlMismatch,
        `connection ${r.connection.name}: ${url.origin} redirected outside the connection's base URL (to ${next.origin}${next.pathname}); its credentials are sent only under its base URL`,
      );
    }
    if (hop >= MAX_REDIRECTS) {
      return permanentFailure(
        ConnectionErrorCode.tooManyRedirects,
        `more than ${MAX_REDIRECTS} redirects, the last to ${next.origin}${next.pathname}`,
      );
    }
    if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === "POST")) {
      method = "GET";
      body = null;
    }
    url = next;
  }
}

function failureNote(
  outcome: Extract<ExecutionOutcome, { status: "failed" }>,
  mask: (text: string) => string = (t) => t,
): HealthNote {
  return {
    ok: false,
    at: nowIso(),
    error: mask(`${outcome.error.code}: ${outcome.error.message}`),
  };
}

/** Health is best effort: a store that cannot note it must not fail the call. */
async function noteHealth(ctx: ExecutionContext, name: string, note: HealthNote): Promise<void> {
  await ctx.store
    .noteConnectionHealth(ctx.tenantId, name, note)
    .catch((err: unknown) =>
      console.error(`tenant ${ctx.tenantId}: connection ${name}'s health not noted`, err),
    );
}

/**
 * What a call through `r` sends that is secret, labelled by the connection:
 * each opened credential, the OAuth token, and Basic auth's `user:password`
 * (whose base64 form is the header's).
 * @example sentCredentials(r) // [["erp credentials", "tok-…"], …]
 */
export function sentCredentials(r: Ready): Array<[string, string]> {
  const label = `${r.connection.name} credentials`;
  const values = [...Object.values(r.credentials)];
  if (r.token !== null) values.push(r.token);
  if (r.connection.authType === "basic") {
    values.push(`${r.connection.authPublic.username ?? ""}:${r.credentials.password ?? ""}`);
  }
  return values.filter((v) => v !== "").map((v) => [label, v]);
}
