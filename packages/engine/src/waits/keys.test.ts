import { describe, expect, it } from "vitest";
import type { EventEnvelope } from "../context/context.ts";
import { WaitIndex } from "./index.ts";
import { eventKey, keyConjuncts, openKeys, waitKey } from "./keys.ts";

const event = (type: string, data: unknown, id = "e1"): EventEnvelope => ({
  id,
  type,
  data,
  occurredAt: "2025-01-01T00:00:00Z",
});

describe("wait keys", () => {
  it("takes event.<path> == <expression without event> conjuncts, either side, sorted", () => {
    expect(
      keyConjuncts(
        "quote.customer == event.data.customer && event.data.quote_id == quote.id && event.data.total > 5",
      ),
    ).toEqual([
      { path: "data.customer", source: "quote.customer" },
      { path: "data.quote_id", source: "quote.id" },
    ]);
    expect(keyConjuncts('event["data"]["id"] == steps.a.output.id')).toEqual([
      { path: "data.id", source: "steps.a.output.id" },
    ]);
  });

  it("leaves out what is not a key: ||, event on both sides, the whole event, !=", () => {
    expect(keyConjuncts("event.data.a == quote.a || event.data.b == quote.b")).toEqual([]);
    expect(keyConjuncts("event.data.a == event.data.b")).toEqual([]);
    expect(keyConjuncts("event == quote")).toEqual([]);
    expect(keyConjuncts("event.data.a != quote.a")).toEqual([]);
    expect(keyConjuncts(undefined)).toEqual([]);
    expect(keyConjuncts("(((")).toEqual([]);
  });

  it("evaluates the other side in the run's context; a failing side is no key", () => {
    const ctx = { quote: { id: "q1", n: 2 } };
    expect(
      openKeys("event.data.quote_id == quote.id && event.data.n == quote.missing", ctx),
    ).toEqual({ "data.quote_id": "q1" });
  });

  it("an event's key equals the wait's key when the values are equal (deeply, canonically)", () => {
    const w = waitKey({ "data.b": { y: 1, x: [1] }, "data.a": "q1" });
    expect(w.pathSet).toBe("data.a\ndata.b");
    expect(eventKey(event("quote.accepted", { b: { x: [1], y: 1 }, a: "q1" }), w.pathSet)).toBe(
      w.hash,
    );
    expect(eventKey(event("quote.accepted", { a: "q1" }), w.pathSet)).toBeNull();
    expect(waitKey({})).toEqual({ pathSet: "", hash: "" });
    expect(eventKey(event("quote.accepted", {}), "")).toBe("");
  });
});

describe("WaitIndex", () => {
  it("finds keyed waits by the event's key and unkeyed ones by type alone", () => {
    const index = new WaitIndex();
    index.add({ runId: "r1", stepId: "w", types: ["quote.accepted"], keys: { "data.id": "q1" } });
    index.add({ runId: "r2", stepId: "w", types: ["quote.accepted"], keys: { "data.id": "q1" } });
    index.add({ runId: "r3", stepId: "w", types: ["quote.accepted"], keys: { "data.id": "q2" } });
    index.add({ runId: "r4", stepId: "w", types: ["quote.accepted", "quote.lost"], keys: {} });
    const ids = (e: EventEnvelope) =>
      index
        .candidates(e)
        .map((w) => w.runId)
        .sort();
    expect(ids(event("quote.accepted", { id: "q1" }))).toEqual(["r1", "r2", "r4"]);
    expect(ids(event("quote.accepted", { id: "q3" }))).toEqual(["r4"]);
    expect(ids(event("quote.lost", { id: "q1" }))).toEqual(["r4"]);
    expect(ids(event("order.created", { id: "q1" }))).toEqual([]);
    index.remove("r1", "w");
    index.remove("r4", "w");
    index.remove("r4", "w");
    expect(ids(event("quote.accepted", { id: "q1" }))).toEqual(["r2"]);
    expect(index.size).toBe(2);
  });
});
