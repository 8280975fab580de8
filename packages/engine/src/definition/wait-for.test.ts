// The waitFor step's definition (issue 15, part 3): validation with paths,
// normalisation, the step walk and retry compatibility.
import { describe, expect, it } from "vitest";
import { normalizeDefinition, stepSignature } from "./normalize.ts";
import type { WaitForStep, WorkflowDefinition } from "./types.ts";
import { validateDefinition } from "./validate.ts";
import { flattenSteps } from "./walk.ts";

const quoteFlow = (waitFor: unknown, extra: Record<string, unknown> = {}) => ({
  name: "Quote follow-up",
  trigger: { event: "quote.sent" },
  steps: [
    {
      id: "accepted",
      waitFor,
      onTimeout: [
        {
          id: "remind",
          action: "notify_user",
          config: { user: "sales@example.com", message: "Quote {{ quote.id }} not accepted" },
        },
      ],
      ...extra,
    },
    {
      id: "thank",
      action: "send_email",
      config: {
        to: "{{ quote.email }}",
        subject: "Thanks",
        body: "{{ steps.accepted.output.type }}",
      },
    },
  ],
});

const paths = (input: unknown) => {
  const result = validateDefinition(input);
  return result.ok ? [] : result.problems.map((p) => `${p.path}: ${p.message}`);
};

describe("waitFor definitions", () => {
  it("accepts the contract's shape, one type or a list, and normalises it", () => {
    const result = validateDefinition(
      quoteFlow({
        timeout: "168h",
        match: "event.data.quote_id == quote.id",
        event: ["quote.accepted", "quote.signed"],
      }),
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const step = result.definition.steps[0] as WaitForStep;
    expect(Object.keys(step)).toEqual(["id", "waitFor", "onTimeout"]);
    expect(Object.keys(step.waitFor)).toEqual(["event", "match", "timeout"]);
    expect(
      validateDefinition(quoteFlow({ event: "quote.accepted", timeout: "720h" }, { onTimeout: [] }))
        .ok,
    ).toBe(true);
    expect(paths(quoteFlow({ event: "quote.accepted", timeout: "1s" }))).toEqual([]);
  });

  it("reports each problem at its path", () => {
    expect(paths(quoteFlow({ event: "Quote", timeout: "721h" }))).toEqual([
      expect.stringMatching(/^steps\[0\]\.waitFor\.event: /),
      expect.stringMatching(/^steps\[0\]\.waitFor\.timeout: expected a duration/),
    ]);
    expect(paths(quoteFlow({ event: "quote.accepted" }))).toEqual([
      "steps[0].waitFor.timeout: required",
    ]);
    expect(paths(quoteFlow({ event: [], timeout: "1h" }))).toEqual([
      "steps[0].waitFor.event: name at least one event type",
    ]);
    expect(paths(quoteFlow({ event: ["quote.ok", "event.x"], timeout: "1h" }))[0]).toMatch(
      /^steps\[0\]\.waitFor\.event\[1\]: /,
    );
    expect(paths(quoteFlow({ event: "quote.ok", timeout: "500ms" }))[0]).toMatch(
      /^steps\[0\]\.waitFor\.timeout: /,
    );
    expect(paths(quoteFlow({ event: "quote.ok", timeout: "1h", until: 1 }))).toEqual([
      "steps[0].waitFor.until: unknown key 'until'",
    ]);
    const badMatch = validateDefinition(
      quoteFlow({ event: "quote.ok", timeout: "1h", match: "event.data.id == order.id" }),
    );
    expect(badMatch.ok).toBe(false);
    if (!badMatch.ok) {
      expect(badMatch.problems[0]).toMatchObject({
        path: "steps[0].waitFor.match",
        message: expect.stringContaining("unknown variable 'order'"),
        position: { offset: 17, length: 5 },
      });
    }
    expect(
      paths(quoteFlow({ event: "quote.ok", timeout: "1h", match: "event.data.id ==" }))[0],
    ).toMatch(/^steps\[0\]\.waitFor\.match: /);
    // Steps inside onTimeout are checked like any other.
    expect(
      paths(
        quoteFlow({ event: "quote.ok", timeout: "1h" }, { onTimeout: [{ id: "x", delay: "0s" }] }),
      ),
    ).toEqual([expect.stringMatching(/^steps\[0\]\.onTimeout\[0\]\.delay: /)]);
    expect(
      paths({
        ...quoteFlow({ event: "quote.ok", timeout: "1h" }),
        steps: [{ id: "d", delay: "1s", onTimeout: [] }],
      }),
    ).toEqual(["steps[0].onTimeout: unknown key 'onTimeout'"]);
  });

  it("is walked with its onTimeout steps, and its settings are part of its signature", () => {
    const result = validateDefinition(quoteFlow({ event: "quote.ok", timeout: "1h" }));
    if (!result.ok) throw new Error("invalid");
    const flat = flattenSteps(result.definition);
    expect(flat.map((v) => [v.step.id, v.place.parentId, v.place.branch, v.place.path])).toEqual([
      ["accepted", null, null, "steps[0]"],
      ["remind", "accepted", "onTimeout", "steps[0].onTimeout[0]"],
      ["thank", null, null, "steps[1]"],
    ]);
    const def = result.definition as WorkflowDefinition;
    const longer = normalizeDefinition({
      ...def,
      steps: [{ ...(def.steps[0] as WaitForStep), waitFor: { event: "quote.ok", timeout: "2h" } }],
    });
    expect(stepSignature(longer.steps[0]!)).not.toBe(stepSignature(def.steps[0]!));
  });
});
