// The `connection` field of the actions that call out over HTTP
// (call_webhook, http_request): a named connection of the tenant (issue 17,
// item 2), whose base URL, auth and rate limit the executor applies.
import { z } from "zod";
import { hasPlaceholder } from "./define-action.ts";

/** A connection's name: lower case, digits, `_` and `-`, at most 63 characters. */
export const CONNECTION_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/**
 * True for a valid connection name.
 * @example isConnectionName("erp") // true
 */
export function isConnectionName(name: string): boolean {
  return CONNECTION_NAME.test(name);
}

/**
 * The optional `connection` config field: a connection's name (the builder
 * offers the tenant's connections: `x-widget: connection`), or a template.
 * @example z.strictObject({ connection: connectionField("…").optional(), … })
 */
export function connectionField(description: string) {
  return z
    .string()
    .refine((v) => hasPlaceholder(v) || isConnectionName(v), {
      message: "expected a connection's name: lower-case letters, digits, _ and - (at most 63)",
    })
    .meta({ description, "x-widget": "connection" });
}

/**
 * A `url` that may be a path when the step names a connection: without one
 * it must be an absolute http(s) URL (or a template).
 * @example urlProblem("/orders", true) // null
 */
export function urlProblem(url: string, withConnection: boolean): string | null {
  if (hasPlaceholder(url)) return null;
  const trimmed = url.trim();
  if (/^https?:\/\/[^\s/]+/i.test(trimmed)) return null;
  if (!withConnection) return "expected an http(s) URL or a {{ template }}";
  if (/^[a-z][a-z0-9+.-]*:/i.test(trimmed) || trimmed.startsWith("//")) {
    return "expected a path under the connection's base URL (/orders), or an http(s) URL under it";
  }
  return null;
}
