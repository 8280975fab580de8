import type { Env } from "../env.ts";
import { ApiError, ErrorCode } from "../errors.ts";
import { storeFor } from "../store/client.ts";
import type { NewEvent } from "../store/events.ts";
import type { Lane, LimitName } from "../store/limits.ts";

export type { NewEvent } from "../store/events.ts";

/**
 * Accepts an event into its tenant's store: the store takes the tenant's
 * rate limit (`limit`), stores the event once per id, arms its own alarm
 * and queues the event to be matched by itself. A duplicate id answers
 * `duplicate: true` and starts nothing. Over the limit: 429 with
 * Retry-After, and nothing is kept.
 */
export async function acceptEvent(
  env: Env,
  tenantId: string,
  input: NewEvent,
  opts: { limit?: LimitName; lane?: Lane } = {},
): Promise<{ id: string; duplicate: boolean }> {
  const reply = await storeFor(env, tenantId).ingest(tenantId, input, opts);
  if (!reply.ok) throw rateLimited(opts.limit ?? "events", reply.retryAfterMs);
  return { id: reply.id, duplicate: reply.duplicate };
}

/** 429 with Retry-After (whole seconds, at least 1). */
export function rateLimited(name: string, retryAfterMs: number): ApiError {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new ApiError(
    429,
    ErrorCode.rateLimited,
    `Too many requests for this tenant (${name}); retry after ${seconds} s`,
    undefined,
    { "Retry-After": String(seconds) },
  );
}
