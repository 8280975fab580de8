// Templates and whole workflows in the builder's words (issue 17, item 5),
// checked without a browser: what a template needs ("Needs a Slack
// connection"), the gallery's categories, the blanks' values and problems
// (here and from the API, at their blank), a template's workflow with the
// blanks filled in, and the outline of a workflow — trigger, filter, pace,
// steps and branches — as the template and import screens show it (the
// browser test: workflow-templates.test.ts).
import { describe, expect, it } from "vitest";
import type { TemplateParam } from "../../apps/web/src/lib/api-travel.ts";
import {
  countSteps,
  outlineOf,
  triggerSentence,
} from "../../apps/web/src/lib/model/outline-words.ts";
import {
  byCategory,
  connectionWords,
  initialValues,
  needLines,
  paramHint,
  paramValues,
  previewValues,
  problemsByParam,
  serviceWords,
} from "../../apps/web/src/lib/model/template-words.ts";

const PARAMS: TemplateParam[] = [
  { name: "threshold", label: "Orders over", type: "number", default: 10000, required: true },
  { name: "approver", label: "Who approves", type: "person", required: true, help: "A manager." },
  { name: "channel", label: "Slack channel", type: "text", example: "#orders" },
  { name: "wait", label: "How long to wait", type: "duration", default: "48h" },
];

describe("what a template needs", () => {
  it("names services as people say them, with the right article", () => {
    expect(serviceWords("slack")).toBe("Slack");
    expect(serviceWords("google_chat")).toBe("Google Chat");
    expect(serviceWords("erp_api")).toBe("ERP api");
    expect(serviceWords("billing-system")).toBe("Billing system");
    expect(connectionWords("slack")).toBe("a Slack connection");
    expect(connectionWords("erp")).toBe("an ERP connection");
    expect(connectionWords("crm")).toBe("a CRM connection");
    expect(connectionWords("inventory")).toBe("an Inventory connection");
  });

  it("says each need in the blank's words, and which this workspace lacks", () => {
    const lines = needLines({
      params: [
        { name: "hook", label: "Slack webhook (secret)", type: "secret", default: "slack_webhook" },
        {
          name: "tracker",
          label: "Task tracker connection",
          type: "connection",
          default: "task-tracker",
        },
        { name: "n", label: "N", type: "number", default: 1 },
      ],
      requires: { connections: ["task-tracker", "erp"], secrets: ["slack_webhook", "erp_token"] },
      ready: { missingConnections: ["task-tracker"], missingSecrets: ["erp_token"] },
    });
    expect(lines.map((l) => [l.text, l.missing])).toEqual([
      ["Needs a Slack webhook, kept as a secret", false],
      ["Needs a Task tracker connection", true],
      // Names the workflow fixes itself, by name.
      ["Needs an ERP connection", false],
      ["Needs the secret “erp_token”", true],
    ]);
    expect(needLines({ params: [], requires: { connections: [], secrets: [] } })).toEqual([]);
  });

  it("groups the gallery by category, in first-seen order, titles sorted", () => {
    const groups = byCategory([
      { category: "Sales", title: "Zebra" },
      { category: "Finance", title: "Payment" },
      { category: "Sales", title: "Big order approval" },
      { category: " ", title: "Loose" },
    ]);
    expect(groups.map((g) => [g.category, g.items.map((i) => i.title)])).toEqual([
      ["Sales", ["Big order approval", "Zebra"]],
      ["Finance", ["Payment"]],
      ["Other", ["Loose"]],
    ]);
  });
});

