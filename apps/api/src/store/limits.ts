// A tenant's request rates, kept by its store (today's RateLimiter folded
// in): token buckets per limit name, and the tenant's recent rate that
// picks its lane. Buckets live in memory: if the object is evicted they
// refill, which errs on the side of letting requests through.

export type LimitName = "events" | "hooks" | "records" | "runs";

/**
 * Which queues a tenant's new work takes: `bulk` while the tenant sends
 * faster than `bulkLaneAbove` per second (its recent rate), so a burst from
 * one tenant waits in its own queues instead of ahead of everyone else's.
 */
export type Lane = "main" | "bulk";

export interface BucketRule {
  /** Sustained rate. */
  perSecond: number;
  /** How many may come at once before the rate applies. */
  burst: number;
}

/** Default for `bulkLaneAbove` (requests per second, over the last few seconds). */
export const DEFAULT_BULK_LANE_ABOVE = 20;

/** Defaults per tenant; SWITCHYARD_RATE_LIMITS (JSON) overrides them per deployment. */
export const DEFAULT_LIMITS: Record<LimitName, BucketRule> = {
  events: { perSecond: 100, burst: 500 },
  hooks: { perSecond: 100, burst: 500 },
  records: { perSecond: 100, burst: 500 },
  runs: { perSecond: 20, burst: 100 },
};

export type LimitSettings = Record<LimitName, BucketRule> & {
  bulkLaneAbove: number;
  /** Runs one originating event may start across its chains (store/matching.ts). */
  fanOutRuns: number;
};

/** Default for `fanOutRuns`. */
export const DEFAULT_FAN_OUT_RUNS = 1_000;

let parsed: { json: string | undefined; settings: LimitSettings } | null = null;

/** The deployment's limits (parsed once per distinct SWITCHYARD_RATE_LIMITS). */
export function limitSettings(json: string | undefined): LimitSettings {
  if (parsed !== null && parsed.json === json) return parsed.settings;
  const settings = parseLimitSettings(json);
  parsed = { json, settings };
  return settings;
}

function parseLimitSettings(json: string | undefined): LimitSettings {
  const defaults: LimitSettings = {
    ...DEFAULT_LIMITS,
    bulkLaneAbove: DEFAULT_BULK_LANE_ABOVE,
    fanOutRuns: DEFAULT_FAN_OUT_RUNS,
  };
  if (!json) return defaults;
  try {
    return { ...defaults, ...(JSON.parse(json) as Partial<LimitSettings>) };
  } catch {
    console.error("SWITCHYARD_RATE_LIMITS is not JSON; using the defaults");
    return defaults;
  }
}

/** The window of the recent-rate estimate (an exponentially decaying count). */
const RATE_WINDOW_MS = 5_000;

export type TakeResult = { ok: true; lane: Lane } | { ok: false; retryAfterMs: number };

export class TenantLimits {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  #rate = { perSecond: 0, at: 0 };

  /**
   * Takes one token of `name`; when none is left, says how long until one
   * is. The lane is `bulk` while the tenant's recent rate is above
   * `bulkLaneAbove` per second.
   */
  take(name: LimitName, settings: LimitSettings, now: number): TakeResult {
    const rule = settings[name] ?? DEFAULT_LIMITS[name];
    const decay = Math.exp(-(now - this.#rate.at) / RATE_WINDOW_MS);
    this.#rate = { perSecond: this.#rate.perSecond * decay + 1000 / RATE_WINDOW_MS, at: now };
    const b = this.#buckets.get(name) ?? { tokens: rule.burst, at: now };
    const tokens = Math.min(rule.burst, b.tokens + ((now - b.at) / 1000) * rule.perSecond);
    if (tokens >= 1) {
      this.#buckets.set(name, { tokens: tokens - 1, at: now });
      return { ok: true, lane: this.#rate.perSecond > settings.bulkLaneAbove ? "bulk" : "main" };
    }
    this.#buckets.set(name, { tokens, at: now });
    return { ok: false, retryAfterMs: Math.ceil(((1 - tokens) / rule.perSecond) * 1000) };
  }

  /** The lane for work that is not itself limited (run-emitted events keep the run's lane). */
  lane(settings: LimitSettings, now: number): Lane {
    const decay = Math.exp(-(now - this.#rate.at) / RATE_WINDOW_MS);
    return this.#rate.perSecond * decay > settings.bulkLaneAbove ? "bulk" : "main";
  }
}
