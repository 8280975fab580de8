// Export and import in the builder's words (issue 17, item 4), checked
// without a browser: a chosen file read and judged before anything is sent
// (not JSON, not a Switchyard export, made by a newer version, damaged),
// what it holds in a line per workflow, what it needs and whether this
// workspace has it, the choices that map a missing one, the file name from
// the export's header and where a 422 puts what is missing (the browser
// test: export-import.test.ts).
import { describe, expect, it } from "vitest";
import { dispositionFilename, missingOf } from "../../apps/web/src/lib/api-travel.ts";
import {
  blockingWords,
  type Choices,
  fileWorkflowLine,
  importLabel,
  importMap,
  needsOf,
  readExport,
  unresolved,
} from "../../apps/web/src/lib/model/import-words.ts";

const ORDERS = {
  name: "Send orders to the ERP",
  trigger: { event: "order.placed" },
  steps: [
    {
      id: "erp",
      action: "http_request",
      config: {
        connection: "erp",
        url: "/orders",
        headers: { "x-key": "{{ secrets.erp_token }}" },
      },
    },
    {
      id: "check",
      if: "order.amount > 5",
      then: [
        {
          id: "tell",
          action: "send_slack_message",
          config: { connection: "slack", text: '{{ secrets["hook"] }}' },
        },
      ],
    },
  ],
};

describe("reading a chosen file", () => {
  it("reads one workflow's export, with what it needs", () => {
    const doc = {
      switchyard: 1,
      kind: "workflow",
      workflow: { name: "Send orders to the ERP", definition: ORDERS },
      requires: { connections: ["erp", "slack"], secrets: ["erp_token", "hook"] },
    };
    const read = readExport(JSON.stringify(doc), "orders.json");
    expect(read.ok).toBe(true);
    if (!read.ok) return;
    expect(read.document).toEqual(doc);
    expect(read.workflows).toHaveLength(1);
    expect(read.workflows[0]?.name).toBe("Send orders to the ERP");
    expect(read.workflows[0]?.requires).toEqual(doc.requires);
    expect(fileWorkflowLine(read.workflows[0] as never)).toBe("when order placed happens, 3 steps");
  });

  it("reads a workspace's export of several, entries as definitions or wrapped with versions", () => {
    const doc = {
      switchyard: 1,
      kind: "workspace",
      workflows: [
        { name: "Orders", definition: ORDERS, versions: [{ version: 1 }, { version: 2 }] },
        { name: "Tick", trigger: { schedule: { every: "15m" } }, steps: [] },
      ],
    };
    const read = readExport(JSON.stringify(doc), "all.json");
    if (!read.ok) throw new Error(read.problem);
    expect(read.workflows.map((w) => w.name)).toEqual(["Orders", "Tick"]);
    // Without its own list, what a workflow needs is read from its steps.
    expect(read.workflows[0]?.requires).toEqual({
      connections: ["erp", "slack"],
      secrets: ["erp_token", "hook"],
    });
    expect(fileWorkflowLine(read.workflows[0] as never)).toBe(
      "when order placed happens, 3 steps, with its 2 versions",
    );
    expect(fileWorkflowLine(read.workflows[1] as never)).toBe("every 15 minutes, 0 steps");
  });

  it("says in words what is wrong with a file that is not an export", () => {
    const problem = (text: string, name = "x.json") => {
      const read = readExport(text, name);
      return read.ok ? "" : read.problem;
    };
    expect(problem("hello, this is a note", "notes.txt")).toBe(
      "“notes.txt” is not a Switchyard export: exports are JSON text, and this file is not. Choose the .json file that Export saved.",
    );
    expect(problem('{"name":"a package"}', "package.json")).toMatch(
      /^“package\.json” is not a Switchyard export: it has no workflows/,
    );
    expect(problem("[1,2]")).toMatch(/is not a Switchyard export/);
    expect(problem('{"switchyard":2,"workflow":{}}', "future.json")).toBe(
      "“future.json” was made by a newer version of Switchyard (export format 2; this workspace reads format 1). Export it again from a workspace on this version, or update this one first.",
    );
    expect(problem('{"switchyard":"one"}')).toMatch(/format is not given as a number/);
    expect(problem('{"switchyard":1,"workflows":[{"name":"x"}]}')).toBe(
      "“x.json” is damaged: one of its workflows has no trigger or no list of steps.",
    );
    expect(problem('{"switchyard":1,"workflows":[]}')).toBe("“x.json” holds no workflows.");
    // No braces, quotes or codes in any of them.
    for (const text of ["nope", "{}", '{"switchyard":9}'])
      expect(problem(text)).not.toMatch(/[{}]|SyntaxError|Unexpected/);
  });
});

