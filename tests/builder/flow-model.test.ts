// "Keeping runs in check" (issue 16, item 1) in the builder, checked without a
// browser: a key's template in a word, the trigger card's one line, where a
// problem's path sits in the form, and why a run waits or was not run (the
// browser test: flow-control.test.ts).
import { describe, expect, it } from "vitest";
import {
  concurrencyWords,
  debouncedWords,
  debounceWords,
  durationWords,
  flowFieldWords,
  flowProblemPlace,
  flowSummary,
  keyLabel,
  keyPath,
  keyTemplate,
  periodWords,
  perWords,
  throttleSpacing,
  throttleWords,
  waitingBanner,
  waitingLine,
} from "../../apps/web/src/lib/model/flow-words.ts";

// The viewer's clock, as the run page passes it: here two hours ahead of UTC.
const clock = (iso: string) => `${Number(iso.slice(11, 13)) + 2}:${iso.slice(14, 16)} local`;

describe("a key in words", () => {
  it("names the thing a key's field belongs to, without ids", () => {
    expect(keyLabel("{{ order.customer_id }}")).toBe("customer");
    expect(keyLabel("{{ record.id }}")).toBe("record");
    expect(keyLabel("{{order.customerId}}")).toBe("customer");
    expect(keyLabel("{{ order.shipping.country }}")).toBe("country");
    expect(keyLabel("{{ ticket.assignee_email }}")).toBe("assignee email");
  });

  it("has no label for the whole workflow, and a plain one for a computed key", () => {
    expect(keyLabel(undefined)).toBeNull();
    expect(keyLabel("  ")).toBeNull();
    expect(keyLabel("{{ order.region }}-{{ order.customer_id }}")).toBe("value of the key");
    expect(perWords(undefined)).toBe("for the whole workflow");
    expect(perWords("{{ order.customer_id }}")).toBe("for each customer");
  });

  it("reads and writes the template the definition holds", () => {
    expect(keyTemplate("order.customer_id")).toBe("{{ order.customer_id }}");
    expect(keyPath("{{ order.customer_id }}")).toBe("order.customer_id");
    expect(keyPath("{{order.customer_id}}")).toBe("order.customer_id");
    expect(keyPath("customer {{ order.customer_id }}")).toBeNull();
    expect(keyPath(undefined)).toBeNull();
  });
});

describe("the settings in sentences", () => {
  it("says one at a time, or at most N, per key or for the workflow", () => {
    expect(concurrencyWords({ key: "{{ order.customer_id }}", limit: 1 })).toBe(
      "One at a time per customer",
    );
    expect(concurrencyWords({ limit: 5 })).toBe("At most 5 at a time");
  });

  it("says a throttle's rate by its period", () => {
    expect(throttleWords({ key: "{{ order.customer_id }}", limit: 60, period: "1m" })).toBe(
      "At most 60 a minute per customer",
    );
    expect(throttleWords({ limit: 1000, period: "24h" })).toBe("At most 1000 a day");
    expect(throttleWords({ limit: 30, period: "1h" })).toBe("At most 30 an hour");
    expect(throttleWords({ limit: 10, period: "5m" })).toBe("At most 10 per 5 minutes");
    // The engine spreads a throttle's starts evenly: one per period/limit.
    expect(throttleSpacing({ limit: 60, period: "1m" })).toBe("one every second");
    expect(throttleSpacing({ limit: 2, period: "1m" })).toBe("one every 30 seconds");
    expect(throttleSpacing({ limit: 40, period: "1m" })).toBe("one every 1.5 seconds");
    expect(throttleSpacing({ limit: 24, period: "24h" })).toBe("one every hour");
    expect(throttleSpacing({ limit: 100, period: "1s" })).toBe("about 100 a second");
    expect(throttleSpacing({ limit: 1, period: "nonsense" })).toBeNull();
    expect(periodWords("1h")).toBe("hour");
    expect(periodWords("90s")).toBe("1 minute 30 seconds");
  });

  it("says a debounce's quiet time and longest wait", () => {
    expect(debounceWords({ key: "{{ record.id }}", quiet: "30s", maxWait: "10m" })).toBe(
      "Waits for 30 seconds of quiet per record (at most 10 minutes)",
    );
    expect(debounceWords({ quiet: "1m" })).toBe("Waits for 1 minute of quiet");
    expect(durationWords("168h")).toBe("7 days");
    expect(durationWords("1h30m")).toBe("1 hour 30 minutes");
    expect(durationWords("soon")).toBeNull();
  });

  it("puts what is set in one line for the trigger card, and nothing when nothing is", () => {
    expect(
      flowSummary({
        concurrency: { key: "{{ order.customer_id }}", limit: 1 },
        throttle: { limit: 60, period: "1m" },
      }),
    ).toBe("One at a time per customer · at most 60 a minute");
    expect(
      flowSummary({ debounce: { key: "{{ record.id }}", quiet: "30s", maxWait: "10m" } }),
    ).toBe("Waits for 30 seconds of quiet per record (at most 10 minutes)");
    expect(flowSummary({})).toBe("");
  });
});

