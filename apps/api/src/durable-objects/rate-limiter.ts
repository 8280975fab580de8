import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env.ts";

export interface BucketRule {
  /** Sustained rate. */
  perSecond: number;
  /** How many may come at once before the rate applies. */
  burst: number;
}

/** The window of the recent-rate estimate (an exponentially decaying count). */
const RATE_WINDOW_MS = 5_000;

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * One per tenant: token buckets for that tenant's request rates (ingest,
 * hooks). A tenant flooding its limit only ever waits on its own object, so
 * it cannot slow another tenant. Buckets live in memory: if the object is
 * evicted they refill, which errs on the side of letting requests through.
 */
export class RateLimiter extends DurableObject<Env> {
  private buckets = new Map<string, Bucket>();
  /** The tenant's recent request rate (per second, all names), decaying over RATE_WINDOW_MS. */
  private rate = { perSecond: 0, at: 0 };

  /**
   * Takes one token; when none is left, says how long until one is. `busy`
   * says the tenant's recent rate is above `busyAbove` per second: its work
   * then goes to the bulk lane, so a burst never queues ahead of others.
   */
  async take(
    name: string,
    rule: BucketRule,
    busyAbove = Number.POSITIVE_INFINITY,
  ): Promise<{ ok: true; busy: boolean } | { ok: false; retryAfterMs: number }> {
    const now = Date.now();
    const decay = Math.exp(-(now - this.rate.at) / RATE_WINDOW_MS);
    this.rate = { perSecond: this.rate.perSecond * decay + 1000 / RATE_WINDOW_MS, at: now };
    const b = this.buckets.get(name) ?? { tokens: rule.burst, at: now };
    const tokens = Math.min(rule.burst, b.tokens + ((now - b.at) / 1000) * rule.perSecond);
    if (tokens >= 1) {
      this.buckets.set(name, { tokens: tokens - 1, at: now });
      return { ok: true, busy: this.rate.perSecond > busyAbove };
    }
    this.buckets.set(name, { tokens, at: now });
    return { ok: false, retryAfterMs: Math.ceil(((1 - tokens) / rule.perSecond) * 1000) };
  }
}
