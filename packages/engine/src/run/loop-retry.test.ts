// Retrying a loop's failed items (issue 15, part 2), found by the
// simulation: a failed item's steps reopen only when the loop starts the item
// again, so an item a `stop` loop never restarts (another failed first)
// leaves nothing open in the failed run.
import { describe, expect, it } from "vitest";
import { Driver, definition, orderEvent, T0 } from "../../test/fixtures.ts";
import type { Step } from "../definition/types.ts";

const event = {
  ...orderEvent,
  data: { ...(orderEvent.data as object), lines: [{ v: 1 }, { v: 2 }] },
};

const version = (body: string) =>
  definition([
    {
      id: "each",
      forEach: "order.lines",
      concurrency: 2,
      onItemFailure: "stop",
      steps: [
        {
          id: "check",
          if: "true",
          then: [{ id: "note", action: "send_sms", config: { to: "+100", body } }],
        },
      ],
    } as Step,
  ]);

const open = (run: Driver) =>
  Object.entries(run.state.steps)
    .filter(([, s]) => s.status === "running" || s.status === "waiting")
    .map(([id]) => id);

describe("retry of a loop's failed items", () => {
  it("reopens an item's failed steps when the item starts again, not before", () => {
    const run = new Driver(version("{{ item.v }}"), { event });
    run.feed({ type: "start", at: T0 });
    expect(run.dispatches().map((c) => c.stepId)).toEqual(["note[0]", "note[1]"]);
    for (const stepId of ["note[0]", "note[1]"]) {
      run.feed({
        type: "stepFailed",
        stepId,
        attempt: 1,
        error: { code: "http_400", message: "no" },
        retryable: false,
        at: T0 + 10,
      });
    }
    expect(run.state.status).toBe("failed");
    expect(run.state.steps.each?.loop?.failed).toEqual([0, 1]);

    // Item 0 starts again and fails at once (its config no longer renders): the
    // loop stops before item 1 starts again, so item 1's steps stay as they ended.
    const broken = version("{{ item.nope }}");
    run.feed({ type: "retryRequested", to: { version: 2, definition: broken }, at: T0 + 20 });
    expect(run.state.status).toBe("failed");
    expect(run.state.steps.each?.loop).toMatchObject({ failed: [0], again: [1] });
    expect(run.state.steps["each[1]"]?.status).toBe("pending");
    expect(run.state.steps["check[1]"]?.status).toBe("failed");
    expect(run.state.steps["note[1]"]?.status).toBe("failed");
    expect(open(run)).toEqual([]);

    // The next retry starts both again.
    const fixed = version("fixed {{ item.v }}");
    run.feed({ type: "retryRequested", to: { version: 3, definition: fixed }, at: T0 + 30 });
    expect(run.dispatches().map((c) => c.stepId)).toEqual(["note[0]", "note[1]"]);
    for (const stepId of ["note[0]", "note[1]"]) {
      const attempt = run.state.steps[stepId]!.attempt;
      run.feed({ type: "stepSucceeded", stepId, attempt, output: {}, at: T0 + 40 });
    }
    expect(run.state.status).toBe("succeeded");
    expect(open(run)).toEqual([]);
  });
});
