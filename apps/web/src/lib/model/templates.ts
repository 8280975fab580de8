// Starting points for new workflows. Each is a complete, valid definition
// (tests/builder/templates.test.ts checks them with the engine's validateDefinition).
import type { WorkflowDefinition } from "@switchyard/engine";

export interface WorkflowTemplate {
  key: string;
  title: string;
  summary: string;
  definition: WorkflowDefinition;
}

export const BLANK: WorkflowDefinition = {
  name: "Untitled workflow",
  trigger: { event: "order.created" },
  steps: [],
};

export const TEMPLATES: WorkflowTemplate[] = [
  {
    key: "big-order-approval",
    title: "Big order approval",
    summary:
      "When an order over 10,000 is created, the manager approves it or the customer hears why not.",
    definition: {
      name: "Big order approval",
      trigger: { event: "order.created" },
      filter: "order.amount > 10000",
      steps: [
        {
          id: "approve",
          name: "Manager approves",
          action: "request_approval",
          config: {
            approver: "{{ order.manager_email }}",
            title: "Approve order {{ order.id }} ({{ order.amount }} {{ order.currency }})",
            summary: [
              { label: "Amount", value: "{{ order.amount }} {{ order.currency }}" },
              { label: "Customer", value: "{{ order.customer.name }}" },
            ],
            timeout: "48h",
          },
        },
        {
          id: "decide",
          name: "Approved?",
          if: 'steps.approve.output.decision == "approved"',
          then: [
            {
              id: "mark_approved",
              name: "Mark the order approved",
              action: "update_record",
              // Not an `order` record: writing one would emit `order.created`
              // and start this workflow again (the demo's "Big order approval" too).
              config: {
                type: "order_approval",
                id: "{{ order.id }}",
                fields: { status: "approved" },
              },
            },
          ],
          else: [
            {
              id: "email_customer",
              name: "Email the customer",
              action: "send_email",
              config: {
                to: "{{ order.customer.email }}",
                subject: "About your order {{ order.id }}",
                body: "Sorry, we could not approve order {{ order.id }}. We will be in touch.",
              },
            },
          ],
        },
      ],
    },
  },
  {
    key: "payment-received",
    title: "Payment received",
    summary: "Mark the contract paid and tell the account manager.",
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
          id: "notify_manager",
          name: "Tell the account manager",
          action: "notify_user",
          config: {
            user: "{{ payment.account_manager_email }}",
            message:
              "Contract {{ payment.contract_id }} is paid ({{ payment.amount }} {{ payment.currency }}).",
          },
        },
      ],
    },
  },
  {
    key: "webhook-forwarder",
    title: "Webhook forwarder",
    summary: "Forward every incoming webhook payload to another system.",
    definition: {
      name: "Webhook forwarder",
      trigger: { event: "webhook.received" },
      steps: [
        {
          id: "forward",
          name: "Forward the payload",
          action: "call_webhook",
          config: {
            url: "https://example.com/hooks/switchyard",
            method: "POST",
            body: "{{ webhook.payload }}",
          },
        },
      ],
    },
  },
  {
    key: "welcome-sms",
    title: "New-customer welcome SMS",
    summary: "Text every new customer a welcome message.",
    definition: {
      name: "Welcome SMS",
      trigger: { event: "customer.created" },
      filter: 'customer.phone != ""',
      steps: [
        {
          id: "welcome",
          name: "Send the welcome SMS",
          action: "send_sms",
          config: { to: "{{ customer.phone }}", body: "Welcome aboard, {{ customer.name }}!" },
        },
      ],
    },
  },
  {
    key: "overdue-task-reminder",
    title: "Overdue task reminder",
    summary: "Remind the assignee, and escalate when the task is a week late.",
    definition: {
      name: "Overdue task reminder",
      trigger: { event: "task.overdue" },
      steps: [
        {
          id: "remind",
          name: "Remind the assignee",
          action: "notify_user",
          config: {
            user: "{{ task.assignee }}",
            message: "“{{ task.title }}” is {{ task.days_overdue }} days overdue.",
          },
        },
        {
          id: "escalate",
          name: "A week late?",
          if: "task.days_overdue >= 7",
          then: [
            {
              id: "escalation_task",
              name: "Create a follow-up task",
              action: "create_task",
              config: {
                title: "Follow up: {{ task.title }}",
                assignee: "{{ task.manager_email }}",
                due: "24h",
              },
            },
          ],
        },
      ],
    },
  },
];
