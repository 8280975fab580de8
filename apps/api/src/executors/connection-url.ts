// Where a call through a connection goes, and what it carries: the URL is
// built under the connection's base URL (and must stay under it, so its
// credentials never reach another host or another API on the same host),
// and the auth is applied to the headers or the query. Pure.
import type { AuthType } from "../store/connections.ts";

export type Target = { ok: true; url: URL } | { ok: false; message: string };

/** The base's path as a prefix: `/api/v2` and `/api/v2/` both become `/api/v2/`. */
function prefixOf(base: URL): string {
  return base.pathname.endsWith("/") ? base.pathname : `${base.pathname}/`;
}

/** True when `url` is the base itself or under it (same origin, path within the prefix). */
export function underBase(url: URL, base: URL): boolean {
  if (url.origin !== base.origin) return false;
  const prefix = prefixOf(base);
  return url.pathname === base.pathname || url.pathname.startsWith(prefix);
}

/**
 * The URL of a call: a path (`/orders/17`, `orders/17`, `?page=2`, or
 * empty) is appended to the base URL's path; an absolute http(s) URL must
 * share the base's origin and path prefix. `..` cannot climb out: the path
 * is normalised first, then checked. `query` is added (replacing a
 * parameter of the same name).
 * @example resolveTarget("https://erp.example/api/v2", "/orders/17").url.href // "https://erp.example/api/v2/orders/17"
 */
export function resolveTarget(
  baseUrl: string,
  url: string,
  query?: Record<string, string>,
): Target {
  let base: URL;
  try {
    base = new URL(baseUrl);
  } catch {
    return { ok: false, message: `the connection's base URL '${baseUrl}' is not a URL` };
  }
  const text = url.trim();
  let target: URL;
  try {
    if (/^[a-z][a-z0-9+.-]*:/i.test(text)) target = new URL(text);
    else if (text.startsWith("//")) target = new URL(text, base);
    else {
      // Relative: under the base's path, whether it starts with a slash or not.
      const [path = "", rest = ""] = splitPath(text);
      const joined = `${prefixOf(base)}${path.replace(/^\/+/, "")}`;
      target = new URL(`${base.origin}${path === "" ? base.pathname : joined}${rest}`);
    }
  } catch {
    return { ok: false, message: `'${url}' is not a URL or a path` };
  }
  if (!underBase(target, base)) {
    return {
      ok: false,
      message: `${describe(target)} is outside the connection's base URL ${base.origin}${base.pathname}: a connection's credentials are sent only under its base URL`,
    };
  }
  target.hash = "";
  for (const [k, v] of Object.entries(query ?? {})) target.searchParams.set(k, v);
  return { ok: true, url: target };
}

/** `/a/b?x=1` → [`/a/b`, `?x=1`]. */
function splitPath(text: string): [string, string] {
  const cut = text.search(/[?#]/);
  return cut === -1 ? [text, ""] : [text.slice(0, cut), text.slice(cut)];
}

/** Where a URL points, without its query (which may hold a key). */
function describe(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

/** A connection's auth, as the consumer applies it. */
export interface AuthMaterial {
  type: AuthType;
  public: Record<string, string>;
  credentials: Record<string, string>;
  /** OAuth 2: the access token to send. */
  token: string | null;
}

/**
 * Puts the connection's credentials on a request: an Authorization header
 * (bearer, basic, OAuth), an API key header, or an API key query parameter.
 * @example applyAuth(headers, url, { type: "bearer", public: {}, credentials: { token: "t" }, token: null })
 */
export function applyAuth(headers: Headers, url: URL, auth: AuthMaterial): void {
  switch (auth.type) {
    case "none":
      return;
    case "bearer":
      headers.set("authorization", `Bearer ${auth.credentials.token ?? ""}`);
      return;
    case "basic":
      headers.set(
        "authorization",
        `Basic ${base64Utf8(`${auth.public.username ?? ""}:${auth.credentials.password ?? ""}`)}`,
      );
      return;
    case "api_key": {
      const name = auth.public.name ?? "";
      const value = auth.credentials.value ?? "";
      if (auth.public.in === "query") url.searchParams.set(name, value);
      else headers.set(name, value);
      return;
    }
    case "oauth2_client_credentials":
      headers.set("authorization", `Bearer ${auth.token ?? ""}`);
      return;
  }
}

/** Base64 of UTF-8 text (btoa takes only Latin-1). */
export function base64Utf8(text: string): string {
  let bin = "";
  for (const b of new TextEncoder().encode(text)) bin += String.fromCharCode(b);
  return btoa(bin);
}

/**
 * Replaces every credential value in a text with `•••`, so an error a server
 * echoed never carries one into a step's error or a connection's health.
 */
export function maskCredentials(text: string, values: Iterable<string | null | undefined>): string {
  let out = text;
  for (const v of values) {
    if (typeof v === "string" && v.length >= 4) out = out.split(v).join("•••");
  }
  return out;
}
