// The template gallery (issue 17, item 5): every file of templates/ at the
// repo root, bundled into the Worker by static import (a Worker reads no
// files), read and checked once per isolate. test/templates.test.ts checks
// that every file is listed here and nothing else is.
import { readTemplate, type Template } from "@switchyard/engine";
import bigOrderApproval from "../../../../templates/big-order-approval.json";
import contractRenewalReminder from "../../../../templates/contract-renewal-reminder.json";
import failedPaymentFollowUp from "../../../../templates/failed-payment-follow-up.json";
import invoiceOverdueGoogleChat from "../../../../templates/invoice-overdue-google-chat.json";
import largeRefundApproval from "../../../../templates/large-refund-approval.json";
import newCustomerOnboarding from "../../../../templates/new-customer-onboarding.json";
import newLeadSlack from "../../../../templates/new-lead-slack.json";
import orderShippedSms from "../../../../templates/order-shipped-sms.json";
import overdueTaskDigest from "../../../../templates/overdue-task-digest.json";
import paymentContractPaid from "../../../../templates/payment-contract-paid.json";
import slaBreachEscalation from "../../../../templates/sla-breach-escalation.json";
import syncOrderToErp from "../../../../templates/sync-order-to-erp.json";

/** The files, in no particular order: the gallery sorts by category and title. */
const FILES: readonly unknown[] = [
  bigOrderApproval,
  contractRenewalReminder,
  failedPaymentFollowUp,
  invoiceOverdueGoogleChat,
  largeRefundApproval,
  newCustomerOnboarding,
  newLeadSlack,
  orderShippedSms,
  overdueTaskDigest,
  paymentContractPaid,
  slaBreachEscalation,
  syncOrderToErp,
];

let byId: Map<string, Template> | undefined;

function load(): Map<string, Template> {
  if (byId) return byId;
  const out = new Map<string, Template>();
  for (const file of FILES) {
    const read = readTemplate(file);
    // A broken file is a bug of this repository, caught by the tests; never a tenant's problem.
    if (!read.ok) {
      const id = (file as { id?: unknown }).id;
      throw new Error(`template ${String(id)} does not read: ${JSON.stringify(read.problems)}`);
    }
    out.set(read.template.id, read.template);
  }
  byId = out;
  return out;
}

/**
 * Every template, by category, then title.
 * @example listTemplates().map((t) => t.id) // ["big-order-approval", …]
 */
export function listTemplates(): Template[] {
  return [...load().values()].sort(
    (a, b) => a.category.localeCompare(b.category) || a.title.localeCompare(b.title),
  );
}

/**
 * One template by id, or undefined.
 * @example getTemplate("new-lead-slack")?.title // "New lead → Slack"
 */
export function getTemplate(id: string): Template | undefined {
  return load().get(id);
}