describe("problems by their place in the form", () => {
  it("finds the setting and field of a problem's path", () => {
    expect(flowProblemPlace("concurrency.limit")).toEqual({ kind: "concurrency", field: "limit" });
    expect(flowProblemPlace("debounce.maxWait")).toEqual({ kind: "debounce", field: "maxWait" });
    expect(flowProblemPlace("throttle")).toEqual({ kind: "throttle", field: "" });
    expect(flowProblemPlace("steps[0].config.to")).toBeNull();
  });

  it("names the field as the form labels it", () => {
    expect(flowFieldWords("concurrency.limit")).toBe("how many at a time");
    expect(flowFieldWords("debounce.maxWait")).toBe("but no longer than");
    expect(flowFieldWords("throttle.period")).toBe("per");
  });
});

describe("why a run waits", () => {
  const waiting = {
    reason: "concurrency" as const,
    key: "c-17",
    ahead: 3,
    until: null,
    message: "3 runs for customer c-17 ahead",
  };

  it("says the API's reason in the runs list", () => {
    expect(waitingLine(waiting)).toBe("Waiting: 3 runs for customer c-17 ahead");
  });

  it("says on the run page who is ahead and when it starts", () => {
    expect(waitingBanner(waiting, clock)).toBe(
      "This run has not started yet: 3 runs for customer c-17 are ahead of it. It starts when they finish.",
    );
    expect(
      waitingBanner({ ...waiting, ahead: 1, message: "1 run for customer c-17 ahead" }, clock),
    ).toBe(
      "This run has not started yet: 1 run for customer c-17 is ahead of it. It starts when it finishes.",
    );
  });

  it("gives a throttled run's start in the viewer's clock, once", () => {
    const throttled = {
      reason: "throttle" as const,
      key: "c-17",
      ahead: 0,
      until: "2026-12-06T14:03:00.000Z",
      message: "the limit of 60 runs a minute for customer c-17 is reached; starts at 14:03:00",
    };
    expect(waitingBanner(throttled, clock)).toBe(
      "This run has not started yet: the limit of 60 runs a minute for customer c-17 is reached. It starts at 16:03 local.",
    );
    expect(waitingLine(throttled, clock)).toBe(
      "Waiting: the limit of 60 runs a minute for customer c-17 is reached; starts at 16:03 local",
    );
  });

  it("says a debounced run's start, and that a later event may replace it", () => {
    const debounced = {
      reason: "debounce" as const,
      key: "r-1",
      ahead: 0,
      until: "2026-12-06T09:30:00.000Z",
      message: "waiting for events about record r-1 to stop (until 09:30:00)",
    };
    expect(waitingBanner(debounced, clock)).toBe(
      "This run has not started yet: waiting for events about record r-1 to stop. It starts at 11:30 local unless a later event replaces it.",
    );
  });

  it("says a run at the head of its line waits for a running one", () => {
    expect(
      waitingBanner(
        {
          ...waiting,
          ahead: 0,
          message: "a run for customer c-17 already running (the limit is 1 at a time)",
        },
        clock,
      ),
    ).toBe(
      "This run has not started yet: a run for customer c-17 already running (the limit is 1 at a time). It starts when a running one finishes.",
    );
  });

  it("says the workspace's cap when that holds it", () => {
    expect(
      waitingBanner(
        {
          reason: "tenant_limit",
          key: null,
          ahead: 2,
          until: null,
          message: "the workspace runs 100 runs at once",
        },
        clock,
      ),
    ).toContain("It starts when one of the workspace's running runs finishes.");
  });

  it("says a debounced run was replaced, with the later event when named", () => {
    expect(
      debouncedWords({
        suppression: {
          reason: "debounced",
          message: "replaced by a later event (ev_9) for record r-1",
        },
      }),
    ).toEqual({
      text: "Not run: a later event about record r-1 replaced this one",
      eventId: "ev_9",
    });
    expect(
      debouncedWords({
        suppression: { reason: "debounced", message: "A later event replaced this one." },
      }),
    ).toEqual({ text: "Not run: a later event replaced this one", eventId: null });
    expect(debouncedWords({ suppression: { reason: "loop", message: "x" } })).toBeNull();
  });
});
