// Every template the builder offers is a valid definition for the engine.
import { validateDefinition } from "@switchyard/engine";
import { describe, expect, it } from "vitest";
import { TEMPLATES } from "../../apps/web/src/lib/model/templates.ts";

describe("workflow templates", () => {
  it("offers at least the five templates of the issue", () => {
    expect(TEMPLATES.map((t) => t.key)).toEqual(
      expect.arrayContaining([
        "big-order-approval",
        "payment-received",
        "webhook-forwarder",
        "welcome-sms",
        "overdue-task-reminder",
      ]),
    );
  });

  it.each(TEMPLATES.map((t) => [t.title, t] as const))("%s validates", (_title, template) => {
    const result = validateDefinition(template.definition);
    expect(result.ok ? [] : result.problems).toEqual([]);
  });
});
