import { and, eq } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "../db/client.ts";
import { apiKeys, users, workflows } from "../db/schema.ts";
import type { Env } from "../env.ts";
import { ApiError, ErrorCode } from "../errors.ts";
import { hashPassword, newId, sha256Hex, verifyPassword } from "../lib/crypto.ts";
import { visiblePrefix } from "../repositories/api-keys.ts";
import { AuditType, commitWithAudit } from "../repositories/audit.ts";
import { storeFor } from "../store/client.ts";
import { auditKeyOf } from "./context.ts";
import { createTenant, getTenant } from "./tenants.ts";
import { createWorkflow, parseDefinition } from "./workflows.ts";

export const DEMO_TENANT_ID = "tn_demo";
export const DEMO_TENANT_NAME = "Acme Operations";
export const DEMO_ADMIN_EMAIL = "admin@acme.example";

/** The two sample workflows every demo tenant starts with. */
export const DEMO_WORKFLOWS: Array<{ id: string; definition: unknown }> = [
  {
    id: "wf_demo_big_order",
    definition: {
      name: "Big order approval",
      trigger: { event: "order.created" },
      filter: "order.amount > 10000 && order.status == 'new'",
      steps: [
        {
          id: "approve",
          name: "Manager approves",
          action: "request_approval",
          config: {
            approver: "{{ order.manager_email }}",
            title: "Approve order {{ order.id }}",
            summary: [
              { label: "Amount", value: "{{ order.amount }}" },
              { label: "Customer", value: "{{ order.customer.name }}" },
            ],
            timeout: "48h",
          },
        },
        {
          id: "decide",
          if: "steps.approve.output.decision == 'approved'",
          then: [
            {
              id: "mark",
              name: "Mark the order approved",
              action: "update_record",
              // Its own record type: an `order` record written here would
              // emit `order.created` (the demo's orders are events, not
              // records yet) and start this workflow again.
              config: {
                type: "order_approval",
                id: "{{ order.id }}",
                fields: { status: "approved" },
              },
            },
          ],
          else: [
            {
              id: "tell",
              action: "send_email",
              config: {
                to: "{{ order.customer.email }}",
                subject: "Order {{ order.id }} declined",
                body: "Sorry, your order {{ order.id }} could not be approved.",
              },
            },
          ],
        },
      ],
    },
  },
  {
    id: "wf_demo_payment",
    definition: {
      name: "Payment received",
      trigger: { event: "payment.received" },
      steps: [
        {
          id: "mark_paid",
          name: "Mark the contract paid",
          action: "update_record",
          config: { type: "contract", id: "{{ payment.contract_id }}", fields: { status: "paid" } },
        },
        {
          id: "tell_manager",
          name: "Tell the account manager",
          action: "send_email",
          config: {
            to: "{{ payment.account_manager_email }}",
            subject: "Contract {{ payment.contract_id }} is paid",
            body: "{{ payment.amount }} received for contract {{ payment.contract_id }}.",
          },
        },
      ],
    },
  },
];

/** Event types the demo declares, so the builder offers them with samples before any event arrives. */
export const DEMO_EVENT_TYPES: Record<string, Record<string, unknown>> = {
  // The builder's built-in samples (apps/web/src/lib/model/samples.ts) with
  // the demo's own people: its admin approves, is told and is assigned.
  "order.created": {
    id: "ord_1001",
    amount: 12500,
    currency: "EUR",
    status: "new",
    manager_email: DEMO_ADMIN_EMAIL,
    manager_phone: "+15555550100",
    customer: { name: "Dana Buyer", email: "dana@example.com", phone: "+15555550123" },
  },
  "payment.received": {
    id: "pay_501",
    contract_id: "ctr_42",
    amount: 4800,
    currency: "EUR",
    account_manager_email: DEMO_ADMIN_EMAIL,
  },
  "webhook.received": {
    source: "shop",
    topic: "orders/paid",
    payload: { order_id: "1001", total: 99.5, currency: "EUR" },
  },
  "customer.created": {
    id: "cus_7",
    name: "Sam Lee",
    email: "sam@example.com",
    phone: "+15555550199",
  },
  "task.overdue": {
    id: "tsk_3",
    title: "Send the quarterly report",
    assignee: DEMO_ADMIN_EMAIL,
    manager_email: DEMO_ADMIN_EMAIL,
    due: "2026-11-20T09:00:00Z",
    days_overdue: 3,
  },
};

