// The step tree's keyboard moves: every place one move away, and the moves
// themselves, checked without a browser.
import type { Step, WorkflowDefinition } from "@switchyard/engine";
import { describe, expect, it } from "vitest";
import {
  describePlace,
  locate,
  type MoveTarget,
  moveStep,
  moveTargets,
} from "../../apps/web/src/lib/model/steps.ts";

const wait = (id: string): Step => ({ id, delay: "1h" });

function sample(): WorkflowDefinition {
  return {
    name: "Moves",
    trigger: { event: "order.created" },
    steps: [
      wait("first"),
      { id: "check", name: "Approved?", if: "true", then: [wait("yes_a")], else: [] },
      wait("middle"),
      { id: "together", parallel: [[wait("p1")], []] },
      wait("last"),
    ],
  };
}

const ids = (steps: Step[]): string[] => steps.map((s) => s.id);
const labels = (def: WorkflowDefinition, id: string): string[] =>
  moveTargets(def, id).map((t) => t.label);

function apply(def: WorkflowDefinition, id: string, label: string): void {
  const target = moveTargets(def, id).find((t) => t.label === label) as MoveTarget;
  expect(target, `${label} is offered for ${id}`).toBeDefined();
  const at = locate(def, id);
  if (!at) throw new Error(`no step ${id}`);
  expect(moveStep(def, at.ref, at.index, target.to, target.toIndex)).toBe(true);
}

describe("keyboard moves into and out of branches", () => {
  it("offers up, down and the branches of the blocks just above and below", () => {
    expect(labels(sample(), "middle")).toEqual([
      "Up",
      "Down",
      "Into the Yes branch of Approved? (at the end)",
      "Into the No branch of Approved? (at the end)",
      "Into branch 1 of together (at the start)",
      "Into branch 2 of together (at the start)",
    ]);
    expect(labels(sample(), "first")).toEqual([
      "Down",
      "Into the Yes branch of Approved? (at the start)",
      "Into the No branch of Approved? (at the start)",
    ]);
  });

  it("offers the way out of a branch, above or below its block", () => {
    expect(labels(sample(), "yes_a")).toEqual(["Out, above Approved?", "Out, below Approved?"]);
    expect(labels(sample(), "p1")).toEqual(["Out, above together", "Out, below together"]);
  });

  it("moves a step into the end of a branch above it", () => {
    const def = sample();
    apply(def, "middle", "Into the Yes branch of Approved? (at the end)");
    expect(ids(def.steps)).toEqual(["first", "check", "together", "last"]);
    expect(ids((def.steps[1] as { then: Step[] }).then)).toEqual(["yes_a", "middle"]);
    expect(describePlace(def, "middle")).toBe("the Yes branch of Approved?, position 2 of 2");
  });

  it("moves a step into the start of a branch below it, an empty else included", () => {
    const def = sample();
    apply(def, "first", "Into the No branch of Approved? (at the start)");
    expect(ids(def.steps)).toEqual(["check", "middle", "together", "last"]);
    expect(ids((def.steps[0] as { else: Step[] }).else)).toEqual(["first"]);
    const def2 = sample();
    apply(def2, "middle", "Into branch 2 of together (at the start)");
    expect(ids((def2.steps[2] as { parallel: Step[][] }).parallel[1] ?? [])).toEqual(["middle"]);
    expect(describePlace(def2, "middle")).toBe("branch 2 of together, position 1 of 1");
  });

  it("moves a step out of its branch, below or above the block", () => {
    const def = sample();
    apply(def, "yes_a", "Out, below Approved?");
    expect(ids(def.steps)).toEqual(["first", "check", "yes_a", "middle", "together", "last"]);
    expect((def.steps[1] as { then: Step[] }).then).toEqual([]);
    expect(describePlace(def, "yes_a")).toBe("the main steps, position 3 of 6");
    const def2 = sample();
    apply(def2, "p1", "Out, above together");
    expect(ids(def2.steps)).toEqual(["first", "check", "middle", "p1", "together", "last"]);
  });

  it("moves up and down within the list, and in and out again round-trips", () => {
    const def = sample();
    apply(def, "middle", "Down");
    expect(ids(def.steps)).toEqual(["first", "check", "together", "middle", "last"]);
    apply(def, "middle", "Up");
    expect(ids(def.steps)).toEqual(["first", "check", "middle", "together", "last"]);
    apply(def, "middle", "Into the Yes branch of Approved? (at the end)");
    apply(def, "middle", "Out, below Approved?");
    expect(def).toEqual(sample());
  });

  it("never offers a block a place inside itself", () => {
    const def = sample();
    for (const t of moveTargets(def, "check")) {
      expect(JSON.stringify(t.to).startsWith("[1,")).toBe(false);
    }
  });

  it("offers nothing for a step that does not exist", () => {
    expect(moveTargets(sample(), "nope")).toEqual([]);
  });
});
