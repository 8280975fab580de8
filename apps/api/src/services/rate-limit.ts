import type { BucketRule } from "../durable-objects/rate-limiter.ts";
import type { Env } from "../env.ts";
import { ApiError, ErrorCode } from "../errors.ts";

export type LimitName = "events" | "hooks";

/** Defaults per tenant; SWITCHYARD_RATE_LIMITS (JSON) overrides them per deployment. */
export const DEFAULT_LIMITS: Record<LimitName, BucketRule> = {
  events: { perSecond: 100, burst: 500 },
  hooks: { perSecond: 100, burst: 500 },
};

function rulesOf(env: Env): Record<LimitName, BucketRule> {
  if (!env.SWITCHYARD_RATE_LIMITS) return DEFAULT_LIMITS;
  try {
    return {
      ...DEFAULT_LIMITS,
      ...(JSON.parse(env.SWITCHYARD_RATE_LIMITS) as Partial<Record<LimitName, BucketRule>>),
    };
  } catch {
    console.error("SWITCHYARD_RATE_LIMITS is not JSON; using the defaults");
    return DEFAULT_LIMITS;
  }
}

/**
 * Answers 429 with Retry-After (whole seconds, at least 1) when the tenant
 * is over its rate for `name`; nothing of the request is kept.
 */
export async function enforceRateLimit(env: Env, tenantId: string, name: LimitName): Promise<void> {
  const stub = env.LIMITS.get(env.LIMITS.idFromName(tenantId));
  const result = await stub.take(name, rulesOf(env)[name]);
  if (!result.ok) {
    const seconds = Math.max(1, Math.ceil(result.retryAfterMs / 1000));
    throw new ApiError(
      429,
      ErrorCode.rateLimited,
      `Too many requests for this tenant (${name}); retry after ${seconds} s`,
      undefined,
      { "Retry-After": String(seconds) },
    );
  }
}
