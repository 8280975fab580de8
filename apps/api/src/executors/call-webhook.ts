// `call_webhook`: one signed HTTP request per attempt (DESIGN.md, promise 3:
// at-least-once, with a `webhook-id` the receiver can dedupe on). Signed per
// Standard Webhooks with the tenant's secret (and, for 24 hours after a
// rotation, the previous one too); redirects are followed by hand so the
// SSRF guard sees every hop before anything connects to it.
import {
  describeJsonProblem,
  isJsonContentType,
  jsonTextProblem,
  webhookConfigShape,
  webhookContentType,
} from "@switchyard/engine";
import { Webhook } from "standardwebhooks";
import { checkOutboundUrl } from "../lib/ssrf.ts";
import { signingSecrets } from "../services/settings.ts";
import { ExecutorErrorCode, invalidConfig } from "./config.ts";
import { connectionRequest } from "./connection-fetch.ts";
import { excerpt, failureForFetchError, failureForStatus, readCapped } from "./http-outcome.ts";
import { guardSettingsOf, refuseSelfCall } from "./outbound-guard.ts";
import {
  type ExecutionContext,
  type ExecutionOutcome,
  type Executor,
  permanentFailure,
} from "./types.ts";

export const WebhookErrorCode = {
  ssrfRefused: "ssrf_refused",
  tooManyRedirects: "too_many_redirects",
  badRedirect: "bad_redirect",
  selfCallRefused: "self_call_refused",
  invalidJsonBody: "invalid_json_body",
} as const;

// Moved to outbound-guard.ts (connections use it too); kept here for the chat executors.
export { guardSettingsOf } from "./outbound-guard.ts";

export const MAX_REDIRECTS = 5;
/** How much of the receiver's answer a step keeps as its output (DESIGN.md). */
export const MAX_RESPONSE_BYTES = 64 * 1024;

const METHODS = new Set(["GET", "POST", "PUT", "PATCH", "DELETE"]);
// Ours to set: a template must not forge the signature or confuse framing.
const RESERVED_HEADERS = new Set([
  "webhook-id",
  "webhook-timestamp",
  "webhook-signature",
  "content-length",
  "host",
  "transfer-encoding",
]);
// The only user headers that follow a redirect to another origin: they
// describe the request, never a credential. Anything else an author sets
// (Authorization, Cookie, X-Api-Key, X-Whatever-Token…) was meant for the
// receiver they named, and a receiver must not be able to forward it
// elsewhere by answering 307. Browsers drop only Authorization; an author's
// custom headers are secrets far more often than not, so we drop by default.
// The Standard Webhooks headers are not user headers: each hop is signed
// anew for what it carries, so a receiver that redirects can still verify
// (the signature proves origin, it reveals nothing of the secret).
const CROSS_ORIGIN_HEADERS = new Set(["accept", "accept-language", "content-type", "user-agent"]);

interface WebhookConfig {
  connection?: string;
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: unknown;
  contentType?: string;
}

/**
 * The three Standard Webhooks headers. During a rotation's grace both
 * secrets sign, space-separated, so a receiver with either one verifies.
 * @example signatureHeaders("run_1:step", ["whsec_…"], "{}", new Date())
 */
export function signatureHeaders(
  msgId: string,
  secrets: string[],
  payload: string,
  at: Date,
): Record<string, string> {
  return {
    "webhook-id": msgId,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": secrets.map((s) => new Webhook(s).sign(msgId, at, payload)).join(" "),
  };
}