describe("what the file needs from this workspace", () => {
  const read = readExport(
    JSON.stringify({
      switchyard: 1,
      kind: "workspace",
      workflows: [
        { name: "Orders", definition: ORDERS },
        { name: "Other", definition: { ...ORDERS, name: "Other" } },
      ],
    }),
  );
  const workflows = read.ok ? read.workflows : [];
  const needs = needsOf(workflows, { connections: ["slack", "erp-prod"], secrets: ["hook"] });

  it("lists each need once, who uses it and whether it is here", () => {
    expect(needs.map((n) => [n.kind, n.name, n.here, n.usedBy])).toEqual([
      ["connection", "erp", false, ["Orders", "Other"]],
      ["connection", "slack", true, ["Orders", "Other"]],
      ["secret", "erp_token", false, ["Orders", "Other"]],
      ["secret", "hook", true, ["Orders", "Other"]],
    ]);
    expect(needs[0]?.words).toBe("an ERP connection named “erp”");
    expect(needs[2]?.words).toBe("the secret “erp_token”");
  });

  it("maps the missing ones as chosen, and says what still stops the import", () => {
    let choices: Choices = {};
    expect(unresolved(needs, choices).map((n) => n.name)).toEqual(["erp", "erp_token"]);
    expect(blockingWords(unresolved(needs, choices))).toBe(
      "Choose each to use instead of an ERP connection named “erp” and the secret “erp_token”, or create them in Settings and check again.",
    );
    choices = { "connection:erp": "erp-prod" };
    expect(blockingWords(unresolved(needs, choices))).toBe(
      "Choose one to use instead of the secret “erp_token”, or create it in Settings and check again.",
    );
    choices = { ...choices, "secret:erp_token": "hook", "connection:slack": "ignored: it is here" };
    expect(unresolved(needs, choices)).toEqual([]);
    expect(blockingWords([])).toBe("");
    expect(importMap(needs, choices)).toEqual({
      connections: { erp: "erp-prod" },
      secrets: { erp_token: "hook" },
    });
    expect(importLabel(1)).toBe("Import as a draft");
    expect(importLabel(3)).toBe("Import as 3 drafts");
  });
});

describe("the API's answers", () => {
  it("takes the file name from Content-Disposition", () => {
    expect(dispositionFilename('attachment; filename="big-order-approval.switchyard.json"')).toBe(
      "big-order-approval.switchyard.json",
    );
    expect(dispositionFilename("attachment; filename=plain.json")).toBe("plain.json");
    expect(
      dispositionFilename(
        "attachment; filename=\"x.json\"; filename*=UTF-8''Gro%C3%9Fe%20Bestellung.json",
      ),
    ).toBe("Große Bestellung.json");
    expect(dispositionFilename(null)).toBeNull();
    expect(dispositionFilename("inline")).toBeNull();
  });

  it("finds what is missing beside or inside the error", () => {
    const missing = { connections: ["erp"], secrets: ["erp_token", 3] };
    expect(missingOf({ error: { code: "missing_requirements", missing } })).toEqual({
      connections: ["erp"],
      secrets: ["erp_token"],
    });
    expect(missingOf({ error: { code: "missing_requirements" }, missing })).toEqual({
      connections: ["erp"],
      secrets: ["erp_token"],
    });
    expect(missingOf(undefined)).toEqual({ connections: [], secrets: [] });
  });
});
