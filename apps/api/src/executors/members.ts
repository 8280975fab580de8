import { findMemberByEmail } from "../repositories/member-emails.ts";
import { normalizeEmail } from "../repositories/users.ts";
import { ExecutorErrorCode } from "./config.ts";
import { type ExecutionContext, type ExecutionOutcome, permanentFailure } from "./types.ts";

/**
 * How long this isolate trusts a member lookup. Members live in D1 (the
 * control plane); a burst of task, notification and approval steps for the
 * same people reads D1 once per person per window, not once per step. A
 * member removed meanwhile may still get a task or notification for up to
 * this long (they can no longer sign in to see it). Only hits are kept: a
 * person invited a moment ago is found on the next step.
 */
export const MEMBER_CACHE_MS = 30_000;
const MAX_CACHED = 5_000;

const cache = new Map<string, { email: string; until: number }>();

async function memberEmail(
  ctx: ExecutionContext,
  email: string,
  now = Date.now(),
): Promise<string | undefined> {
  const key = `${ctx.tenantId}\n${normalizeEmail(email)}`;
  const hit = cache.get(key);
  if (hit && hit.until > now) return hit.email;
  const member = await findMemberByEmail(ctx.db, ctx.tenantId, email);
  if (!member) {
    cache.delete(key);
    return undefined;
  }
  if (cache.size >= MAX_CACHED) cache.clear();
  cache.set(key, { email: member.email, until: now + MEMBER_CACHE_MS });
  return member.email;
}

/**
 * The member's stored (normalised) email, or a permanent failure: a task or
 * notification for someone who cannot sign in would never be seen, and
 * retrying does not make them a member.
 */
export async function memberEmailOr(
  ctx: ExecutionContext,
  field: string,
  email: string,
): Promise<{ ok: true; email: string } | { ok: false; outcome: ExecutionOutcome }> {
  const found = await memberEmail(ctx, email);
  if (found !== undefined) return { ok: true, email: found };
  return {
    ok: false,
    outcome: permanentFailure(
      ExecutorErrorCode.notAMember,
      `config.${field}: '${email}' is not a member of this tenant; invite them first (POST /v1/members)`,
    ),
  };
}
