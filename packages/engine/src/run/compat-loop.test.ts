// Retry compatibility of forEach steps (issue 15, part 2), found by the
// simulation: a loop that could not read its list is a failed step like any
// other, so a retry may move it to a version that fixes its list.
import { describe, expect, it } from "vitest";
import { Driver, definition, T0 } from "../../test/fixtures.ts";
import type { Step } from "../definition/types.ts";

const body: Step[] = [
  { id: "note", action: "send_sms", config: { to: "+100", body: "{{ item }}" } },
];
const loop = (forEach: string, extra: Record<string, unknown> = {}): Step =>
  ({ id: "each", forEach, steps: body, ...extra }) as Step;

describe("retry compatibility: forEach", () => {
  it("a loop whose list could not be read may change (its list, its settings)", () => {
    const run = new Driver(definition([loop("order.nope")]));
    run.feed({ type: "start", at: T0 });
    expect(run.state.status).toBe("failed");
    expect(run.state.steps.each?.loop).toBeUndefined();
    const fixed = definition([loop("[1, 2]", { concurrency: 2 })]);
    const retried = run.feed({
      type: "retryRequested",
      to: { version: 2, definition: fixed },
      at: T0 + 10,
    });
    expect(retried.ignored).toBeNull();
    expect(run.state.version).toBe(2);
    expect(run.state.steps.each?.loop?.total).toBe(2);
    expect(run.dispatches().map((c) => c.stepId)).toEqual(["note[0]", "note[1]"]);
  });

  it("a loop that read its list keeps it: changing it is refused", () => {
    const run = new Driver(definition([loop("[1, 2]")]));
    run.feed({ type: "start", at: T0 });
    run.feed({
      type: "stepFailed",
      stepId: "note[0]",
      attempt: 1,
      error: { code: "http_400", message: "no" },
      retryable: false,
      at: T0 + 5,
    });
    expect(run.state.status).toBe("failed");
    const changed = definition([loop("[1, 2, 3]")]);
    const retried = run.feed({
      type: "retryRequested",
      to: { version: 2, definition: changed },
      at: T0 + 10,
    });
    expect(retried.ignored).toMatchObject({
      reason: "incompatible_version",
      differing: [{ stepId: "each", reason: "changed" }],
    });
  });
});
