// Deciding an approval (POST /v1/approvals/:id/decide). The run decides
// first: only a decision its WorkflowRun accepts is recorded, so the
// approval can never say "approved" while the run took the expired branch.
// The run-log entry and the approval in the tenant's store follow, both
// idempotently: a retry of the same decision after a failure in between
// completes them instead of losing the decision.
import type { RunState } from "@switchyard/engine";
import type { Actor } from "../auth/principal.ts";
import type { Env } from "../env.ts";
import { ApiError, ErrorCode, notFound } from "../errors.ts";
import { RequiredSecret, requiredSecret } from "../required-secrets.ts";
import type { ApprovalRow } from "../store/approvals.ts";
import { storeFor } from "../store/client.ts";
import { RunLogType } from "../store/run-log.ts";

export interface DecisionInput {
  decision: "approved" | "rejected";
  comment: string | null;
  /** Who decides, as the approval and the run's step output show it. */
  decidedBy: string;
  actor: Actor;
  at: string;
}

/**
 * Sends the decision to the run, then records it. 409 (changing nothing)
 * when the run no longer waits for it: expired, cancelled, or decided.
 */
export async function decideApproval(
  env: Env,
  tenantId: string,
  a: ApprovalRow,
  d: DecisionInput,
): Promise<ApprovalRow> {
  // The store signs the decision's run-log entry with the audit key. Without
  // it, refuse before the run decides: here it is a 503 naming the secret,
  // while the store's own refusal would cross RPC as a bare error (a 500).
  requiredSecret(env, RequiredSecret.auditKey);
  const store = storeFor(env, tenantId);
  const run = env.RUNS.get(env.RUNS.idFromName(a.runId));
  const reply = await run.input({
    type: "approvalDecided",
    stepId: a.stepId,
    decision: d.decision,
    decidedBy: d.decidedBy,
    comment: d.comment,
    at: Date.parse(d.at),
  });
  if (!reply.ok) {
    // Our own earlier attempt may have reached the run and then failed
    // before the store or the audit: the run holds this very decision.
    const state = (await run.snapshot()) as unknown as RunState | null;
    if (!sameDecision(decisionOf(state, a.stepId), d)) {
      const now = await store.getApproval(tenantId, a.id);
      if (!now) throw notFound("Approval");
      throw new ApiError(
        409,
        ErrorCode.conflict,
        now.status !== "pending"
          ? `This approval is already ${now.status}`
          : `The run no longer waits for this decision (${reply.message})`,
      );
    }
  }
  // The run-log entry before the approval: both are idempotent, so a failure
  // between them is completed by a retry (the run then holds this decision).
  await store.appendLog(tenantId, [
    {
      id: `au_dec_${a.id.replace(/^apr_/, "")}`,
      type: RunLogType.approvalDecided,
      actor: d.actor,
      subject: a.id,
      details: { decision: d.decision, runId: a.runId, stepId: a.stepId, comment: d.comment },
    },
  ]);
  const decided = await store.decideApproval(tenantId, a.id, {
    decision: d.decision,
    decidedBy: d.decidedBy,
    comment: d.comment,
    at: d.at,
  });
  if (decided) return decided;
  // A concurrent retry of this same decision recorded it first.
  const now = await store.getApproval(tenantId, a.id);
  if (now?.status === d.decision) return now;
  throw new ApiError(409, ErrorCode.conflict, `This approval is already ${now?.status}`);
}

/** The decision the run holds for the step: taken, or kept until the request is confirmed. */
function decisionOf(
  state: RunState | null,
  stepId: string,
): { decision: unknown; decidedBy: unknown } | null {
  const step = state?.steps[stepId];
  if (!step) return null;
  if (step.earlyDecision) return step.earlyDecision;
  const output = step.output;
  return output !== null && typeof output === "object"
    ? (output as { decision: unknown; decidedBy: unknown })
    : null;
}

function sameDecision(
  held: { decision: unknown; decidedBy: unknown } | null,
  d: DecisionInput,
): boolean {
  return held !== null && held.decision === d.decision && held.decidedBy === d.decidedBy;
}
