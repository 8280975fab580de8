import { compileTemplate, evaluate } from "@switchyard/expr";
import { describe, expect, it } from "vitest";
import { fillTemplate } from "./fill.ts";
import type { TemplateParam } from "./params.ts";

const params: TemplateParam[] = [
  { name: "threshold", label: "Threshold", type: "number", default: 10000 },
  { name: "status", label: "Status", type: "text", default: "new" },
  {
    name: "approver",
    label: "Approver",
    type: "person",
    required: true,
    example: "m@acme.example",
  },
  { name: "hook", label: "Webhook", type: "secret", default: "slack_webhook" },
  { name: "erp", label: "ERP", type: "connection", default: "erp" },
  { name: "wait", label: "Wait", type: "duration", default: "48h" },
  { name: "kind", label: "Event", type: "event_type", default: "order.created" },
];

const workflow = {
  name: "Orders over [[threshold]]",
  description: "Status [[status]]",
  definition: {
    trigger: { event: { $param: "kind" } },
    filter: "order.amount > [[threshold]] && order.status == [[status]]",
    concurrency: { key: "{{ order.customer }}-[[status]]", limit: 1 },
    steps: [
      {
        id: "ask",
        action: "request_approval",
        config: {
          approver: { $param: "approver" },
          title: "Order {{ order.id }} is [[status]]",
          timeout: { $param: "wait" },
        },
      },
      {
        id: "b",
        if: "order.amount >= [[threshold]]",
        then: [
          {
            id: "post",
            action: "send_slack_message",
            config: {
              webhookUrl: "[[hook]]",
              text: "Over [[threshold]]",
              blocks: [{ amount: { $param: "threshold" } }],
            },
          },
        ],
      },
      {
        id: "w",
        waitFor: { event: "order.paid", match: "event.data.status == [[status]]", timeout: "1h" },
      },
      { id: "h", action: "http_request", config: { connection: { $param: "erp" }, url: "/x" } },
    ],
  },
};

const fill = (given: Record<string, unknown>, name?: string) => {
  const r = fillTemplate({ params, workflow }, given, name);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  // biome-ignore lint/suspicious/noExplicitAny: the test reads into the filled JSON freely
  return r.definition as Record<string, any>;
};

describe("fillTemplate", () => {
  it("writes each value for its place", () => {
    const d = fill({ approver: "ann@acme.example" });
    expect(d.name).toBe("Orders over 10000");
    expect(d.description).toBe("Status new");
    expect(d.trigger).toEqual({ event: "order.created" });
    expect(d.filter).toBe('order.amount > 10000 && order.status == "new"');
    expect(d.concurrency).toEqual({ key: "{{ order.customer }}-new", limit: 1 });
    expect(d.steps[0].config).toEqual({
      approver: "ann@acme.example",
      title: "Order {{ order.id }} is new",
      timeout: "48h",
    });
    expect(d.steps[1].if).toBe("order.amount >= 10000");
    expect(d.steps[1].then[0].config).toEqual({
      webhookUrl: "{{ secrets.slack_webhook }}",
      text: "Over 10000",
      blocks: [{ amount: 10000 }],
    });
    expect(d.steps[2].waitFor.match).toBe('event.data.status == "new"');
    expect(d.steps[3].config.connection).toBe("erp");
  });

  it("quotes text in expressions so it stays one string literal", () => {
    const tricky = 'a"b\\c\nd\u0001 || true';
    const d = fill({ approver: "a@b.co", status: tricky });
    expect(evaluate(d.steps[2].waitFor.match, { event: { data: { status: tricky } } })).toBe(true);
    expect(evaluate(d.steps[2].waitFor.match, { event: { data: { status: "x" } } })).toBe(false);
  });

  it("escapes {{ in template text, so a value never opens a placeholder", () => {
    const d = fill({ approver: "a@b.co", status: "{{ secrets.other }} \\{{x}}" });
    const title = d.steps[0].config.title as string;
    expect(compileTemplate(title).render({ order: { id: 7 } })).toBe(
      "Order 7 is {{ secrets.other }} \\{{x}}",
    );
  });

  it("takes a new name, and names the secret and connection the person chose", () => {
    const d = fill({ approver: "a@b.co", hook: "sales_hook", erp: "erp-eu" }, "My orders");
    expect(d.name).toBe("My orders");
    expect(d.steps[1].then[0].config.webhookUrl).toBe("{{ secrets.sales_hook }}");
    expect(d.steps[3].config.connection).toBe("erp-eu");
  });

  it("puts problems at params.<name>: required, wrong type, unknown", () => {
    const r = fillTemplate(
      { params, workflow },
      { threshold: "many", wait: "3 days", nope: 1, kind: "Order" },
    );
    expect(r.ok).toBe(false);
    expect(!r.ok && r.problems.map((p) => p.path).sort()).toEqual([
      "params.approver",
      "params.kind",
      "params.nope",
      "params.threshold",
      "params.wait",
    ]);
    expect(!r.ok && r.problems.find((p) => p.path === "params.approver")?.message).toBe(
      "Approver is required",
    );
    expect(!r.ok && r.problems.find((p) => p.path === "params.threshold")?.message).toBe(
      "expected a number",
    );
  });

  it("empty text is not given: the default is used", () => {
    const d = fill({ approver: "a@b.co", status: "  ", hook: "" });
    expect(d.filter).toBe('order.amount > 10000 && order.status == "new"');
    expect(d.steps[1].then[0].config.webhookUrl).toBe("{{ secrets.slack_webhook }}");
  });

  it("refuses a secret or connection name that is not one", () => {
    const r = fillTemplate({ params, workflow }, { approver: "a@b.co", hook: "x y", erp: "ERP!" });
    expect(!r.ok && r.problems.map((p) => p.path)).toEqual(["params.hook", "params.erp"]);
  });
});
