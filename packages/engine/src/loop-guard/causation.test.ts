import { describe, expect, it } from "vitest";
import { checkLoop, childCausation, emittedEventId, rootCausation } from "./causation.ts";

describe("the loop guard", () => {
  it("refuses a workflow already in the chain", () => {
    const c = childCausation(childCausation(rootCausation("e"), { workflowId: "A", runId: "r1" }), {
      workflowId: "B",
      runId: "r2",
    });
    expect(c).toEqual({
      originEventId: "e",
      chain: [
        { workflowId: "A", runId: "r1" },
        { workflowId: "B", runId: "r2" },
      ],
      depth: 2,
    });
    expect(checkLoop(c, "A")).toMatchObject({ ok: false, reason: "cycle" });
    expect(checkLoop(c, "C")).toEqual({ ok: true });
  });

  it("refuses anything at the maximum depth (default 8)", () => {
    let c = rootCausation("e");
    for (let i = 0; i < 8; i++) c = childCausation(c, { workflowId: `W${i}`, runId: `r${i}` });
    expect(checkLoop(c, "fresh")).toMatchObject({ ok: false, reason: "max_depth", depth: 8 });
    expect(checkLoop(c, "fresh", 9)).toEqual({ ok: true });
  });

  it("derives emitted event ids from run and step", () => {
    expect(emittedEventId("run_1", "mark")).toBe(emittedEventId("run_1", "mark"));
    expect(emittedEventId("run_1", "mark", 1)).not.toBe(emittedEventId("run_1", "mark", 0));
  });
});
