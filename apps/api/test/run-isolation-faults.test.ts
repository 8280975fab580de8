import { abortAllDurableObjects } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, eventually, type Json, newTenant } from "./helpers.ts";

describe("runs and events across tenants", () => {
  it("answer another tenant's ids exactly like missing ones", async () => {
    const a = await newTenant();
    const b = await newTenant();
    const wf = await call("POST", "/v1/workflows", {
      key: a.key,
      body: { name: "w", trigger: { event: "order.created" }, steps: [{ id: "d", delay: "1h" }] },
    });
    const sent = await call("POST", "/v1/events", {
      key: a.key,
      body: { id: "secret-event", type: "order.created", data: {} },
    });
    const ev = await eventually(
      () => call("GET", `/v1/events/${sent.body.id}`, { key: a.key }),
      (r) => r.body.runs?.length === 1,
    );
    const runId = ev.body.runs[0].id;
    const routes: Array<[string, string, unknown?]> = [
      ["GET", `/v1/events/${sent.body.id}`],
      ["GET", `/v1/runs/${runId}`],
      ["POST", `/v1/runs/${runId}/retry`, {}],
      ["POST", `/v1/runs/${runId}/cancel`],
      ["POST", `/v1/workflows/${wf.body.id}/test`, { event: { data: {} } }],
      ["POST", `/v1/workflows/${wf.body.id}/runs`, { event: { data: {} } }],
    ];
    for (const [method, path, body] of routes) {
      const res = await call(method, path, { key: b.key, body });
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    expect((await call("GET", "/v1/runs", { key: b.key })).body.items).toHaveLength(0);
    expect(
      (await call("GET", `/v1/runs?eventId=${sent.body.id}`, { key: b.key })).body.items,
    ).toHaveLength(0);
  });
});

describe("faults inside the Worker", () => {
  it("finishes a run whose Durable Object was restarted mid-delay", async () => {
    const t = await newTenant();
    await call("POST", "/v1/workflows", {
      key: t.key,
      body: {
        name: "w",
        trigger: { event: "order.created" },
        steps: [
          { id: "a", delay: "1s" },
          { id: "b", delay: "1s" },
        ],
      },
    });
    const sent = await call("POST", "/v1/events", {
      key: t.key,
      body: { type: "order.created", data: {} },
    });
    const ev = await eventually(
      () => call("GET", `/v1/events/${sent.body.id}`, { key: t.key }),
      (r) => r.body.runs?.[0]?.status === "waiting",
    );
    await abortAllDurableObjects();
    const done = await eventually(
      () => call("GET", `/v1/runs/${ev.body.runs[0].id}`, { key: t.key }),
      (r) => r.body.status === "succeeded",
    );
    expect(done.body.steps.map((s: Json) => s.status)).toEqual(["succeeded", "succeeded"]);
  });

  it("ignores a redelivered action message: no second email", async () => {
    const t = await newTenant();
    await call("POST", "/v1/workflows", {
      key: t.key,
      body: {
        name: "w",
        trigger: { event: "order.created" },
        steps: [
          {
            id: "tell",
            action: "send_email",
            config: { to: "a@example.com", subject: "s", body: "b" },
          },
        ],
      },
    });
    const sent = await call("POST", "/v1/events", {
      key: t.key,
      body: { type: "order.created", data: {} },
    });
    const ev = await eventually(
      () => call("GET", `/v1/events/${sent.body.id}`, { key: t.key }),
      (r) => r.body.runs?.[0]?.status === "succeeded",
    );
    const runId = ev.body.runs[0].id;
    await env.ACTIONS.send({ tenantId: t.tenantId, runId, stepId: "tell", attempt: 1 });
    await env.ACTIONS.send({ tenantId: t.tenantId, runId, stepId: "tell", attempt: 1 });
    await new Promise((r) => setTimeout(r, 2500));
    const outbox = await call("GET", "/v1/outbox?channel=email", { key: t.key });
    expect(outbox.body.items).toHaveLength(1);
    expect(outbox.body.items[0].idempotencyKey).toBe(`${runId}:tell`);
  });
});
