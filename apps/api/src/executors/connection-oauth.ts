// OAuth 2 client credentials (RFC 6749 §4.4) for a connection: the token
// request (a form body; the client authenticates with HTTP Basic unless the
// connection says `clientAuth: "body"`), its answer (§5.1, §5.2), and the
// cache: the token is kept sealed in the tenant's store until 60 s before
// it expires. Token endpoint failures are a step error that names the
// endpoint's `error` and `error_description`, never a credential.
import { checkOutboundUrl } from "../lib/ssrf.ts";
import { base64Utf8, maskCredentials } from "./connection-url.ts";
import { excerpt, readCapped, retryAfterMs } from "./http-outcome.ts";
import { guardSettingsOf } from "./outbound-guard.ts";
import {
  type ExecutionContext,
  type ExecutionOutcome,
  permanentFailure,
  transientFailure,
} from "./types.ts";

export const CONNECTION_AUTH_FAILED = "connection_auth_failed";

/** A token is used until this long before it expires. */
export const TOKEN_EARLY_MS = 60_000;
/** An answer without `expires_in` is taken to last this long (a 401 refreshes it anyway). */
export const DEFAULT_TOKEN_LIFETIME_S = 3_600;
const MAX_TOKEN_ANSWER_BYTES = 64 * 1024;

export interface OAuthSettings {
  name: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scope?: string | undefined;
  audience?: string | undefined;
  clientAuth?: string | undefined;
}

export type TokenResult =
  | { ok: true; token: string; useUntil: number }
  | { ok: false; outcome: ExecutionOutcome };

/**
 * Asks the token endpoint for a new access token.
 * @example await requestToken(ctx, { name: "erp", tokenUrl: "https://id.example/token", clientId, clientSecret })
 */
export async function requestToken(ctx: ExecutionContext, s: OAuthSettings): Promise<TokenResult> {
  const fail = (message: string, retryable: boolean, wait?: number): TokenResult => {
    const text = `connection ${s.name}: ${maskCredentials(message, [s.clientSecret])}`;
    return {
      ok: false,
      outcome: retryable
        ? transientFailure(CONNECTION_AUTH_FAILED, text, wait)
        : permanentFailure(CONNECTION_AUTH_FAILED, text),
    };
  };
  const guard = checkOutboundUrl(s.tokenUrl, guardSettingsOf(ctx.env));
  if (!guard.ok) return fail(`the token endpoint is ${guard.message}`, false);
  const form = new URLSearchParams({ grant_type: "client_credentials" });
  if (s.scope) form.set("scope", s.scope);
  if (s.audience) form.set("audience", s.audience);
  const headers = new Headers({
    "content-type": "application/x-www-form-urlencoded",
    accept: "application/json",
    "user-agent": "Switchyard/1",
  });
  if (s.clientAuth === "body") {
    form.set("client_id", s.clientId);
    form.set("client_secret", s.clientSecret);
  } else {
    // §2.3.1: the id and secret are form-encoded before they are joined.
    const id = encodeURIComponent(s.clientId);
    const secret = encodeURIComponent(s.clientSecret);
    headers.set("authorization", `Basic ${base64Utf8(`${id}:${secret}`)}`);
  }
  const where = guard.url.origin;
  let res: Response;
  try {
    res = await fetch(guard.url, {
      method: "POST",
      headers,
      body: form.toString(),
      redirect: "manual",
      signal: ctx.signal,
    });
  } catch {
    return ctx.signal.aborted
      ? fail(`the token endpoint ${where} did not answer in time`, true)
      : fail(`nothing answered at the token endpoint ${where}`, true);
  }
  let text: string;
  try {
    ({ text } = await readCapped(res, MAX_TOKEN_ANSWER_BYTES));
  } catch {
    return fail(`the token endpoint ${where}'s answer was cut off`, true);
  }
  const body = parseObject(text);
  if (!res.ok) {
    const code = typeof body?.error === "string" ? body.error : null;
    const description = typeof body?.error_description === "string" ? body.error_description : null;
    const said = code
      ? `${code}${description ? ` (${excerpt(description, 200)})` : ""}`
      : excerpt(text, 200);
    const message = `the token endpoint ${where} answered ${res.status}${said ? `: ${said}` : ""}`;
    const retryable = res.status === 429 || res.status >= 500;
    return fail(message, retryable, retryAfterMs(res.headers.get("retry-after"), Date.now()));
  }
  const token = body?.access_token;
  if (typeof token !== "string" || token === "") {
    return fail(
      `the token endpoint ${where} answered ${res.status} without an access_token`,
      false,
    );
  }
  const type = body?.token_type;
  if (typeof type === "string" && type.toLowerCase() !== "bearer") {
    return fail(
      `the token endpoint ${where} gave a '${type}' token; only Bearer tokens are supported`,
      false,
    );
  }
  const expires = Number(body?.expires_in);
  const lifetimeS = Number.isFinite(expires) && expires > 0 ? expires : DEFAULT_TOKEN_LIFETIME_S;
  return { ok: true, token, useUntil: Date.now() + lifetimeS * 1000 - TOKEN_EARLY_MS };
}

function parseObject(text: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === "object" && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}
