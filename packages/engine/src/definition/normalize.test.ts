// biome-ignore-all lint/suspicious/noThenProperty: `then` is the definition format's branch list
import { describe, expect, it } from "vitest";
import { diffSteps, normalizeDefinition } from "./normalize.ts";
import type { WorkflowDefinition } from "./types.ts";

const base: WorkflowDefinition = {
  steps: [
    { config: { to: "a", body: "b" }, action: "send_sms", id: "sms" },
    { id: "gate", if: "true", then: [{ id: "wait", delay: "1m" }] },
  ],
  trigger: { event: "order.created" },
  name: "n",
};

describe("normalizeDefinition", () => {
  it("orders keys canonically and drops undefined", () => {
    const normal = normalizeDefinition({ ...base, filter: undefined });
    expect(Object.keys(normal)).toEqual(["name", "trigger", "steps"]);
    expect(JSON.stringify(normal.steps[0])).toBe(
      '{"id":"sms","action":"send_sms","config":{"body":"b","to":"a"}}',
    );
  });

  it("diffs steps by id", () => {
    const next: WorkflowDefinition = {
      ...base,
      steps: [
        { id: "sms", action: "send_sms", config: { to: "a", body: "changed" } },
        { id: "wait", delay: "1m" },
        { id: "hook", action: "call_webhook", config: { url: "https://x.test" } },
      ],
    };
    expect(diffSteps(base, next)).toEqual({
      added: ["hook"],
      removed: ["gate"],
      changed: ["sms"],
      moved: ["wait"],
    });
  });
});