describe("a template's blanks", () => {
  it("starts from the defaults and sends numbers as numbers, empty blanks left out", () => {
    const values = initialValues(PARAMS);
    expect(values).toEqual({ threshold: "10000", approver: "", channel: "", wait: "48h" });
    expect(paramValues(PARAMS, { ...values, approver: "ada@example.com", channel: " " })).toEqual({
      threshold: 10000,
      approver: "ada@example.com",
      wait: "48h",
    });
  });

  it("puts the API's problems at their blank, the rest under the template", () => {
    const byParam = problemsByParam([
      { path: "params.approver", message: "Choose a member of this workspace." },
      { path: 'params["channel"]', message: "A channel starts with #." },
      { path: "params.approver", message: "Second." },
      { path: "name", message: "A name is needed." },
    ]);
    expect(byParam.get("approver")).toEqual(["Choose a member of this workspace.", "Second."]);
    expect(byParam.get("channel")).toEqual(["A channel starts with #."]);
    expect(byParam.get("")).toEqual(["A name is needed."]);
  });

  it("hints with the help and an example (none for a member, chosen from a list)", () => {
    expect(paramHint(PARAMS[1] as TemplateParam)).toBe("A manager.");
    expect(paramHint(PARAMS[2] as TemplateParam)).toBe("For example #orders.");
    expect(paramHint({ name: "x", label: "X", type: "text", help: "Who.", example: 3 })).toBe(
      "Who. For example 3.",
    );
    expect(paramHint({ name: "x", label: "X", type: "person", example: "m@acme.example" })).toBe(
      "",
    );
  });

  it("shows the workflow with each blank as typed when it fits, else its default or example", () => {
    expect(
      previewValues(PARAMS, { threshold: "500", approver: "", channel: "#sales", wait: "2h" }),
    ).toEqual({
      threshold: 500,
      channel: "#sales",
      wait: "2h",
    });
    // Half typed or empty: the default, else the example, stands in.
    expect(
      previewValues(PARAMS, { threshold: "5x", approver: "ada@", channel: "", wait: "" }),
    ).toEqual({
      threshold: 10000,
      channel: "#orders",
      wait: "48h",
    });
    const withExample: TemplateParam[] = [
      { name: "who", label: "Who", type: "person", required: true, example: "m@acme.example" },
    ];
    expect(previewValues(withExample, { who: "" })).toEqual({ who: "m@acme.example" });
    expect(previewValues(withExample, { who: "ada@example.com" })).toEqual({
      who: "ada@example.com",
    });
  });
});

describe("a workflow in lines", () => {
  const def = {
    name: "Big order approval",
    trigger: { event: "order.created" },
    filter: "order.amount > 10000",
    concurrency: { limit: 1, key: "{{ order.customer_id }}" },
    steps: [
      {
        id: "approve",
        name: "Manager approves",
        action: "request_approval",
        config: { approver: "ada@example.com" },
      },
      {
        id: "decide",
        if: 'steps.approve.output.decision == "approved"',
        then: [
          { id: "tell", action: "send_slack_message", config: { connection: "slack", text: "ok" } },
        ],
        else: [{ id: "pause", delay: "2h" }],
      },
      {
        id: "both",
        parallel: [
          [{ id: "a", action: "send_email", config: {} }],
          [{ id: "b", action: "send_email", config: {} }],
        ],
      },
    ],
  } as never;

  it("says the trigger, filter, pace and every step with its branches", () => {
    const titles: Record<string, string> = {
      request_approval: "Ask for an approval",
      send_email: "Send an email",
      send_slack_message: "Send a Slack message",
    };
    const o = outlineOf(def, { actionTitle: (n) => titles[n], locale: "en" });
    expect(o.trigger).toBe("When order created happens");
    expect(o.filter).toBe("Only if amount is greater than 10,000");
    expect(o.flow).toMatch(/^One (run )?at a time/);
    expect(o.stepCount).toBe(7);
    expect(o.steps.map((s) => s.text)).toEqual([
      "Manager approves (Ask for an approval)",
      "If decision from “Manager approves” is approved",
      "2 branches at the same time",
    ]);
    expect(o.steps[1]?.branches).toEqual([
      { label: "Then", lines: [{ text: "Send a Slack message, through the connection “slack”" }] },
      { label: "Otherwise", lines: [{ text: "Wait 2 hours" }] },
    ]);
    expect(o.steps[2]?.branches?.map((b) => b.label)).toEqual(["Branch 1", "Branch 2"]);
  });

  it("reads a template's event.data fields as the event's own", () => {
    const o = outlineOf({
      name: "x",
      trigger: { event: "order.created" },
      filter: "event.data.amount > 5",
      steps: [],
    });
    expect(o.filter).toBe("Only if amount is greater than 5");
  });

  it("says a schedule, and counts steps inside loops and timeouts", () => {
    expect(triggerSentence({ schedule: { every: "15m" } })).toBe("Every 15 minutes");
    expect(
      triggerSentence(
        { schedule: { cron: "0 9 * * 1" } },
        { scheduleWords: () => "Every Monday at 09:00" },
      ),
    ).toBe("Every Monday at 09:00");
    expect(
      countSteps([
        { id: "l", forEach: "order.lines", steps: [{ id: "x", delay: "1m" }] },
        {
          id: "w",
          waitFor: { event: "a.b", timeout: "1h" },
          onTimeout: [{ id: "y", delay: "1m" }],
        },
      ] as never),
    ).toBe(4);
  });
});
