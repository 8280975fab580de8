// "For each" (issue 15, part 2) in the builder, checked without a browser:
// the card's sentence, the item's name from the list's, "When an item
// fails" as a choice, the engine's problems in the form's words, the step
// tree's repeated steps (walk, move, duplicate, problem paths), what the
// data picker offers inside and after a loop, the preview's first items,
// and the run page's words for items (the browser test: for-each.test.ts).
import { type Step, validateDefinition, type WorkflowDefinition } from "@switchyard/engine";
import { describe, expect, it } from "vitest";
import type { CatalogAction, JsonSchema } from "../../apps/web/src/lib/api.ts";
import { diffDefinitions } from "../../apps/web/src/lib/model/diff.ts";
import {
  contextSchema,
  eventFields,
  stepOutputFields,
  stepsBefore,
} from "../../apps/web/src/lib/model/fields.ts";
import {
  listFields,
  loopsAround,
  loopsBefore,
  sampleContext,
  withLoops,
} from "../../apps/web/src/lib/model/loop-fields.ts";
import {
  baseStepId,
  failureChoice,
  failureValue,
  failureWords,
  itemNameFor,
  itemsSummary,
  itemTitle,
  itemValueWords,
  listedItems,
  listWords,
  loopProblemWords,
  loopSentence,
  retryItemWords,
} from "../../apps/web/src/lib/model/loop-words.ts";
import { previewWorkflow } from "../../apps/web/src/lib/model/preview.ts";
import {
  errorWords,
  itemErrorWords,
  loopFailedWords,
} from "../../apps/web/src/lib/model/run-words.ts";
import { inferSchema } from "../../apps/web/src/lib/model/samples.ts";
import {
  cloneWithFreshIds,
  describePlace,
  flatSteps,
  moveStep,
  moveTargets,
  stepOfPath,
} from "../../apps/web/src/lib/model/steps.ts";

const SAMPLE = {
  id: "ord_1",
  customer: { name: "Dana" },
  lines: [
    { sku: "A-1", qty: 2 },
    { sku: "B-17", qty: 1 },
    { sku: "C-3", qty: 5 },
    { sku: "D-4", qty: 1 },
  ],
  tags: ["new", "vip"],
};

const webhook: CatalogAction = {
  name: "call_webhook",
  title: "Call a webhook",
  description: "",
  configSchema: { type: "object", properties: { url: { type: "string" } } },
  outputSchema: { type: "object", properties: { status: { type: "number" } } },
  sampleOutput: { status: 200 },
} as CatalogAction;
const actionOf = (n: string) => (n === "call_webhook" ? webhook : undefined);

function def(): WorkflowDefinition {
  return {
    name: "Reserve stock",
    trigger: { event: "order.created" },
    steps: [
      { id: "check", action: "call_webhook", config: { url: "https://x.example/check" } },
      {
        id: "each",
        name: "Each line",
        forEach: "order.lines",
        as: "line",
        concurrency: 5,
        steps: [
          {
            id: "reserve",
            name: "Reserve stock",
            action: "call_webhook",
            config: { url: "https://x.example/reserve/{{ line.sku }}" },
          },
          {
            id: "confirm",
            action: "call_webhook",
            config: { url: "https://x.example/{{ steps.reserve.output.status }}/{{ index }}" },
          },
        ],
      },
      {
        id: "done",
        action: "call_webhook",
        config: { url: "https://x.example/{{ steps.each.output.failed }}" },
      },
    ],
  };
}

