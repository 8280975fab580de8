import { z } from "zod";
import {
  Completion,
  defineAction,
  durationText,
  jsonValue,
  person,
  text,
} from "../define-action.ts";

/** How an approval ended. */
export const ApprovalDecision = {
  approved: "approved",
  rejected: "rejected",
  expired: "expired",
} as const;
export type ApprovalDecision = (typeof ApprovalDecision)[keyof typeof ApprovalDecision];

/** Most facts one approval request shows. */
export const MAX_SUMMARY_LINES = 12;

/**
 * The facts to decide on, chosen by the workflow's author: each a label and
 * a value (usually a template such as `{{ order.amount }}`), rendered when
 * the step runs and shown as "label: value" on the inbox card, the
 * approval's page and its email.
 */
const approvalSummary = z
  .array(
    z.strictObject({
      label: z.string().trim().min(1, { message: "must not be empty" }).max(80),
      // Text or a template; once rendered, whatever the data held (a lone
      // `{{ order.amount }}` renders as the number), shown as text.
      value: jsonValue.refine((v) => v !== "", { message: "must not be empty" }),
    }),
  )
  .max(MAX_SUMMARY_LINES)
  .optional()
  .meta({
    description: "Facts shown to the approver, such as Amount: {{ order.amount }}",
    "x-widget": "summary",
  });

export const requestApproval = defineAction({
  name: "request_approval",
  title: "Request approval",
  description:
    'Asks a member to approve or reject, and waits. On timeout the step succeeds with decision "expired".',
  completion: Completion.decision,
  decisionTimeout: { field: "timeout", default: "72h" },
  config: z.strictObject({
    approver: person("The approver's email"),
    title: text("What to approve"),
    description: text("Details for the approver").optional(),
    summary: approvalSummary,
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
