import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env.ts";

export interface BucketRule {
  /** Sustained rate. */
  perSecond: number;
  /** How many may come at once before the rate applies. */
  burst: number;
}

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

  /** Takes one token; when none is left, says how long until one is. */
  async take(
    name: string,
    rule: BucketRule,
  ): Promise<{ ok: true } | { ok: false; retryAfterMs: number }> {
    const now = Date.now();
    const b = this.buckets.get(name) ?? { tokens: rule.burst, at: now };
    const tokens = Math.min(rule.burst, b.tokens + ((now - b.at) / 1000) * rule.perSecond);
    if (tokens >= 1) {
      this.buckets.set(name, { tokens: tokens - 1, at: now });
      return { ok: true };
    }
    this.buckets.set(name, { tokens, at: now });
    return { ok: false, retryAfterMs: Math.ceil(((1 - tokens) / rule.perSecond) * 1000) };
  }
}
