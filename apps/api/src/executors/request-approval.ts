import { parseDuration } from "@switchyard/engine";
import { newId } from "../lib/crypto.ts";
import { cachedSettingsRow } from "../services/settings.ts";
import { tenantSettingsView } from "../services/tenant-settings.ts";
import { approvalEmailBody, summaryLines } from "./approval-summary.ts";
import { parseConfig } from "./config.ts";
import { memberEmailOr } from "./members.ts";
import { emailProviderFor } from "./message-providers.ts";
import type { ExecutionContext, Executor } from "./types.ts";

interface ApprovalConfig {
  approver: string;
  title: string;
  description?: string;
  summary?: Array<{ label: string; value: unknown }>;
  timeout?: string;
}

const DEFAULT_TIMEOUT = "72h";

/**
 * `request_approval` opens the request: a pending approval (one per run and
 * step, ever) carrying the facts the author chose, shown in the approver's
 * inbox, and an email linking to it in the builder. The approval is the
 * approver's one item: no task besides it. Its success only opens the
 * request; the engine then waits for the decision
 * (POST /v1/approvals/:id/decide) or the timeout (`expired`).
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
    const zone = await zoneOf(ctx);
    const summary = summaryLines(c.summary, zone);
    // Once per run and step: a replay gets the first approval back (its id,
    // its expiry, its summary).
    const approval = await ctx.store.openApproval(ctx.tenantId, {
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
      summary: summary.length > 0 ? summary : null,
    });
    // The email is the step's one message: its key is the step's key, so a
    // retried attempt never sends it twice.
    const provider = await emailProviderFor(ctx);
    const sent = await provider.send(
      {
        to: member.email,
        subject: `Approval needed: ${c.title}`,
        body: approvalEmailBody(approval, linkTo(ctx, approval.id), zone),
      },
      ctx,
    );
    if (sent.status === "failed") return sent;
    return { status: "succeeded", output: { approvalId: approval.id } };
  },
};

/** The tenant's time zone and locale, in which the email says when the request expires. */
async function zoneOf(ctx: ExecutionContext): Promise<{ timeZone: string; locale: string }> {
  const view = tenantSettingsView(await cachedSettingsRow(ctx.db, ctx.tenantId));
  return { timeZone: view.timezone, locale: view.locale };
}

/** Where the approver decides, in the builder. */
function linkTo(ctx: ExecutionContext, approvalId: string): string {
  return `${(ctx.env.SWITCHYARD_PUBLIC_URL ?? "").replace(/\/$/, "")}/approvals/${approvalId}`;
}
