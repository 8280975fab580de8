import { describe, expect, it } from "vitest";
import { call, eventually, type Json, newTenant } from "./helpers.ts";

// Issue 13: a filter that does too much work for an event fails `too_complex`
// at its position. Only that workflow does not run for that event, with the
// reason on its run; the matching pass goes on for the other workflows.

async function runsOf(key: string, eventId: string): Promise<Json[]> {
  const ev = await call("GET", `/v1/events/${eventId}`, { key });
  return ev.body.runs ?? [];
}

describe("a filter over its budget", () => {
  it("fails its own workflow's run with the reason and position; the other workflow runs", async () => {
    const t = await newTenant();
    // 100 × 20,000 comparisons: one step each since issue 13 (was ~5 steps per item).
    const filter = "order.ids.all(i, !(i in order.other))";
    const heavy = await call("POST", "/v1/workflows", {
      key: t.key,
      body: {
        name: "Heavy filter",
        trigger: { event: "order.created" },
        filter,
        steps: [{ id: "d", delay: "1s" }],
      },
    });
    expect(heavy.status).toBe(201);
    const plain = await call("POST", "/v1/workflows", {
      key: t.key,
      body: {
        name: "Plain",
        trigger: { event: "order.created" },
        filter: "order.ids.size() > 0",
        steps: [{ id: "d", delay: "1s" }],
      },
    });
    expect(plain.status).toBe(201);

    const data = {
      ids: Array.from({ length: 100 }, (_, i) => -1 - i),
      other: Array.from({ length: 20_000 }, (_, i) => i),
    };
    const sent = await call("POST", "/v1/events", {
      key: t.key,
      body: { type: "order.created", data: { ...data } },
    });
    expect(sent.status).toBe(202);
    const runs = await eventually(
      () => runsOf(t.key, sent.body.id),
      (r) => r.length === 2,
    );
    const byWorkflow = new Map(runs.map((r) => [r.workflowId, r]));
    const failed = byWorkflow.get(heavy.body.id)!;
    const other = byWorkflow.get(plain.body.id)!;
    expect(failed.status).toBe("failed");
    expect(other.status).not.toBe("failed");

    const detail = (await call("GET", `/v1/runs/${failed.id}`, { key: t.key })).body;
    expect(detail.filter.error).toMatchObject({
      code: "filter_error",
      message: expect.stringContaining("too much work"),
      position: { offset: filter.indexOf("i in order.other"), line: 1 },
    });
    const ev = await call("GET", `/v1/events/${sent.body.id}`, { key: t.key });
    expect(ev.body.status).toBe("matched");
  });
});
