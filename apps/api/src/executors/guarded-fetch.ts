// A plain outbound request (http_request without a connection): the SSRF
// guard and the platform's own host are checked before each hop, redirects
// are followed by hand (at most five), and a hop to another origin carries
// only the headers that describe the request, never one that may be a
// credential (as call_webhook does, for the same reason).
import { checkOutboundUrl } from "../lib/ssrf.ts";
import { failureForFetchError } from "./http-outcome.ts";
import { guardSettingsOf, refuseSelfCall } from "./outbound-guard.ts";
import { type ExecutionContext, type ExecutionOutcome, permanentFailure } from "./types.ts";

export const MAX_REDIRECTS = 5;
const CROSS_ORIGIN_HEADERS = new Set(["accept", "accept-language", "content-type", "user-agent"]);

export interface GuardedRequest {
  method: string;
  headers: Array<[string, string]>;
  /** Text or form fields: sent again on a 307 or 308. */
  body: string | URLSearchParams | null;
}

/**
 * Sends `req` to `start`, following redirects under the SSRF guard; the
 * final answer's body is not read.
 * @example const res = await guardedFetch("https://api.example.com/x", { method: "GET", headers: [], body: null }, ctx)
 */
export async function guardedFetch(
  start: string | URL,
  req: GuardedRequest,
  ctx: ExecutionContext,
): Promise<{ res: Response; url: URL } | { outcome: ExecutionOutcome }> {
  const guard = guardSettingsOf(ctx.env);
  const first = checkOutboundUrl(start, guard);
  if (!first.ok) return { outcome: permanentFailure("ssrf_refused", first.message) };
  let url = first.url;
  let { method, headers, body } = req;
  for (let hop = 0; ; hop++) {
    const self = refuseSelfCall(url, ctx.env, hop > 0 ? "a redirect" : undefined);
    if (self) return { outcome: self };
    let h: Headers;
    try {
      h = new Headers(headers);
    } catch (err) {
      return {
        outcome: permanentFailure(
          "invalid_config",
          `config.headers: ${err instanceof Error ? err.message : String(err)}`,
        ),
      };
    }
    let res: Response;
    try {
      res = await fetch(url, { method, headers: h, body, redirect: "manual", signal: ctx.signal });
    } catch (err) {
      return { outcome: failureForFetchError(err, ctx.signal, url.origin) };
    }
    const location = res.headers.get("location");
    if (![301, 302, 303, 307, 308].includes(res.status) || location === null) return { res, url };
    await res.body?.cancel().catch(() => {});
    if (hop >= MAX_REDIRECTS) {
      return {
        outcome: permanentFailure(
          "too_many_redirects",
          `more than ${MAX_REDIRECTS} redirects, the last to ${location}`,
        ),
      };
    }
    let next: URL;
    try {
      next = new URL(location, url);
    } catch {
      return {
        outcome: permanentFailure(
          "bad_redirect",
          `${url.origin} redirected to '${location}', which is not a URL`,
        ),
      };
    }
    const check = checkOutboundUrl(next, guard);
    if (!check.ok) {
      return {
        outcome: permanentFailure("ssrf_refused", `redirect from ${url.origin}: ${check.message}`),
      };
    }
    if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === "POST")) {
      method = "GET";
      body = null;
      headers = headers.filter(([k]) => k !== "content-type");
    }
    if (next.origin !== url.origin) headers = headers.filter(([k]) => CROSS_ORIGIN_HEADERS.has(k));
    url = next;
  }
}
