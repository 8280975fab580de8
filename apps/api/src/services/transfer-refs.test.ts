import { describe, expect, it } from "vitest";
import { candidateIds, idsToRefs, refsToIds, workflowRef } from "./transfer-refs.ts";

describe("workflow references by name", () => {
  const def = {
    filter: 'event.data.workflow.id == "wf_abc123"',
    steps: [{ id: "n", config: { link: "/workflows/wf_abc123/runs", note: "wf_unknown stays" } }],
  };

  it("writes known ids as names and leaves other tokens alone", () => {
    expect([...candidateIds(def)].sort()).toEqual(["wf_abc123", "wf_unknown"]);
    const out = idsToRefs(def, new Map([["wf_abc123", 'Orders "EU"']]));
    expect(out.steps[0]!.config.link).toBe('/workflows/@workflow("Orders \\"EU\\"")/runs');
    expect(out.filter).toBe(`event.data.workflow.id == "${workflowRef('Orders "EU"')}"`);
    expect(out.steps[0]!.config.note).toBe("wf_unknown stays");
  });

  it("reads names back as ids, and reports what it cannot find with the path", () => {
    const refs = idsToRefs(def, new Map([["wf_abc123", 'Orders "EU"']]));
    const found = refsToIds(refs, () => ({ id: "wf_new" }), "");
    expect(found.unresolved).toEqual([]);
    expect(found.value.steps[0]!.config.link).toBe("/workflows/wf_new/runs");
    const lost = refsToIds(refs, () => ({ why: "none here" }), "versions[0]");
    expect(lost.value).toEqual(refs);
    expect(lost.unresolved.map((u) => [u.path, u.name])).toEqual([
      ["versions[0].filter", 'Orders "EU"'],
      ["versions[0].steps[0].config.link", 'Orders "EU"'],
    ]);
  });
});