export const callWebhookExecutor: Executor = {
  action: "call_webhook",
  async execute(config, ctx) {
    // The shape only: the body's JSON is checked below on what is really sent.
    const parsed = webhookConfigShape.safeParse(config);
    if (!parsed.success) return invalidConfig(parsed.error.issues);
    const m: WebhookConfig = parsed.data;
    let method = (m.method ?? "POST").toUpperCase();
    if (!METHODS.has(method)) {
      return permanentFailure(
        ExecutorErrorCode.invalidConfig,
        `config.method: '${m.method}' is not one of ${[...METHODS].join(", ")}`,
      );
    }
    if (method === "GET" && m.body !== undefined) {
      return permanentFailure(ExecutorErrorCode.invalidConfig, "config.body: a GET has no body");
    }
    if (m.connection !== undefined) return viaConnection(m.connection, m, method, ctx);
    const guard = guardSettingsOf(ctx.env);
    const first = checkOutboundUrl(m.url.trim(), guard);
    if (!first.ok) return permanentFailure(WebhookErrorCode.ssrfRefused, first.message);
    const selfCall = refuseSelfCall(first.url, ctx.env);
    if (selfCall) return selfCall;

    const secrets = await signingSecrets(
      ctx.db,
      ctx.env,
      ctx.tenantId,
      { type: "system", id: ctx.runId },
      ctx.now,
    );
    const signWith = [secrets.current, ...(secrets.previous ? [secrets.previous] : [])];
    let url = first.url;
    const body = payloadOf(m);
    if (!body.ok) return body.outcome;
    let payload = body.payload;
    let extra = userHeaders(m.headers);
    if (payload !== null) {
      extra = [...extra.filter(([k]) => k !== "content-type"), ["content-type", body.contentType]];
    }

    for (let hop = 0; ; hop++) {
      let headers: Headers;
      try {
        headers = new Headers(extra);
      } catch (err) {
        // A rendered value with a newline, say: the same on every attempt.
        return permanentFailure(
          ExecutorErrorCode.invalidConfig,
          `config.headers: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
      if (!headers.has("user-agent")) headers.set("user-agent", "Switchyard-Webhooks/1");
      for (const [k, v] of Object.entries(
        signatureHeaders(ctx.idempotencyKey, signWith, payload ?? "", new Date()),
      )) {
        headers.set(k, v);
      }
      let res: Response;
      try {
        res = await fetch(url, {
          method,
          headers,
          body: payload,
          redirect: "manual",
          signal: ctx.signal,
        });
      } catch (err) {
        return failureForFetchError(err, ctx.signal, url.origin);
      }
      const location = res.headers.get("location");
      if (!isRedirect(res.status) || location === null) return answer(res, url.origin, ctx);
      await res.body?.cancel().catch(() => {});
      if (hop >= MAX_REDIRECTS) {
        return permanentFailure(
          WebhookErrorCode.tooManyRedirects,
          `more than ${MAX_REDIRECTS} redirects, the last to ${location}`,
        );
      }
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        return permanentFailure(
          WebhookErrorCode.badRedirect,
          `${url.origin} redirected to '${location}', which is not a URL`,
        );
      }
      const check = checkOutboundUrl(next, guard);
      if (!check.ok) {
        return permanentFailure(
          WebhookErrorCode.ssrfRefused,
          `redirect from ${url.origin}: ${check.message}`,
        );
      }
      const selfHop = refuseSelfCall(next, ctx.env, url.origin);
      if (selfHop) return selfHop;
      // As fetch does: 303, and 301/302 after a POST, go on as a GET without a body.
      if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === "POST")) {
        method = "GET";
        payload = null;
        extra = extra.filter(([k]) => k !== "content-type");
      }
      if (next.origin !== url.origin) extra = extra.filter(([k]) => CROSS_ORIGIN_HEADERS.has(k));
      url = next;
    }
  },
};

type Payload =
  | { ok: true; payload: string | null; contentType: string }
  | { ok: false; outcome: ReturnType<typeof permanentFailure> };

/**
 * What goes on the wire. Text is sent as exactly those bytes under the
 * step's content type, and must be JSON when that type is JSON: a body that
 * the data turned into something else fails here, before anything is sent,
 * rather than reach the receiver as a JSON string and "succeed". Anything
 * else (an object, a list, a number a lone placeholder gave) is sent as JSON.
 */
function payloadOf(m: WebhookConfig): Payload {
  const contentType = webhookContentType(m).trim();
  if (m.body === undefined) return { ok: true, payload: null, contentType };
  if (typeof m.body !== "string") {
    return { ok: true, payload: JSON.stringify(m.body), contentType };
  }
  if (isJsonContentType(contentType)) {
    const problem = jsonTextProblem(m.body);
    if (problem !== null) {
      return {
        ok: false,
        outcome: permanentFailure(
          WebhookErrorCode.invalidJsonBody,
          `The body is not valid JSON after filling in the data: ${describeJsonProblem(problem)} (position ${problem.position.offset})`,
        ),
      };
    }
  }
  return { ok: true, payload: m.body, contentType };
}

const isRedirect = (status: number) => [301, 302, 303, 307, 308].includes(status);

function userHeaders(headers: Record<string, string> | undefined): Array<[string, string]> {
  return Object.entries(headers ?? {})
    .map(([k, v]): [string, string] => [k.trim().toLowerCase(), v])
    .filter(([k]) => k !== "" && !RESERVED_HEADERS.has(k));
}

/**
 * Through a connection (issue 17): its base URL, auth, default headers and
 * rate limit apply (executors/connection-fetch.ts), redirects stay under
 * its base URL, and the request is signed as always; the secrets are the
 * tenant's, so the receiver verifies it the same way.
 */
async function viaConnection(
  name: string,
  m: WebhookConfig,
  method: string,
  ctx: ExecutionContext,
): Promise<ExecutionOutcome> {
  const body = payloadOf(m);
  if (!body.ok) return body.outcome;
  const secrets = await signingSecrets(
    ctx.db,
    ctx.env,
    ctx.tenantId,
    { type: "system", id: ctx.runId },
    ctx.now,
  );
  const signWith = [secrets.current, ...(secrets.previous ? [secrets.previous] : [])];
  const headers = Object.fromEntries(userHeaders(m.headers));
  if (body.payload !== null) headers["content-type"] = body.contentType;
  Object.assign(
    headers,
    signatureHeaders(ctx.idempotencyKey, signWith, body.payload ?? "", new Date()),
  );
  const res = await connectionRequest(ctx, name, {
    method,
    url: m.url,
    headers,
    body: body.payload,
  });
  if (!(res instanceof Response)) return res;
  return answer(res, `connection ${name}`, ctx);
}

/** A final answer: kept as the output on success, a coded failure otherwise. */
async function answer(res: Response, who: string, ctx: ExecutionContext) {
  let read: { text: string; truncated: boolean };
  try {
    read = await readCapped(res, MAX_RESPONSE_BYTES);
  } catch (err) {
    return failureForFetchError(err, ctx.signal, who);
  }
  if (res.status >= 400) {
    return failureForStatus(res, who, excerpt(read.text), Date.now());
  }
  const contentType = res.headers.get("content-type") ?? "";
  let body: unknown = read.text;
  if (!read.truncated && read.text !== "" && /\bjson\b/i.test(contentType)) {
    try {
      body = JSON.parse(read.text);
    } catch {
      // Labelled JSON but is not: keep the text, the step still succeeded.
    }
  }
  return {
    status: "succeeded" as const,
    output: { status: res.status, headers: Object.fromEntries(res.headers), body },
  };
}
