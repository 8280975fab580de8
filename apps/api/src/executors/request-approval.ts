import { parseDuration } from "@switchyard/engine";
import { newId } from "../lib/crypto.ts";
import { parseConfig } from "./config.ts";
import { memberEmailOr } from "./members.ts";
import { emailProviderFor } from "./message-providers.ts";
import type { ExecutionContext, Executor } from "./types.ts";

interface ApprovalConfig {
  approver: string;
  title: string;
  description?: string;
  timeout?: string;
}

const DEFAULT_TIMEOUT = "72h";

/**
 * `request_approval` opens the request: a pending approval (one per run and
 * step, ever), a task for the approver, and an email linking to it in the
 * builder. Its success only opens the request; the engine then waits for
 * the decision (POST /v1/approvals/:id/decide) or the timeout (`expired`).
 */
export const requestApprovalExecutor: Executor = {
  action: "request_approval",
  async execute(config, ctx) {
    const parsed = parseConfig<ApprovalConfig>("request_approval", config);
    if (!parsed.ok) return parsed.outcome;
    const c = parsed.value;
    const member = await memberEmailOr(ctx, "approver", c.approver);
    if (!member.ok) return member.outcome;
    const waitMs = parseDuration(c.timeout ?? DEFAULT_TIMEOUT) ?? parseDuration(DEFAULT_TIMEOUT)!;
    const id = newId("apr");
    const expiresAt = new Date(Date.parse(ctx.now) + waitMs).toISOString();
    // The approval and its task commit together, once per run and step: a
    // replay gets the first approval back (its id, its expiry) and no new task.
    const approval = await ctx.store.openApproval(
      ctx.tenantId,
      {
        tenantId: ctx.tenantId,
        id,
        runId: ctx.runId,
        stepId: ctx.stepId,
        workflowId: ctx.workflowId,
        title: c.title,
        description: c.description ?? null,
        approver: member.email,
        status: "pending",
        decidedBy: null,
        decidedAt: null,
        comment: null,
        expiresAt,
        createdAt: ctx.now,
      },
      {
        tenantId: ctx.tenantId,
        id: newId("tsk"),
        title: `Approve: ${c.title}`,
        description: c.description ?? `Decide at ${linkTo(ctx, id)}`,
        assignee: member.email,
        due: expiresAt,
        status: "open",
        runId: ctx.runId,
        stepId: ctx.stepId,
        idempotencyKey: ctx.idempotencyKey,
        createdAt: ctx.now,
        updatedAt: ctx.now,
      },
    );
    const link = linkTo(ctx, approval.id);
    // The email is the step's one message: its key is the step's key, so a
    // retried attempt never sends it twice.
    const provider = await emailProviderFor(ctx);
    const sent = await provider.send(
      {
        to: member.email,
        subject: `Approval needed: ${c.title}`,
        body: `${c.description ? `${c.description}\n\n` : ""}Approve or reject: ${link}\nThis request expires at ${approval.expiresAt}.`,
      },
      ctx,
    );
    if (sent.status === "failed") return sent;
    return { status: "succeeded", output: { approvalId: approval.id } };
  },
};

/** Where the approver decides, in the builder. */
function linkTo(ctx: ExecutionContext, approvalId: string): string {
  return `${(ctx.env.SWITCHYARD_PUBLIC_URL ?? "").replace(/\/$/, "")}/approvals/${approvalId}`;
}
