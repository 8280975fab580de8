// "Wait for an event" (issue 15, part 3) in the builder's words, checked
// without a browser: the canvas card's sentence, the timeout branch's label,
// the timeout as a number and a unit, the run page's words for a waiting,
// resumed, timed-out or stopped step, and the step tree's "If nothing arrives" branch (the browser test:
// wait-for-event.test.ts).
import type { Step, WorkflowDefinition } from "@switchyard/engine";
import { describe, expect, it } from "vitest";
import { effectOf } from "../../apps/web/src/lib/model/run-words.ts";
import {
  cloneWithFreshIds,
  describePlace,
  locate,
  moveTargets,
  stepOfPath,
} from "../../apps/web/src/lib/model/steps.ts";
import {
  deadlineOf,
  durationWords,
  endedWords,
  eventTypesWords,
  keysWords,
  timeoutBranchLabel,
  timeoutParts,
  timeoutValue,
  waitingFor,
  waitOutcome,
  waitSentence,
} from "../../apps/web/src/lib/model/wait-words.ts";

const MATCH = "event.data.quote_id == quote.id";

describe("the canvas card", () => {
  it("says what it waits for, for how long, and which one", () => {
    expect(waitSentence({ event: "quote.accepted", match: MATCH, timeout: "168h" })).toBe(
      "Waits up to 7 days for quote accepted where quote id is the quote's id",
    );
    expect(waitSentence({ event: ["quote.accepted", "quote.declined"], timeout: "2h" })).toBe(
      "Waits up to 2 hours for quote accepted or quote declined",
    );
    // Either side: the event's field is what the sentence is about.
    expect(
      waitSentence({
        event: "quote.accepted",
        match: "quote.id == event.data.quote_id",
        timeout: "90m",
      }),
    ).toBe("Waits up to 1 hour 30 minutes for quote accepted where quote id is the quote's id");
    expect(
      waitSentence({
        event: "payment.received",
        match: 'event.data.invoice == invoice.number && event.data.currency == "EUR"',
        timeout: "36h",
      }),
    ).toBe(
      "Waits up to 1 day 12 hours for payment received where invoice is the invoice's number and currency is EUR",
    );
    expect(waitSentence({ event: "", timeout: "168h" })).toBe(
      "Waits up to 7 days for an event (none chosen yet)",
    );
    // Without a plain reading, the expression as written.
    expect(
      waitSentence({ event: "a.b", match: "event.data.x + 1 == 2 ? true : false", timeout: "1h" }),
    ).toBe("Waits up to 1 hour for a b where event.data.x + 1 == 2 ? true : false");
  });

  it("labels the timeout branch like Yes and No", () => {
    expect(timeoutBranchLabel("168h")).toBe("If nothing arrives in 7 days");
    expect(timeoutBranchLabel("1h")).toBe("If nothing arrives in 1 hour");
    expect(timeoutBranchLabel("")).toBe("If nothing arrives in time");
  });
});

describe("the timeout as a number and a unit", () => {
  it("reads whole days, hours or minutes and writes the engine's duration", () => {
    expect(timeoutParts("168h")).toEqual({ amount: "7", unit: "d" });
    expect(timeoutParts("36h")).toEqual({ amount: "36", unit: "h" });
    expect(timeoutParts("90m")).toEqual({ amount: "90", unit: "m" });
    expect(timeoutParts("")).toEqual({ amount: "", unit: "d" });
    expect(timeoutParts("30s")).toBeNull(); // edited as text
    expect(timeoutValue("7", "d")).toBe("168h");
    expect(timeoutValue("3", "h")).toBe("3h");
    expect(timeoutValue("45", "m")).toBe("45m");
    expect(timeoutValue("", "d")).toBe("");
    expect(durationWords("168h")).toBe("7 days");
    expect(durationWords("1m30s")).toBe("1 minute 30 seconds");
  });
});

describe("the run page", () => {
  it("says what a waiting step waits for, with the values it looks for", () => {
    const input = { event: ["quote.accepted"], match: MATCH, keys: { "data.quote_id": "q_42" } };
    expect(waitingFor(input)).toBe("quote accepted where quote id is q_42");
    // No keys: the match in words.
    expect(waitingFor({ event: ["quote.accepted"], match: MATCH, keys: {} })).toBe(
      "quote accepted where quote id is the quote's id",
    );
    expect(keysWords({ "data.amount": 5, type: "x.y" })).toBe("amount is 5 and type is x.y");
    expect(deadlineOf("2026-12-05T10:00:00.000Z", "168h")).toBe("2026-12-12T10:00:00.000Z");
    expect(eventTypesWords(["a.b", "c.d", "e.f"])).toBe("a b, c d or e f");
  });

  it("tells a waiting, a resumed, a timed-out and a stopped step apart", () => {
    expect(waitOutcome({ status: "waiting", output: null })).toEqual({ kind: "waiting" });
    const event = {
      id: "evt_1",
      type: "quote.accepted",
      data: { quote_id: "q_42" },
      occurredAt: "2026-12-05T10:00:00Z",
    };
    expect(waitOutcome({ status: "succeeded", output: event })).toEqual({ kind: "resumed", event });
    const timedOut = waitOutcome({ status: "succeeded", output: { timedOut: true } });
    expect(timedOut).toEqual({ kind: "timedOut" });
    expect(endedWords(timedOut)).toBe("Nothing arrived in time");
    const stopped = waitOutcome({ status: "running", output: { timedOut: true, cancelled: true } });
    expect(endedWords(stopped, "Olga Owner")).toBe("Stopped waiting by Olga Owner");
    expect(endedWords(stopped)).toBe("Stopped waiting");
  });

  it("says what a retry does with a wait", () => {
    const step = { id: "accepted", kind: "waitFor", action: null };
    expect(effectOf(step, { event: ["quote.accepted"] }, "first_time", false).text).toBe(
      "waits for quote accepted",
    );
    expect(effectOf(step, undefined, "first_time", false).text).toBe("waits for its event");
  });
});

describe("the step tree", () => {
  const def = (): WorkflowDefinition => ({
    name: "Quote follow-up",
    trigger: { event: "quote.sent" },
    steps: [
      {
        id: "accepted",
        name: "Wait for the answer",
        waitFor: { event: "quote.accepted", match: MATCH, timeout: "168h" },
        onTimeout: [{ id: "remind", name: "Remind", action: "notify_user", config: {} }],
      } as Step,
      { id: "thanks", delay: "1h" },
    ],
  });

  it("finds, names and moves steps in the If nothing arrives branch", () => {
    const d = def();
    expect(locate(d, "remind")?.ref).toEqual([0, "onTimeout"]);
    expect(describePlace(d, "remind")).toBe(
      "the If nothing arrives branch of Wait for the answer, position 1 of 1",
    );
    expect(stepOfPath(d, "steps[0].onTimeout[0].config.user")).toEqual({
      stepId: "remind",
      rest: "config.user",
    });
    expect(stepOfPath(d, "steps[0].waitFor.timeout")).toEqual({
      stepId: "accepted",
      rest: "waitFor.timeout",
    });
    expect(moveTargets(d, "thanks").map((t) => t.label)).toContain(
      "Into the If nothing arrives branch of Wait for the answer (at the end)",
    );
    const copy = cloneWithFreshIds(d.steps[0] as Step, new Set(["accepted", "remind", "thanks"]));
    expect((copy as { onTimeout: Step[] }).onTimeout[0]?.id).toBe("remind_2");
  });
});
