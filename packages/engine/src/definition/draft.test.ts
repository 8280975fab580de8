import { describe, expect, it } from "vitest";
import { draftShapeProblems, stepEffects } from "./draft.ts";
import { validateDefinition } from "./validate.ts";

describe("draftShapeProblems", () => {
  it("accepts an incomplete workflow the validator refuses", () => {
    const half = {
      name: "",
      trigger: { event: "" },
      filter: "order.amount > ",
      steps: [{}, { id: "c", if: "", then: [{ action: "send_email", config: {} }] }],
    };
    expect(validateDefinition(half).ok).toBe(false);
    expect(draftShapeProblems(half)).toEqual([]);
  });

  it("refuses what is not a workflow, with paths", () => {
    expect(draftShapeProblems([])).toEqual([{ path: "", message: expect.any(String) }]);
    expect(draftShapeProblems({ name: 1, trigger: "x", steps: {} }).map((p) => p.path)).toEqual([
      "name",
      "trigger",
      "steps",
    ]);
    expect(
      draftShapeProblems({
        name: "x",
        trigger: { event: "a.b" },
        steps: [
          { id: "p", parallel: [[1], "no"] },
          { id: "i", if: "x", else: {} },
        ],
      }).map((p) => p.path),
    ).toEqual(["steps[0].parallel[0][0]", "steps[0].parallel[1]", "steps[1].else"]);
    expect(
      draftShapeProblems({
        name: "x",
        trigger: { event: "a.b" },
        steps: [],
        filter: "y".repeat(300_000),
      }),
    ).toHaveLength(1);
  });
});

describe("stepEffects", () => {
  it("lists the events a record write emits, nested steps included, by the step's name", () => {
    const def = {
      steps: [
        { id: "a", action: "send_email", config: {} },
        {
          id: "c",
          if: "true",
          then: [{ id: "m", name: "Mark", action: "update_record", config: { type: "order" } }],
          else: [{ id: "t", action: "update_record", config: { type: "{{ x }}" } }],
        },
      ],
    };
    expect(stepEffects(def)).toEqual([
      { stepId: "m", stepName: "Mark", events: ["order.created", "order.updated"] },
    ]);
    expect(stepEffects(null)).toEqual([]);
  });
});
