// The history's diff in words: grouped by step, added, removed and changed
// steps called out, changed fields old beside new — checked without a browser.
import type { WorkflowDefinition } from "@switchyard/engine";
import { describe, expect, it } from "vitest";
import { diffDefinitions, humanize } from "../../apps/web/src/lib/model/diff.ts";
import { TEMPLATES } from "../../apps/web/src/lib/model/templates.ts";

const v1: WorkflowDefinition = {
  name: "Big order approval",
  trigger: { event: "order.created" },
  filter: "order.amount > 10000",
  steps: [
    {
      id: "approve",
      name: "Manager approves",
      action: "request_approval",
      config: { title: "Approve" },
    },
    {
      id: "check",
      name: "Approved?",
      if: 'steps.approve.output.decision == "approved"',
      then: [
        {
          id: "mark",
          action: "update_record",
          config: { type: "order", fields: { status: "approved" } },
        },
      ],
      else: [
        { id: "tell", action: "send_email", config: { to: "a@example.com", subject: "Sorry" } },
      ],
    },
  ],
};

function v2(): WorkflowDefinition {
  const def = structuredClone(v1);
  def.name = "Big order approval (v2)";
  def.filter = "order.amount > 20000";
  const check = def.steps[1] as {
    then: unknown[];
    else: Array<{ config: Record<string, unknown> }>;
  };
  (check.else[0] as { config: Record<string, unknown> }).config.subject = "About your order";
  // a new step at the start moves no one; the update moves into the No branch
  def.steps.unshift({ id: "pause", name: "Breathe", delay: "5m" });
  check.then = [];
  check.else.push({
    id: "mark",
    action: "update_record",
    config: { type: "order", fields: { status: "approved" } },
  } as never);
  return def;
}

const titles: Record<string, string> = { send_email: "Send email" };

describe("the version diff, by step", () => {
  it("names what changed in the workflow itself, old beside new", () => {
    const d = diffDefinitions(v1, v2());
    const wf = d.sections[0] as (typeof d.sections)[number];
    expect(wf).toMatchObject({ id: null, title: "Workflow", change: "changed" });
    expect(wf.fields.map((f) => [f.label, f.old, f.new])).toEqual([
      ["Name", "Big order approval", "Big order approval (v2)"],
      ["Only if", "order.amount > 10000", "order.amount > 20000"],
    ]);
    expect(d.same).toBe(false);
  });

  it("calls out added, changed, moved and unchanged steps, in the new order", () => {
    const d = diffDefinitions(v1, v2(), (n) => titles[n]);
    expect(d.sections.slice(1).map((s) => [s.id, s.change])).toEqual([
      ["pause", "added"],
      ["approve", "same"],
      ["check", "same"],
      ["tell", "changed"],
      ["mark", "changed"],
    ]);
    const added = d.sections.find((s) => s.id === "pause");
    expect(added?.title).toBe("Breathe");
    expect(added?.fields.map((f) => [f.label, f.old, f.new])).toEqual([
      ["Kind", null, "Wait"],
      ["Where", null, "the main steps, step 1"],
      ["Name", null, "Breathe"],
      ["Wait for", null, "5m"],
    ]);
    const tell = d.sections.find((s) => s.id === "tell");
    expect(tell?.fields.map((f) => [f.label, f.old, f.new, f.change])).toEqual([
      ["Subject", "Sorry", "About your order", "changed"],
    ]);
    const mark = d.sections.find((s) => s.id === "mark");
    expect(mark?.fields.map((f) => [f.label, f.old, f.new])).toEqual([
      ["Where", "the Yes branch of Approved?, step 1", "the No branch of Approved?, step 2"],
    ]);
  });

  it("shows a removed step with every field on the old side, where it stood", () => {
    const d = diffDefinitions(v2(), v1, (n) => titles[n]);
    const ids = d.sections.slice(1).map((s) => s.id);
    expect(ids[0]).toBe("pause");
    const removed = d.sections.find((s) => s.id === "pause");
    expect(removed?.change).toBe("removed");
    expect(removed?.fields.every((f) => f.new === null && f.old !== null)).toBe(true);
    const tell = diffDefinitions(
      v1,
      { ...v1, steps: v1.steps.slice(0, 1) },
      (n) => titles[n],
    ).sections.find((s) => s.id === "tell");
    expect(tell?.change).toBe("removed");
    expect(tell?.fields.find((f) => f.label === "Action")?.old).toBe("Send email");
    expect(tell?.fields.find((f) => f.label === "To")?.old).toBe("a@example.com");
  });

  it("flattens nested config into readable labels", () => {
    const a = structuredClone(v1);
    const b = structuredClone(v1);
    const mark = (b.steps[1] as { then: Array<{ config: Record<string, unknown> }> }).then[0];
    if (!mark) throw new Error("the template lost its step");
    mark.config.fields = { status: "approved", approved_by: "manager" };
    const d = diffDefinitions(a, b);
    expect(d.sections.find((s) => s.id === "mark")?.fields).toEqual([
      {
        key: "config.fields.approved_by",
        label: "Fields › approved_by",
        old: null,
        new: "manager",
        change: "added",
      },
    ]);
    expect(humanize("maxAttempts")).toBe("Max attempts");
    expect(humanize("manager_email")).toBe("Manager email");
  });

  it("finds two copies of every template the same", () => {
    for (const t of TEMPLATES) {
      const d = diffDefinitions(t.definition, structuredClone(t.definition));
      expect(d.same, t.title).toBe(true);
    }
  });
});
