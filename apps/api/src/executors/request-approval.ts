import { parseDuration } from "@switchyard/engine";
import { and, eq } from "drizzle-orm";
import { approvals } from "../db/schema.ts";
import { newId } from "../lib/crypto.ts";
import { insertTaskOnce } from "../repositories/tasks.ts";
import { parseConfig } from "./config.ts";
import { memberEmailOr } from "./members.ts";
import { emailProviderFor } from "./message-providers.ts";
import type { Executor } from "./types.ts";

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
    await ctx.db
      .insert(approvals)
      .values({
        tenantId: ctx.tenantId,
        id: newId("apr"),
        runId: ctx.runId,
        stepId: ctx.stepId,
        workflowId: ctx.workflowId,
        title: c.title,
        description: c.description ?? null,
        approver: member.email,
        status: "pending",
        expiresAt: new Date(Date.parse(ctx.now) + waitMs).toISOString(),
        createdAt: ctx.now,
      })
      .onConflictDoNothing();
    const approval = (
      await ctx.db
        .select()
        .from(approvals)
        .where(
          and(
            eq(approvals.tenantId, ctx.tenantId),
            eq(approvals.runId, ctx.runId),
            eq(approvals.stepId, ctx.stepId),
          ),
        )
        .limit(1)
    )[0]!;
    const link = `${(ctx.env.SWITCHYARD_PUBLIC_URL ?? "").replace(/\/$/, "")}/approvals/${approval.id}`;
    await insertTaskOnce(ctx.db, {
      tenantId: ctx.tenantId,
      id: newId("tsk"),
      title: `Approve: ${c.title}`,
      description: c.description ?? `Decide at ${link}`,
      assignee: member.email,
      due: approval.expiresAt,
      status: "open",
      runId: ctx.runId,
      stepId: ctx.stepId,
      idempotencyKey: ctx.idempotencyKey,
      createdAt: ctx.now,
      updatedAt: ctx.now,
    });
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
