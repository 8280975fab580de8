import { describe, expect, it } from "vitest";
import { readTemplate, sampleValues } from "./manifest.ts";

const base = () => ({
  id: "new-lead-slack",
  title: "New lead → Slack",
  description: "Posts new leads to Slack.",
  category: "Sales",
  params: [
    { name: "hook", label: "Webhook", type: "secret", default: "slack_webhook" },
    { name: "owner", label: "Owner", type: "person", required: true, example: "s@acme.example" },
  ] as Array<Record<string, unknown>>,
  requires: { connections: [] as string[], secrets: ["slack_webhook"] },
  workflow: {
    name: "New leads",
    definition: {
      trigger: { event: "lead.created" },
      steps: [
        {
          id: "post",
          action: "send_slack_message",
          config: { webhookUrl: "[[hook]]", text: "New lead {{ lead.name }}" },
        },
        {
          id: "task",
          action: "create_task",
          config: { title: "Call {{ lead.name }}", assignee: { $param: "owner" } },
        },
      ] as Array<Record<string, unknown>>,
    } as { steps: Array<Record<string, unknown>>; [key: string]: unknown },
  },
});

const problemsOf = (input: unknown) => {
  const r = readTemplate(input);
  return r.ok ? [] : r.problems.map((p) => `${p.path}: ${p.message}`);
};

describe("readTemplate", () => {
  it("reads a good manifest", () => {
    const r = readTemplate(base());
    expect(r.ok).toBe(true);
    expect(r.ok && sampleValues(r.template.params)).toEqual({
      hook: "slack_webhook",
      owner: "s@acme.example",
    });
  });

  it("checks the shape", () => {
    expect(problemsOf({ ...base(), id: "New Lead", extra: 1 })).toEqual([
      "id: expected kebab-case, such as big-order-approval",
      ': Unrecognized key: "extra"',
    ]);
  });

  it("checks each parameter: unique, typed defaults and examples, a default or an example", () => {
    const t = base();
    t.params = [
      { name: "hook", label: "Webhook", type: "secret", default: "not a name" },
      { name: "hook", label: "Again", type: "number", default: "5" },
      { name: "owner", label: "Owner", type: "person" },
      { name: "who", label: "Who", type: "person", required: true },
    ];
    expect(problemsOf(t)).toEqual([
      "params[0].default: expected a secret's name: a letter or _, then letters, digits or _ (at most 64)",
      "params[1].name: 'hook' is used twice",
      "params[1].default: expected a number",
      "params[2]: a parameter that is not required needs a default",
      "params[3]: a required parameter without a default needs an example",
      "params: parameter 'who' is not used in the workflow",
    ]);
  });

  it("every blank names a parameter, every parameter is used", () => {
    const t = base();
    t.workflow.definition.steps[0] = {
      id: "post",
      action: "send_slack_message",
      config: { webhookUrl: "[[hok]]", text: "x" },
    };
    expect(problemsOf(t)).toEqual([
      'workflow.definition.steps[0].config.webhookUrl: no parameter is named "hok"',
      "params: parameter 'hook' is not used in the workflow",
    ]);
  });

  it("keeps secrets in action fields, and blanks out of placeholders, keys and braces", () => {
    const t = base();
    t.workflow.definition.filter = "lead.source == [[hook]]";
    t.workflow.definition.steps[1] = {
      id: "task",
      action: "create_task",
      config: {
        title: "{{ lead.name + [[owner]] }}",
        assignee: "{[[owner]]}",
        description: { "[[owner]]": 1 },
      },
    };
    expect(problemsOf(t)).toEqual([
      "workflow.definition.steps[1].config.title: [[owner]] is inside a {{ placeholder }}: put it outside",
      "workflow.definition.steps[1].config.assignee: [[owner]] touches a brace: put a space between",
      "workflow.definition.filter: secret 'hook' can only be used in an action's fields",
      "workflow.definition.steps[1].config.description: a key cannot hold a parameter: [[owner]]",
    ]);
  });

  it("a whole value in an expression, and name inside the definition, are refused", () => {
    const t = base();
    t.workflow.definition.filter = { $param: "owner" };
    t.workflow.definition.name = "x";
    expect(problemsOf(t)).toEqual([
      "workflow.definition: the name and description are workflow.name and workflow.description",
      "workflow.definition.filter: write [[owner]] inside the expression, not a whole value",
    ]);
  });

  it("requires is what the workflow needs with defaults and examples", () => {
    const t = base();
    t.requires = { connections: ["erp"], secrets: [] };
    expect(problemsOf(t)).toEqual([
      "requires.connections: the workflow needs none (with its defaults and examples)",
      "requires.secrets: the workflow needs slack_webhook (with its defaults and examples)",
    ]);
  });
});
