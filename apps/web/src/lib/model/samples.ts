// Event types the builder knows before any event arrives: used until the API's
// catalogue (GET /v1/catalog) and GET /v1/event-types answer, and merged with them.
// Every tenant sees these, so they name made-up people at example.com, never a
// real account (the demo tenant declares its own samples, with its admin).
import type { EventTypeInfo, JsonSchema } from "../api";

export const BUILTIN_EVENT_TYPES: EventTypeInfo[] = [
  {
    type: "order.created",
    sample: {
      id: "ord_1001",
      amount: 12500,
      currency: "EUR",
      status: "new",
      manager_email: "manager@example.com",
      manager_phone: "+15555550100",
      customer: { name: "Dana Buyer", email: "dana@example.com", phone: "+15555550123" },
    },
  },
  {
    type: "payment.received",
    sample: {
      id: "pay_501",
      contract_id: "ctr_42",
      amount: 4800,
      currency: "EUR",
      account_manager_email: "manager@example.com",
    },
  },
  {
    type: "webhook.received",
    sample: {
      source: "shop",
      topic: "orders/paid",
      payload: { order_id: "1001", total: 99.5, currency: "EUR" },
    },
  },
  {
    type: "customer.created",
    sample: { id: "cus_7", name: "Sam Lee", email: "sam@example.com", phone: "+15555550199" },
  },
  {
    type: "task.overdue",
    sample: {
      id: "tsk_3",
      title: "Send the quarterly report",
      assignee: "assignee@example.com",
      manager_email: "manager@example.com",
      due: "2026-11-20T09:00:00Z",
      days_overdue: 3,
    },
  },
];

/** A JSON Schema describing one sample value (for field lists and checks). */
export function inferSchema(value: unknown): JsonSchema {
  if (value === null) return { type: "null" };
  if (Array.isArray(value))
    return { type: "array", items: value.length ? inferSchema(value[0]) : {} };
  switch (typeof value) {
    case "string":
      return { type: "string" };
    case "number":
      return { type: "number" };
    case "boolean":
      return { type: "boolean" };
    case "object": {
      const properties: Record<string, JsonSchema> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        properties[k] = inferSchema(v);
      }
      return { type: "object", properties };
    }
    default:
      return {};
  }
}
