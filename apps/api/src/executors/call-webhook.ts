// `call_webhook`: one signed HTTP request per attempt (DESIGN.md, promise 3:
// at-least-once, with a `webhook-id` the receiver can dedupe on). Signed per
// Standard Webhooks with the tenant's secret (and, for 24 hours after a
// rotation, the previous one too); redirects are followed by hand so the
// SSRF guard sees every hop before anything connects to it.
import { Webhook } from "standardwebhooks";
import type { Env } from "../env.ts";
import { checkOutboundUrl, type GuardSettings } from "../lib/ssrf.ts";
import { signingSecrets } from "../services/settings.ts";
import { ExecutorErrorCode, parseConfig } from "./config.ts";
import { excerpt, failureForFetchError, failureForStatus, readCapped } from "./http-outcome.ts";
import { type ExecutionContext, type Executor, permanentFailure } from "./types.ts";

export const WebhookErrorCode = {
  ssrfRefused: "ssrf_refused",
  tooManyRedirects: "too_many_redirects",
  badRedirect: "bad_redirect",
} as const;

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
// Dropped when a redirect leaves the origin, as browsers' fetch does.
const ORIGIN_BOUND_HEADERS = new Set(["authorization", "cookie", "proxy-authorization"]);

interface WebhookConfig {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: unknown;
}

export function guardSettingsOf(env: Env): GuardSettings {
  return {
    allowPrivate: env.SWITCHYARD_ALLOW_PRIVATE_WEBHOOKS,
    allowHosts: env.SWITCHYARD_WEBHOOK_ALLOW_HOSTS,
  };
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
    const parsed = parseConfig<WebhookConfig>("call_webhook", config);
    if (!parsed.ok) return parsed.outcome;
    const m = parsed.value;
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
    const guard = guardSettingsOf(ctx.env);
    const first = checkOutboundUrl(m.url.trim(), guard);
    if (!first.ok) return permanentFailure(WebhookErrorCode.ssrfRefused, first.message);

    const secrets = await signingSecrets(
      ctx.db,
      ctx.env,
      ctx.tenantId,
      { type: "system", id: ctx.runId },
      ctx.now,
    );
    const signWith = [secrets.current, ...(secrets.previous ? [secrets.previous] : [])];
    let url = first.url;
    let payload: string | null = m.body === undefined ? null : JSON.stringify(m.body);
    let extra = userHeaders(m.headers);

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
      if (payload !== null && !headers.has("content-type")) {
        headers.set("content-type", "application/json");
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
      if (!isRedirect(res.status) || location === null) return answer(res, url, ctx);
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
      // As fetch does: 303, and 301/302 after a POST, go on as a GET without a body.
      if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === "POST")) {
        method = "GET";
        payload = null;
        extra = extra.filter(([k]) => k !== "content-type");
      }
      if (next.origin !== url.origin) extra = extra.filter(([k]) => !ORIGIN_BOUND_HEADERS.has(k));
      url = next;
    }
  },
};

const isRedirect = (status: number) => [301, 302, 303, 307, 308].includes(status);

function userHeaders(headers: Record<string, string> | undefined): Array<[string, string]> {
  return Object.entries(headers ?? {})
    .map(([k, v]): [string, string] => [k.trim().toLowerCase(), v])
    .filter(([k]) => k !== "" && !RESERVED_HEADERS.has(k));
}

/** A final answer: kept as the output on success, a coded failure otherwise. */
async function answer(res: Response, url: URL, ctx: ExecutionContext) {
  let read: { text: string; truncated: boolean };
  try {
    read = await readCapped(res, MAX_RESPONSE_BYTES);
  } catch (err) {
    return failureForFetchError(err, ctx.signal, url.origin);
  }
  if (res.status >= 400) {
    return failureForStatus(res, url.origin, excerpt(read.text), Date.now());
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
