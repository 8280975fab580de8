import type { Context } from "hono";
import type { Env } from "../env.ts";
import type { AppEnv } from "../http.ts";

/**
 * The audit HMAC key. Without it the chain cannot be kept, so a Worker
 * deployed without the secret refuses writes instead of writing unsigned
 * entries.
 */
export function auditKeyOf(env: Env): string {
  const key = env.SWITCHYARD_AUDIT_KEY;
  if (!key) throw new Error("SWITCHYARD_AUDIT_KEY is not set (a Worker secret; see README)");
  return key;
}

export type Ctx = Context<AppEnv>;
