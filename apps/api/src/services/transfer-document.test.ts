import { describe, expect, it } from "vitest";
import { documentText, readDocument, slugOf } from "./transfer-document.ts";

const doc = {
  switchyard: 1,
  kind: "workflow",
  workflow: {
    name: "A",
    definition: { name: "A", trigger: { event: "a.b" }, steps: [] },
  },
  requires: { connections: [], secrets: [] },
};

describe("documentText", () => {
  it("sorts keys at every level, keeps array order, indents by 2 and ends with a newline", () => {
    expect(documentText({ b: [{ z: 1, a: 2 }, 1], a: null })).toBe(
      '{\n  "a": null,\n  "b": [\n    {\n      "a": 2,\n      "z": 1\n    },\n    1\n  ]\n}\n',
    );
  });
});

describe("readDocument", () => {
  it("takes a document and says which version or which paths it cannot take", () => {
    expect(readDocument(doc)).toMatchObject({ ok: true });
    expect(readDocument({ ...doc, switchyard: "1" })).toEqual({
      ok: false,
      unsupportedVersion: "1",
    });
    const bad = readDocument({ ...doc, workflow: { ...doc.workflow, versions: [] } });
    expect(bad).toMatchObject({ ok: false, problems: [{ path: "workflow.versions" }] });
  });
});

describe("slugOf", () => {
  it("makes a file name from any name", () => {
    expect(slugOf("Big order approval (EU)")).toBe("big-order-approval-eu");
    expect(slugOf("Crème brûlée — 2×")).toBe("creme-brulee-2");
    expect(slugOf("账单")).toBe("workflow");
    expect(slugOf(`${"x".repeat(59)} y`)).toBe("x".repeat(59));
  });
});
