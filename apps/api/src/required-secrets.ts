// The Worker secrets some requests cannot be served without (README,
// "Deploy"). Every read of one goes through `requiredSecret`, so a Worker
// deployed without it answers 503 `misconfigured` naming the secret (never
// its value) on exactly the requests that need it, and GET /v1/health lists
// what is missing; everything else keeps working.
import type { Env } from "./env.ts";
import { ApiError, ErrorCode } from "./errors.ts";

export const RequiredSecret = {
  platformToken: "SWITCHYARD_PLATFORM_TOKEN",
  encryptionKey: "SWITCHYARD_ENCRYPTION_KEY",
  auditKey: "SWITCHYARD_AUDIT_KEY",
} as const;
export type RequiredSecret = (typeof RequiredSecret)[keyof typeof RequiredSecret];

const ALL: readonly RequiredSecret[] = Object.values(RequiredSecret);

/**
 * The 503 for a request that needs `name`, which the Worker lacks.
 * @example throw misconfigured("SWITCHYARD_AUDIT_KEY")
 */
export function misconfigured(name: RequiredSecret): ApiError {
  return new ApiError(
    503,
    ErrorCode.misconfigured,
    `This server is missing ${name}; its operator must set it (see README, Deploy)`,
  );
}

/**
 * The secret's value, or the 503 naming it when it is unset or empty.
 * @example const key = requiredSecret(c.env, RequiredSecret.auditKey);
 */
export function requiredSecret(env: Pick<Env, RequiredSecret>, name: RequiredSecret): string {
  const value = env[name];
  if (!value) throw misconfigured(name);
  return value;
}

/**
 * The names of the required secrets the Worker lacks, for GET /v1/health.
 * @example missingSecrets(env) // ["SWITCHYARD_AUDIT_KEY"]
 */
export function missingSecrets(env: Pick<Env, RequiredSecret>): RequiredSecret[] {
  return ALL.filter((name) => !env[name]);
}
