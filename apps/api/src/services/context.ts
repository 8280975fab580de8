import type { Context } from "hono";
import type { Env } from "../env.ts";
import type { AppEnv } from "../http.ts";
import { RequiredSecret, requiredSecret } from "../required-secrets.ts";

/**
 * The audit HMAC key. Without it the chain cannot be kept, so a Worker
 * deployed without the secret refuses writes (503 `misconfigured`) instead of
 * writing unsigned entries.
 */
export function auditKeyOf(env: Env): string {
  return requiredSecret(env, RequiredSecret.auditKey);
}

export type Ctx = Context<AppEnv>;
