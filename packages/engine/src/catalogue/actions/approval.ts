import { z } from "zod";
import { Completion, defineAction, durationText, text } from "../define-action.ts";

/** How an approval ended. */
export const ApprovalDecision = {
  approved: "approved",
  rejected: "rejected",
  expired: "expired",
} as const;
export type ApprovalDecision = (typeof ApprovalDecision)[keyof typeof ApprovalDecision];

export const requestApproval = defineAction({
  name: "request_approval",
  title: "Request approval",
  description:
    'Asks a member to approve or reject, and waits. On timeout the step succeeds with decision "expired".',
  completion: Completion.decision,
  decisionTimeout: { field: "timeout", default: "72h" },
  config: z.strictObject({
    approver: text("The approver's email"),
    title: text("What to approve"),
    description: text("Details for the approver").optional(),
    timeout: durationText("How long to wait for a decision (default 72h)").optional(),
  }),
  output: z.object({
    approvalId: z.string(),
    decision: z.enum(["approved", "rejected", "expired"]),
    decidedBy: z.string().nullable(),
    comment: z.string().nullable(),
  }),
  sampleOutput: {
    approvalId: "apr_sample",
    decision: "approved",
    decidedBy: "manager@example.com",
    comment: null,
  },
});