describe("the loop in words", () => {
  it("says the card's sentence", () => {
    expect(loopSentence({ forEach: "order.lines", as: "line", concurrency: 5 })).toBe(
      "For each line of the order's lines, 5 at a time",
    );
    expect(loopSentence({ forEach: "order.lines", as: "line" })).toBe(
      "For each line of the order's lines, one at a time",
    );
    expect(loopSentence({ forEach: "" })).toBe("For each item of… (no list chosen yet)");
    expect(
      listWords("steps.fetch.output.items", {
        stepName: (id) => (id === "fetch" ? "Fetch" : undefined),
      }),
    ).toBe("the items from “Fetch”");
    expect(listWords("order.customer.addresses")).toBe("the order's customer addresses");
  });

  it("names the item after the list", () => {
    expect(itemNameFor("order.lines")).toBe("line");
    expect(itemNameFor("order.addresses")).toBe("address");
    expect(itemNameFor("order.entries")).toBe("entry");
    expect(itemNameFor("team.people")).toBe("person");
    expect(itemNameFor("order.lineItems")).toBe("item");
    expect(itemNameFor("order.stuff")).toBe("item");
    expect(itemNameFor("order.indexes")).toBe("item"); // "index" is every step's already
  });

  it("says and sets what happens when an item fails", () => {
    expect(failureWords(undefined)).toBe("Stop the loop");
    expect(failureWords("continue")).toBe("Carry on with the other items, then fail");
    expect(failureWords({ failAbove: "10%" })).toBe("Fail only if more than 10% fail");
    expect(failureChoice({ failAbove: "2.5%" })).toEqual({ choice: "failAbove", percent: 2.5 });
    expect(failureValue("stop", 10)).toBeUndefined();
    expect(failureValue("continue", 10)).toBe("continue");
    expect(failureValue("failAbove", 15)).toEqual({ failAbove: "15%" });
  });

  it("turns the engine's problems into the form's words, under their fields", () => {
    const d = def();
    const loop = d.steps[1] as Step & { forEach: string };
    Object.assign(loop, {
      forEach: "",
      as: "2nd",
      concurrency: 80,
      maxItems: 20_000,
      onItemFailure: { failAbove: "150%" },
    });
    const r = validateDefinition(d);
    expect(r.ok).toBe(false);
    const problems = (r as { problems: Array<{ path: string; message: string }> }).problems;
    const words = new Map<string, string>();
    for (const p of problems) {
      const { stepId, rest } = stepOfPath(d, p.path);
      if (stepId !== "each") continue;
      const field = rest.split(/[.[]/)[0] ?? "";
      words.set(field, loopProblemWords(field, p.message, loop as never));
    }
    expect(Object.fromEntries(words)).toEqual({
      forEach: "Choose the list to go through.",
      as: "Name the item with letters, digits and _ only, starting with a letter (such as line).",
      concurrency: "Choose from 1 to 50 at once.",
      maxItems: "Choose from 1 to 10,000 items.",
      onItemFailure: "Give a share from 0% to 100%.",
    });
    expect(loopProblemWords("steps", "a loop needs at least one step", loop as never)).toBe(
      "Add at least one step to repeat for each item.",
    );
  });
});

describe("the loop in the step tree", () => {
  it("walks, places, moves and duplicates the repeated steps", () => {
    const d = def();
    expect(flatSteps(d).map((s) => s.id)).toEqual(["check", "each", "reserve", "confirm", "done"]);
    expect(describePlace(d, "confirm")).toBe("the repeated steps of Each line, position 2 of 2");
    expect(stepOfPath(d, "steps[1].steps[0].config.url")).toEqual({
      stepId: "reserve",
      rest: "config.url",
    });
    expect(moveTargets(d, "check").map((t) => t.label)).toContain(
      "Into the repeated steps of Each line (at the start)",
    );
    expect(moveTargets(d, "reserve").map((t) => t.label)).toContain("Out, above Each line");
    expect(moveStep(d, [], 0, [1, "steps"], 0)).toBe(true);
    expect(flatSteps(d).map((s) => s.id)).toEqual(["each", "check", "reserve", "confirm", "done"]);
    const copy = cloneWithFreshIds(d.steps[0] as Step, new Set(flatSteps(d).map((s) => s.id)));
    expect(flatSteps({ ...d, steps: [copy] }).map((s) => s.id)).toEqual([
      "each_2",
      "check_2",
      "reserve_2",
      "confirm_2",
    ]);
  });
});

describe("the loop in the history's diff", () => {
  it("says a loop's changed settings by their labels, and its repeated steps' place", () => {
    const before = def();
    const after = def();
    Object.assign(after.steps[1] as object, {
      concurrency: 10,
      onItemFailure: { failAbove: "10%" },
    });
    const diff = diffDefinitions(before, after, () => undefined);
    const loop = diff.sections.find((s) => s.id === "each");
    expect(loop?.fields.map((f) => [f.label, f.old, f.new])).toEqual([
      ["How many at once", "5", "10"],
      ["When an item fails", null, "Fail only if more than 10% fail"],
    ]);
    const removed = diffDefinitions(
      before,
      { ...before, steps: [before.steps[0] as Step] },
      () => undefined,
    );
    const reserve = removed.sections.find((s) => s.id === "reserve");
    expect(reserve?.change).toBe("removed");
    expect(reserve?.fields.find((f) => f.key === "where")?.old).toBe(
      "the repeated steps of Each line, step 1",
    );
    expect(
      removed.sections.find((s) => s.id === "each")?.fields.find((f) => f.key === "kind")?.old,
    ).toBe("For each");
  });
});

describe("the data picker in and after a loop", () => {
  const payload: JsonSchema = inferSchema(SAMPLE);
  const at = (d: WorkflowDefinition, id: string) => {
    const before = stepsBefore(d, id);
    return withLoops(
      d,
      id,
      {
        fields: [
          ...eventFields("order.created", payload, SAMPLE),
          ...stepOutputFields(before, actionOf),
        ],
        schema: contextSchema("order.created", payload, before, actionOf),
        sample: sampleContext("order", SAMPLE, before, actionOf),
      },
      actionOf,
    );
  };

  it("offers only lists for the loop's list", () => {
    const d = def();
    const lists = listFields(at(d, "each").fields);
    expect(lists.map((f) => [f.path, f.label])).toEqual([
      ["order.lines", "The order's lines"],
      ["order.tags", "The order's tags"],
    ]);
  });

  it("offers the item's fields from the sample's first element, index, and the body's earlier steps", () => {
    const d = def();
    expect(loopsAround(d, "confirm").map((l) => l.id)).toEqual(["each"]);
    const { fields, schema } = at(d, "confirm");
    const group = "Each line of “Each line”";
    expect(fields.filter((f) => f.group === group).map((f) => [f.path, f.label, f.sample])).toEqual(
      [
        ["line", "The line itself", { sku: "A-1", qty: 2 }],
        ["line.sku", undefined, "A-1"],
        ["line.qty", undefined, 2],
        ["index", "Position in the list (the first is 0)", undefined],
      ],
    );
    const paths = fields.map((f) => f.path);
    expect(paths).toContain("steps.reserve.output.status");
    expect(paths).toContain("steps.check.output.status");
    expect(paths).not.toContain("steps.each.output.results");
    expect(Object.keys(schema.properties ?? {})).toEqual(expect.arrayContaining(["line", "index"]));
  });

  it("after the loop, offers its results, not its steps", () => {
    const d = def();
    expect(loopsBefore(d, "done").map((l) => l.id)).toEqual(["each"]);
    const { fields, schema } = at(d, "done");
    const paths = fields.map((f) => f.path);
    expect(paths).toContain("steps.each.output.results");
    expect(paths).toContain("steps.each.output.failed");
    expect(paths).not.toContain("steps.reserve.output.status");
    expect(paths).not.toContain("line.sku");
    expect(schema.properties?.steps?.properties?.each).toBeDefined();
  });
});

describe("a loop inside a loop", () => {
  const nested = (): WorkflowDefinition => ({
    name: "Pack",
    trigger: { event: "order.created" },
    steps: [
      {
        id: "each",
        name: "Each line",
        forEach: "order.lines",
        as: "line",
        steps: [
          {
            id: "units",
            name: "Each unit",
            forEach: "line.units",
            as: "unit",
            steps: [
              {
                id: "label",
                action: "call_webhook",
                config: { url: "https://x.example/{{ line.sku }}/{{ unit.serial }}/{{ index }}" },
              },
            ],
          },
        ],
      },
    ],
  });
  const data = {
    lines: [
      { sku: "A-1", units: [{ serial: "s1" }, { serial: "s2" }] },
      { sku: "B-2", units: [{ serial: "s3" }] },
    ],
  };

  it("offers the inner item first, then the outer one, and one index", () => {
    const d = nested();
    expect(validateDefinition(d).ok).toBe(true);
    expect(loopsAround(d, "label").map((l) => l.id)).toEqual(["each", "units"]);
    const payload = inferSchema(data);
    const { fields } = withLoops(
      d,
      "label",
      {
        fields: eventFields("order.created", payload, data),
        schema: contextSchema("order.created", payload, [], actionOf),
        sample: sampleContext("order", data, [], actionOf),
      },
      actionOf,
    );
    expect(fields.slice(0, 7).map((f) => [f.path, f.sample])).toEqual([
      ["unit", { serial: "s1" }],
      ["unit.serial", "s1"],
      ["index", undefined],
      ["line", data.lines[0]],
      ["line.sku", "A-1"],
      ["line.units", data.lines[0]?.units],
      ["order.lines", data.lines],
    ]);
    // One `index`: the inner loop's (the outer one's is out of reach here).
    expect(fields.filter((f) => f.path === "index").map((f) => f.group)).toEqual([
      "Each unit of “Each unit”",
    ]);
  });

  it("previews each inner item under its outer one", () => {
    const p = previewWorkflow(nested(), { type: "order.created", data }, actionOf);
    expect(p.steps.map((s) => [s.id, s.config ?? s.items])).toEqual([
      ["each", 2],
      ["units[0]", 2],
      ["label[0][0]", { url: "https://x.example/A-1/s1/0" }],
      ["label[0][1]", { url: "https://x.example/A-1/s2/1" }],
      ["units[1]", 1],
      ["label[1][0]", { url: "https://x.example/B-2/s3/0" }],
    ]);
  });
});

describe("the preview of a loop", () => {
  it("shows the list's length and the steps of the first 3 items", () => {
    const p = previewWorkflow(def(), { type: "order.created", data: SAMPLE }, actionOf);
    const loop = p.steps.find((s) => s.id === "each");
    expect(loop).toMatchObject({
      items: 4,
      loop: "Goes through 4 items, 5 at a time; the first 3 are shown.",
    });
    expect(p.steps.filter((s) => s.item !== undefined).map((s) => s.id)).toEqual([
      "reserve[0]",
      "confirm[0]",
      "reserve[1]",
      "confirm[1]",
      "reserve[2]",
      "confirm[2]",
    ]);
    const second = p.steps.find((s) => s.id === "reserve[1]");
    expect(second?.itemTitle).toBe("Item 2 (sku B-17)");
    expect(second?.config).toEqual({ url: "https://x.example/reserve/B-17" });
    expect(p.steps.find((s) => s.id === "confirm[2]")?.config).toEqual({
      url: "https://x.example/200/2",
    });
  });

  it("says when the list is not a list", () => {
    const d = def();
    (d.steps[1] as { forEach: string }).forEach = "order.customer";
    const p = previewWorkflow(d, { type: "order.created", data: SAMPLE }, actionOf);
    expect(p.steps.find((s) => s.id === "each")?.error).toBe(
      "For this sample it is not a list: it is a group of fields.",
    );
  });
});

describe("the run page's words for items", () => {
  it("sums up a loop's items", () => {
    expect(itemsSummary({ total: 200, succeeded: 197, failed: 3 })).toBe(
      "200 items: 197 done, 3 failed",
    );
    expect(itemsSummary({ total: 3, succeeded: 1, running: 2 })).toBe("3 items: 1 done, 2 running");
    expect(itemsSummary({ total: 0 })).toBe("The list was empty: no item to go through");
  });

  it("names an item by its position and a short reading of its value", () => {
    expect(itemTitle(3, { qty: 2, sku: "B-17" })).toBe("Item 4 (sku B-17)");
    expect(itemTitle(0, "ada@example.com")).toBe("Item 1 (ada@example.com)");
    expect(itemTitle(1, { qty: 2 })).toBe("Item 2 (qty 2)");
    expect(itemValueWords({ customerName: "Dana", total: 5 })).toBe("customer name Dana");
    expect(retryItemWords(3, { sku: "B-17" }, ["Reserve stock"])).toBe(
      "Item 4 (sku B-17): Reserve stock runs again",
    );
    expect(retryItemWords(0, { sku: "A-1" }, ["Reserve stock", "Confirm"])).toBe(
      "Item 1 (sku A-1): Reserve stock and Confirm run again",
    );
    expect(baseStepId("reserve[2][5]")).toBe("reserve");
  });

  it("says why a loop failed, naming the step and counting items from 1", () => {
    const title = (id: string) => (id === "reserve" ? "Reserve stock" : id);
    expect(
      loopFailedWords(
        "1 of 5 items failed (every item ran); item 3: step 'reserve' failed: no such key 'sku'",
        title,
      ),
    ).toBe(
      "1 of 5 items failed (every item ran). It was item 4, which failed at “Reserve stock”: no such key 'sku'.",
    );
    expect(
      loopFailedWords(
        "2 of 200 items failed (it stops at the first failed item; 150 not started); item 0: step 'reserve' failed: boom",
        title,
      ),
    ).toBe(
      "2 of 200 items failed (the loop stops at the first failed item; 150 did not start). The first was item 1, which failed at “Reserve stock”: boom.",
    );
    expect(itemErrorWords("step 'reserve' failed: no such key 'sku'", title)).toBe(
      "“Reserve stock” failed: no such key 'sku'.",
    );
    expect(
      errorWords({ code: "not_a_list", message: "expected a list, got a map", path: "forEach" }),
    ).toBe(
      "The loop's list is not a list in this run (it is a group of fields). Choose a list in the editor, then retry.",
    );
    expect(
      errorWords({
        code: "too_many_items",
        message: "the list has 2000 items; this loop takes at most 1000 (maxItems)",
      }),
    ).toBe(
      "The list is longer than the loop takes: the list has 2000 items; this loop takes at most 1000. Raise “At most this many items” in the editor, then retry.",
    );
  });

  it("reads the items a run view lists, with their own steps", () => {
    const steps = [
      { id: "each", kind: "forEach", status: "failed" },
      {
        id: "each[0]",
        kind: "item",
        status: "succeeded",
        input: { sku: "A-1" },
        item: { loop: "each", index: 0 },
      },
      { id: "reserve[0]", kind: "action", status: "succeeded", item: { loop: "each", index: 0 } },
      {
        id: "each[1]",
        kind: "item",
        status: "failed",
        input: { sku: "B-17" },
        item: { loop: "each", index: 1 },
      },
      { id: "reserve[1]", kind: "action", status: "failed", item: { loop: "each", index: 1 } },
    ];
    const items = listedItems(steps, "each");
    expect(items.map((i) => [i.id, i.status, i.item, i.steps.map((s) => s.id)])).toEqual([
      ["each[0]", "succeeded", { sku: "A-1" }, ["reserve[0]"]],
      ["each[1]", "failed", { sku: "B-17" }, ["reserve[1]"]],
    ]);
  });
});