/**
 * Brings the demo tenant to its seeded state, idempotently: creates what is
 * missing, and re-keys the admin's password and the API key when .dev.vars
 * holds new ones. A second call changes nothing.
 */
export async function seedDemo(db: Db, env: Env, at: string): Promise<{ created: string[] }> {
  const password = env.SWITCHYARD_DEMO_PASSWORD;
  const apiKey = env.SWITCHYARD_DEMO_API_KEY;
  if (!password || !apiKey) {
    throw new ApiError(404, ErrorCode.notFound, "No demo is configured on this Worker");
  }
  const auditKey = auditKeyOf(env);
  const actor = { type: "platform" as const, id: "demo-seed" };
  const created: string[] = [];
  if (!(await getTenant(db, DEMO_TENANT_ID))) {
    await createTenant(
      db,
      auditKey,
      {
        name: DEMO_TENANT_NAME,
        tenantId: DEMO_TENANT_ID,
        apiKey,
        admin: { email: DEMO_ADMIN_EMAIL, password, name: "Demo Admin" },
      },
      actor,
      at,
    );
    created.push("tenant");
  } else {
    // A reset of an existing demo tenant (its admin's password, its key) is
    // a change like any other: it commits with its entry in the tenant's
    // change log, in one batch, saying who (the seed) and what.
    const admin = (
      await db.select().from(users).where(eq(users.email, DEMO_ADMIN_EMAIL)).limit(1)
    )[0];
    const changes: BatchItem<"sqlite">[] = [];
    const reset: string[] = [];
    const details: Record<string, unknown> = {};
    if (admin && !(await verifyPassword(password, admin.passwordHash))) {
      changes.push(
        db
          .update(users)
          .set({ passwordHash: await hashPassword(password) })
          .where(eq(users.id, admin.id)),
      );
      reset.push("password");
      details.userId = admin.id;
    }
    const hash = await sha256Hex(apiKey);
    const key = (await db.select().from(apiKeys).where(eq(apiKeys.keyHash, hash)).limit(1))[0];
    if (!key) {
      const keyId = newId("key");
      changes.push(
        db.insert(apiKeys).values({
          id: keyId,
          tenantId: DEMO_TENANT_ID,
          name: "Demo key (.dev.vars)",
          prefix: visiblePrefix(apiKey),
          keyHash: hash,
          scopes: JSON.stringify(["read", "write", "admin"]),
          createdAt: at,
          createdBy: admin?.id ?? null,
        }),
      );
      reset.push("api_key");
      details.apiKeyId = keyId;
    }
    if (reset.length > 0) {
      await commitWithAudit(db, auditKey, DEMO_TENANT_ID, at, () => changes, [
        {
          type: AuditType.demoReset,
          actor,
          subject: DEMO_TENANT_ID,
          details: { reset, ...details },
        },
      ]);
      created.push(...reset);
    }
  }
  // Declared in the tenant's store; a type it already knows is left as it is.
  const declared = await storeFor(env, DEMO_TENANT_ID).declareNewEventTypes(
    DEMO_TENANT_ID,
    Object.entries(DEMO_EVENT_TYPES).map(([type, sample]) => ({ type, sample })),
    at,
  );
  for (const type of declared) created.push(`event type ${type}`);
  for (const wf of DEMO_WORKFLOWS) {
    const exists = await db
      .select({ id: workflows.id })
      .from(workflows)
      .where(and(eq(workflows.tenantId, DEMO_TENANT_ID), eq(workflows.id, wf.id)))
      .limit(1);
    if (exists.length > 0) continue;
    await createWorkflow(
      {
        db,
        liveChanged: () => storeFor(env, DEMO_TENANT_ID).refreshWorkflows(DEMO_TENANT_ID),
        auditKey,
        tenantId: DEMO_TENANT_ID,
        actor,
        at,
      },
      parseDefinition(wf.definition),
      { enabled: true, publish: true, id: wf.id },
    );
    created.push(wf.id);
  }
  return { created };
}
