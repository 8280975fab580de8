// Deciding an approval (POST /v1/approvals/:id/decide). The run decides
// first: only a decision its WorkflowRun accepts is recorded, so the
// approval can never say "approved" while the run took the expired branch.
// The decision's run-log entry and the approval's new status live in the
// tenant's store, the decision itself in the run: the run stores what it
// owes the store (entry and status) in the same transaction as the
// decision, and delivers it until the store has it, where entry and status
// commit in one transaction. So a failure anywhere after the run decided
// can neither lose the entry nor leave the approval pending for good, and
// a refused decision writes neither.
import type { StepState } from "@switchyard/engine";
import type { Actor } from "../auth/principal.ts";
import type { Env } from "../env.ts";
import { ApiError, ErrorCode, notFound } from "../errors.ts";
import { RequiredSecret, requiredSecret } from "../required-secrets.ts";
import type { ApprovalRow } from "../store/approvals.ts";
import { storeFor } from "../store/client.ts";
import { type OwedEntry, RunLogType } from "../store/run-log.ts";

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
  const owed: OwedEntry = {
    entry: {
      id: `au_dec_${a.id.replace(/^apr_/, "")}`,
      type: RunLogType.approvalDecided,
      actor: d.actor,
      subject: a.id,
      details: { decision: d.decision, runId: a.runId, stepId: a.stepId, comment: d.comment },
    },
    approval: {
      id: a.id,
      decision: d.decision,
      decidedBy: d.decidedBy,
      comment: d.comment,
      at: d.at,
    },
  };
  const reply = await run.input(
    {
      type: "approvalDecided",
      stepId: a.stepId,
      decision: d.decision,
      decidedBy: d.decidedBy,
      comment: d.comment,
      at: Date.parse(d.at),
    },
    owed,
  );
  if (!reply.ok) {
    // Our own earlier attempt may have reached the run, which holds this
    // very decision (it delivers what it owes; recording it here again is
    // harmless and answers at once).
    const step = (await run.stepState(a.stepId)) as unknown as StepState | null | undefined;
    if (!sameDecision(decisionOf(step), d)) {
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
  try {
    // Usually the run has delivered it already; a repeat changes nothing.
    await store.recordOwed(tenantId, [owed]);
  } catch (err) {
    // The decision is taken and its entry is owed by the run, which keeps
    // delivering it: answer with the decision, as the store will show it.
    console.error(`approval ${a.id}: decision taken, its record follows`, err);
    return {
      ...a,
      status: d.decision,
      decidedBy: d.decidedBy,
      decidedAt: d.at,
      comment: d.comment,
    };
  }
  const now = await store.getApproval(tenantId, a.id);
  if (now?.status === d.decision && now.decidedBy === d.decidedBy) return now;
  throw new ApiError(409, ErrorCode.conflict, `This approval is already ${now?.status}`);
}

/** The decision the run holds for the step: taken, or kept until the request is confirmed. */
function decisionOf(
  step: StepState | null | undefined,
): { decision: unknown; decidedBy: unknown } | null {
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
