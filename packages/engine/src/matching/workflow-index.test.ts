import { describe, expect, it } from "vitest";
import { definition, orderEvent, sms, T0 } from "../../test/fixtures.ts";
import { childCausation, rootCausation } from "../loop-guard/causation.ts";
import { WorkflowIndex } from "./workflow-index.ts";

describe("WorkflowIndex", () => {
  const index = new WorkflowIndex([
    {
      workflowId: "wf_big",
      version: 1,
      definition: definition([sms("a")], "order.amount > 10000"),
    },
    {
      workflowId: "wf_small",
      version: 2,
      definition: definition([sms("a")], "order.amount < 100"),
    },
    { workflowId: "wf_all", version: 1, definition: definition([sms("a")]) },
    { workflowId: "wf_bad", version: 1, definition: definition([sms("a")], "order.nope == 1") },
    {
      workflowId: "wf_invoice",
      version: 1,
      definition: { ...definition([sms("a")]), trigger: { event: "invoice.paid" } },
    },
  ]);

  it("decides for every workflow of the event's type, in id order", () => {
    const results = index.match(orderEvent, rootCausation(orderEvent.id), { now: T0 });
    expect(results.map((r) => [r.workflowId, r.decision])).toEqual([
      ["wf_all", "start"],
      ["wf_bad", "failed"],
      ["wf_big", "start"],
      ["wf_small", "filtered"],
    ]);
    expect(results[1]?.filter.error).toMatchObject({ code: "filter_error" });
  });

  it("suppresses workflows already in the causation chain", () => {
    const causation = childCausation(rootCausation("e0"), { workflowId: "wf_big", runId: "r" });
    const results = index.match(orderEvent, causation, { now: T0 });
    expect(results.find((r) => r.workflowId === "wf_big")).toMatchObject({
      decision: "suppressed",
      suppression: { reason: "cycle" },
    });
    expect(results.find((r) => r.workflowId === "wf_all")?.decision).toBe("start");
  });

  it("replaces a version and forgets removed workflows", () => {
    const copy = new WorkflowIndex(index.candidates("order.created"));
    copy.upsert({ workflowId: "wf_small", version: 3, definition: definition([sms("a")], "true") });
    copy.remove("wf_bad");
    expect(
      copy
        .match(orderEvent, rootCausation("e"), { now: T0 })
        .map((r) => [r.workflowId, r.version, r.decision]),
    ).toEqual([
      ["wf_all", 1, "start"],
      ["wf_big", 1, "start"],
      ["wf_small", 3, "start"],
    ]);
    expect(copy.size).toBe(3);
  });
});
