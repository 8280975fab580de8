import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { storeFor } from "../src/store/client.ts";
import { call, eventually, type Json, newTenant, storeSql } from "./helpers.ts";

async function runsOf(key: string, eventId: string): Promise<Json[]> {
  const ev = await call("GET", `/v1/events/${eventId}`, { key });
  return ev.body.runs ?? [];
}

async function finishedRun(key: string, runId: string): Promise<Json> {
  return (
    await eventually(
      () => call("GET", `/v1/runs/${runId}`, { key }),
      (r) =>
        r.status === 200 &&
        ["succeeded", "failed", "filtered", "suppressed", "cancelled"].includes(r.body.status),
    )
  ).body;
}

describe("events in, runs out", () => {
  it("accepts an event once, deduplicating by id and Idempotency-Key", async () => {
    const t = await newTenant();
    const first = await call("POST", "/v1/events", {
      key: t.key,
      body: { id: "order-1", type: "order.created", data: { amount: 1 } },
    });
    expect(first.status).toBe(202);
    expect(first.body).toEqual({ id: "order-1", duplicate: false });
    const again = await call("POST", "/v1/events", {
      key: t.key,
      body: { id: "order-1", type: "order.created", data: { amount: 2 } },
    });
    expect(again.body).toEqual({ id: "order-1", duplicate: true });
    const byHeader = await call("POST", "/v1/events", {
      key: t.key,
      body: { type: "order.created", data: {} },
      headers: { "idempotency-key": "k-1" },
    });
    const byHeader2 = await call("POST", "/v1/events", {
      key: t.key,
      body: { type: "order.created", data: {} },
      headers: { "idempotency-key": "k-1" },
    });
    expect(byHeader2.body).toEqual({ id: byHeader.body.id, duplicate: true });
    const ev = await call("GET", "/v1/events/order-1", { key: t.key });
    expect(ev.body).toMatchObject({
      id: "order-1",
      type: "order.created",
      data: { amount: 1 },
      causation: { originEventId: "order-1", chain: [], depth: 0 },
    });
    // Another tenant's event id is free, and theirs is invisible here.
    const u = await newTenant();
    expect((await call("GET", "/v1/events/order-1", { key: u.key })).status).toBe(404);
    expect(
      (
        await call("POST", "/v1/events", {
          key: u.key,
          body: { id: "order-1", type: "order.created", data: {} },
        })
      ).body.duplicate,
    ).toBe(false);
  });

  it("refuses bad events with 400 and the path", async () => {
    const t = await newTenant();
    const cases: unknown[] = [
      { type: "Order", data: {} },
      { type: "event.created", data: {} },
      { type: "order.created", data: [1] },
      { type: "order.created" },
      { type: "order.created", data: {}, extra: 1 },
    ];
    for (const body of cases) {
      const res = await call("POST", "/v1/events", { key: t.key, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.details.length).toBeGreaterThan(0);
    }
  });

  it("runs steps in order, records a filtered run, and a failing filter fails the run with its position", async () => {
    const t = await newTenant();
    const wf = await call("POST", "/v1/workflows", {
      key: t.key,
      body: {
        name: "Delay then wait",
        trigger: { event: "order.created" },
        filter: "order.amount > 100",
        steps: [
          { id: "first", delay: "1s" },
          {
            id: "branch",
            if: "order.amount > 1000",
            then: [{ id: "big", delay: "1s" }],
            else: [{ id: "small", delay: "1s" }],
          },
        ],
      },
    });
    expect(wf.status).toBe(201);
    const sent = await call("POST", "/v1/events", {
      key: t.key,
      body: { type: "order.created", data: { amount: 5000 } },
    });
    const [run] = await eventually(
      () => runsOf(t.key, sent.body.id),
      (r) => r.length === 1,
    );
    const done = await finishedRun(t.key, run!.id);
    expect(done.status).toBe("succeeded");
    expect(done.workflowVersion).toBe(1);
    expect(done.steps.map((s: Json) => [s.id, s.status])).toEqual([
      ["first", "succeeded"],
      ["branch", "succeeded"],
      ["big", "succeeded"],
      ["small", "skipped"],
    ]);

    const small = await call("POST", "/v1/events", {
      key: t.key,
      body: { type: "order.created", data: { amount: 5 } },
    });
    const [filtered] = await eventually(
      () => runsOf(t.key, small.body.id),
      (r) => r.length === 1,
    );
    expect(filtered!.status).toBe("filtered");

    const broken = await call("POST", "/v1/events", {
      key: t.key,
      body: { type: "order.created", data: { amount: "lots" } },
    });
    const [failed] = await eventually(
      () => runsOf(t.key, broken.body.id),
      (r) => r.length === 1,
    );
    const detail = (await call("GET", `/v1/runs/${failed!.id}`, { key: t.key })).body;
    expect(detail.status).toBe("failed");
    expect(detail.filter.error.position).toMatchObject({ offset: expect.any(Number), line: 1 });
    const ev = await call("GET", `/v1/events/${broken.body.id}`, { key: t.key });
    expect(ev.body.status).toBe("matched");
  });

  it("a redelivered event starts nothing new", async () => {
    const t = await newTenant();
    await call("POST", "/v1/workflows", {
      key: t.key,
      body: { name: "w", trigger: { event: "order.created" }, steps: [{ id: "d", delay: "1s" }] },
    });
    const sent = await call("POST", "/v1/events", {
      key: t.key,
      body: { type: "order.created", data: {} },
    });
    await eventually(
      () => runsOf(t.key, sent.body.id),
      (r) => r.length === 1,
    );
    // Match it again, as the alarm would after a restart mid-match.
    const store = storeFor(env, t.tenantId);
    expect(await store.matchEvents(t.tenantId, [sent.body.id])).toEqual([sent.body.id]);
    await storeSql(
      t.tenantId,
      "UPDATE events SET status = 'accepted' WHERE tenant_id = ? AND id = ?",
      t.tenantId,
      sent.body.id,
    );
    await store.matchEvents(t.tenantId, [sent.body.id]);
    await eventually(
      () => call("GET", `/v1/events/${sent.body.id}`, { key: t.key }),
      (r) => r.body.status === "matched",
    );
    await new Promise((r) => setTimeout(r, 1500));
    expect(await runsOf(t.key, sent.body.id)).toHaveLength(1);
    const list = await call("GET", "/v1/runs", { key: t.key });
    expect(list.body.items).toHaveLength(1);
  });

  it("keeps a waiting run on its version when the workflow is edited", async () => {
    const t = await newTenant();
    const wf = await call("POST", "/v1/workflows", {
      key: t.key,
      body: {
        name: "v1",
        trigger: { event: "order.created" },
        steps: [{ id: "wait", delay: "2s" }],
      },
    });
    const sent = await call("POST", "/v1/events", {
      key: t.key,
      body: { type: "order.created", data: {} },
    });
    const [run] = await eventually(
      () => runsOf(t.key, sent.body.id),
      (r) => r.length === 1 && r[0]!.status === "waiting",
    );
    await call("PUT", `/v1/workflows/${wf.body.id}`, {
      key: t.key,
      body: {
        name: "v2",
        trigger: { event: "order.created" },
        steps: [{ id: "other", delay: "1s" }],
      },
    });
    const done = await finishedRun(t.key, run!.id);
    expect(done.status).toBe("succeeded");
    expect(done.workflowVersion).toBe(1);
    expect(done.steps.map((s: Json) => s.id)).toEqual(["wait"]);
  });

  it("cancels a waiting run", async () => {
    const t = await newTenant();
    await call("POST", "/v1/workflows", {
      key: t.key,
      body: {
        name: "slow",
        trigger: { event: "order.created" },
        steps: [{ id: "wait", delay: "1h" }],
      },
    });
    const sent = await call("POST", "/v1/events", {
      key: t.key,
      body: { type: "order.created", data: {} },
    });
    const [run] = await eventually(
      () => runsOf(t.key, sent.body.id),
      (r) => r.length === 1 && r[0]!.status === "waiting",
    );
    const res = await call("POST", `/v1/runs/${run!.id}/cancel`, { key: t.key });
    expect(res.status).toBe(202);
    const done = await finishedRun(t.key, run!.id);
    expect(done.status).toBe("cancelled");
    expect((await call("POST", `/v1/runs/${run!.id}/cancel`, { key: t.key })).status).toBe(409);
    const audit = await call("GET", "/v1/audit?type=run.cancelled", { key: t.key });
    expect(audit.body.items[0].subject).toBe(run!.id);
  });

  it("dry-runs a workflow with an explanation and no effects", async () => {
    const t = await newTenant();
    const wf = await call("POST", "/v1/workflows", {
      key: t.key,
      body: {
        name: "Big",
        trigger: { event: "order.created" },
        filter: "order.amount > 10000 && order.status == 'new'",
        steps: [
          {
            id: "tell",
            action: "send_email",
            config: { to: "{{ order.email }}", subject: "Order {{ order.id }}", body: "x" },
          },
        ],
      },
    });
    const yes = await call("POST", `/v1/workflows/${wf.body.id}/test`, {
      key: t.key,
      body: { event: { data: { id: "o1", amount: 20000, status: "new", email: "a@b.c" } } },
    });
    expect(yes.status).toBe(200);
    expect(yes.body.filter.result).toBe(true);
    expect(yes.body.steps[0]).toMatchObject({
      id: "tell",
      action: "send_email",
      config: { to: "a@b.c", subject: "Order o1" },
    });
    const no = await call("POST", `/v1/workflows/${wf.body.id}/test`, {
      key: t.key,
      body: { event: { data: { id: "o2", amount: 5, status: "new" } } },
    });
    expect(no.body.filter.result).toBe(false);
    expect(
      no.body.filter.explanation.some(
        (p: Json) => p.source === "order.amount > 10000" && p.value === false,
      ),
    ).toBe(true);
    expect((await call("GET", "/v1/runs", { key: t.key })).body.items).toHaveLength(0);
  });
});
