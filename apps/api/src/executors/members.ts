import { findMemberByEmail } from "../repositories/member-emails.ts";
import { ExecutorErrorCode } from "./config.ts";
import { type ExecutionContext, type ExecutionOutcome, permanentFailure } from "./types.ts";

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
  const member = await findMemberByEmail(ctx.db, ctx.tenantId, email);
  if (member) return { ok: true, email: member.email };
  return {
    ok: false,
    outcome: permanentFailure(
      ExecutorErrorCode.notAMember,
      `config.${field}: '${email}' is not a member of this tenant; invite them first (POST /v1/members)`,
    ),
  };
}
