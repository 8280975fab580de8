import type { BucketRule } from "../durable-objects/rate-limiter.ts";
import type { Env } from "../env.ts";
import { ApiError, ErrorCode } from "../errors.ts";

export type LimitName = "events" | "hooks";

/**
 * Which queues a tenant's new work takes: `bulk` while the tenant sends
 * faster than `bulkLaneAbove` per second (its recent rate), so a burst from
 * one tenant waits in its own queues instead of ahead of everyone else's.
 */
export type Lane = "main" | "bulk";

/** Default for `bulkLaneAbove` (requests per second, over the last few seconds). */
export const DEFAULT_BULK_LANE_ABOVE = 20;

/** Defaults per tenant; SWITCHYARD_RATE_LIMITS (JSON) overrides them per deployment. */
export const DEFAULT_LIMITS: Record<LimitName, BucketRule> = {
  events: { perSecond: 100, burst: 500 },
  hooks: { perSecond: 100, burst: 500 },
};

type Settings = Record<LimitName, BucketRule> & { bulkLaneAbove: number };

function settingsOf(env: Env): Settings {
  const defaults: Settings = { ...DEFAULT_LIMITS, bulkLaneAbove: DEFAULT_BULK_LANE_ABOVE };
  if (!env.SWITCHYARD_RATE_LIMITS) return defaults;
  try {
    return { ...defaults, ...(JSON.parse(env.SWITCHYARD_RATE_LIMITS) as Partial<Settings>) };
  } catch {
    console.error("SWITCHYARD_RATE_LIMITS is not JSON; using the defaults");
    return defaults;
  }
}

/**
 * Answers 429 with Retry-After (whole seconds, at least 1) when the tenant
 * is over its rate for `name`; nothing of the request is kept. Otherwise
 * says which lane the request's work takes.
 */
export async function enforceRateLimit(env: Env, tenantId: string, name: LimitName): Promise<Lane> {
  const stub = env.LIMITS.get(env.LIMITS.idFromName(tenantId));
  const settings = settingsOf(env);
  const result = await stub.take(name, settings[name], settings.bulkLaneAbove);
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
  return result.busy ? "bulk" : "main";
}
