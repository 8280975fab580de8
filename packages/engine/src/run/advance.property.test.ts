// biome-ignore-all lint/suspicious/noThenProperty: `then` is the definition format's branch list
// Property: whatever arrives, in whatever order, advance never throws, never
// mutates its input, keeps state JSON, and never un-succeeds a step.
import fc from "fast-check";
import { describe, it } from "vitest";
import { Driver, definition, sms, T0 } from "../../test/fixtures.ts";
import type { RunInput } from "./inputs.ts";

const def = definition([
  sms("a", { retry: { attempts: 2, initial: "1s" } }),
  {
    id: "approve",
    action: "request_approval",
    config: { approver: "m@x.y", title: "t", timeout: "1h" },
  },
  {
    id: "gate",
    if: "steps.approve.output.decision == 'approved'",
    then: [{ id: "fan", parallel: [[sms("p1")], [sms("p2"), { id: "pause", delay: "1m" }]] }],
    else: [sms("no")],
  },
]);
const stepIds = ["a", "approve", "gate", "fan", "p1", "p2", "pause", "no", "ghost"];

const inputArb = fc.oneof(
  fc.record({
    kind: fc.constant("ok" as const),
    step: fc.constantFrom(...stepIds),
    attempt: fc.nat(3),
  }),
  fc.record({
    kind: fc.constant("fail" as const),
    step: fc.constantFrom(...stepIds),
    attempt: fc.nat(3),
    retryable: fc.boolean(),
  }),
  fc.record({ kind: fc.constant("timer" as const), pick: fc.nat(5) }),
  fc.record({ kind: fc.constant("decide" as const), approved: fc.boolean() }),
  fc.constantFrom(
    { kind: "retry" as const },
    { kind: "cancel" as const },
    { kind: "start" as const },
  ),
);

describe("advance under arbitrary input sequences", () => {
  it("never throws, never mutates, never un-succeeds a step", () => {
    fc.assert(
      fc.property(
        fc.array(inputArb, { maxLength: 40 }),
        fc.double({ min: 0, max: 0.999, noNaN: true }),
        (script, random) => {
          const run = new Driver(def);
          run.feed({ type: "start", at: T0 });
          let at = T0;
          for (const item of script) {
            at += 1000;
            let input: RunInput;
            switch (item.kind) {
              case "ok":
                input = {
                  type: "stepSucceeded",
                  stepId: item.step,
                  attempt: item.attempt,
                  output: { approvalId: "apr" },
                  at,
                };
                break;
              case "fail":
                input = {
                  type: "stepFailed",
                  stepId: item.step,
                  attempt: item.attempt,
                  error: { code: "x", message: "x" },
                  retryable: item.retryable,
                  random,
                  at,
                };
                break;
              case "timer": {
                const timer = run.state.timers[item.pick % Math.max(1, run.state.timers.length)];
                input = {
                  type: "timerFired",
                  timerId: timer?.id ?? "nope",
                  random,
                  at: Math.max(at, timer?.at ?? at),
                };
                break;
              }
              case "decide":
                input = {
                  type: "approvalDecided",
                  stepId: "approve",
                  decision: item.approved ? "approved" : "rejected",
                  decidedBy: "m",
                  at,
                };
                break;
              case "retry":
                input = { type: "retryRequested", at };
                break;
              case "cancel":
                input = { type: "cancel", at };
                break;
              case "start":
                input = { type: "start", at };
                break;
            }
            const succeeded = Object.values(run.state.steps)
              .filter((s) => s.status === "succeeded")
              .map((s) => s.id);
            const seq = run.state.seq;
            const result = run.feed(input);
            if (result.ignored === null && run.state.seq !== seq + 1)
              throw new Error("seq did not advance by one");
            if (result.ignored !== null && run.state.seq !== seq)
              throw new Error("ignored input moved seq");
            for (const id of succeeded) {
              if (run.state.steps[id]?.status !== "succeeded")
                throw new Error(`${id} un-succeeded`);
            }
          }
        },
      ),
      { numRuns: 300, seed: 4 },
    );
  });
});
