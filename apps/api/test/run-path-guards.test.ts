import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { RunState } from "@switchyard/engine";
import { describe, expect, it } from "vitest";
import { storeFor } from "../src/store/client.ts";
import { call, eventually, type Json, newTenant, quietRun, storeSql } from "./helpers.ts";

// Guards on the run path: ids a client cannot take, a fan-out budget per
// originating event, an index row a settled projection cannot hide, and an
// attempt handed out once.

describe("event ids", () => {
  it("a client cannot choose an id the platform derives (runs, webhooks, records, tests)", async () => {
    const t = await newTenant();
    for (const id of [
      "run_0123456789abcdef01234567:mark:0",
      "whs_abc:msg_1",
      "ev_x",
      "evt_test_1",
    ]) {
      const r = await call("POST", "/v1/events", {
        key: t.key,
        body: { id, type: "order.created", data: {} },
      });
      expect(r.status, id).toBe(400);
      expect(JSON.stringify(r.body.error.details)).toContain("platform's own");
    }
    const byHeader = await call("POST", "/v1/events", {
      key: t.key,
      headers: { "idempotency-key": "run_abc:x:0" },
      body: { type: "order.created", data: {} },
    });
    expect(byHeader.status).toBe(400);
    // Nothing was stored.
    expect(await storeSql(t.tenantId, "SELECT id FROM events")).toEqual([]);
    // Ordinary ids still work.
    const ok = await call("POST", "/v1/events", {
      key: t.key,
      body: { id: "order-1001", type: "order.created", data: {} },
    });
    expect(ok.status).toBe(202);
  });
});

describe("the fan-out budget", () => {
  it("suppresses runs past the budget of one originating event, visibly", async () => {
    const t = await newTenant();
    // 35 workflows on one event type; this suite's budget is 30 runs per origin.
    for (let i = 0; i < 35; i++) {
      const r = await call("POST", "/v1/workflows", {
        key: t.key,
        body: {
          name: `Fan ${i}`,
          trigger: { event: "order.created" },
          steps: [{ id: "d", delay: "1h" }],
        },
      });
      expect(r.status).toBe(201);
    }
    const sent = await call("POST", "/v1/events", {
      key: t.key,
      body: { type: "order.created", data: {} },
    });
    const ev = await eventually(
      () => call("GET", `/v1/events/${sent.body.id}`, { key: t.key }),
      (r) => r.body.status === "matched",
    );
    const statuses = (ev.body.runs as Json[]).map((r) => r.status);
    expect(statuses).toHaveLength(35);
    expect(statuses.filter((s) => s === "suppressed")).toHaveLength(5);
    const suppressed = (ev.body.runs as Json[]).find((r) => r.status === "suppressed");
    const run = (await call("GET", `/v1/runs/${suppressed?.id}`, { key: t.key })).body;
    expect(run.suppression.reason).toBe("fan_out");
    const audit = await call("GET", "/v1/audit?type=run.suppressed", { key: t.key });
    expect(audit.body.items).toHaveLength(5);
    expect(audit.body.items[0].details.reason).toBe("fan_out");
    // A redelivery of the same event changes nothing.
    await storeFor(env, t.tenantId).matchEvents(t.tenantId, [sent.body.id]);
    const again = await call("GET", `/v1/events/${sent.body.id}`, { key: t.key });
    expect((again.body.runs as Json[]).filter((r) => r.status === "suppressed")).toHaveLength(5);
  });
});

describe("the runs index", () => {
  it("a run object's status is never hidden by a settled row at the same checkpoint", async () => {
    const t = await newTenant();
    const store = storeFor(env, t.tenantId);
    const row = {
      tenantId: t.tenantId,
      id: "run_tie",
      workflowId: "wf_tie",
      workflowVersion: 1,
      eventId: "e-tie",
      test: false,
      startedAt: null,
      finishedAt: null,
      causation: JSON.stringify({ originEventId: "e-tie", chain: [], depth: 0 }),
      filter: null,
      suppression: null,
      error: null,
      seq: 1,
      steps: "[]",
      createdAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
    };
    await store.indexRun(t.tenantId, { ...row, status: "filtered", hasObject: false });
    await store.indexRun(t.tenantId, { ...row, status: "running", hasObject: true, steps: null });
    expect((await store.getRun(t.tenantId, "run_tie"))?.status).toBe("running");
    // And an older checkpoint never moves it back.
    await store.indexRun(t.tenantId, { ...row, seq: 0, status: "filtered", hasObject: false });
    expect((await store.getRun(t.tenantId, "run_tie"))?.status).toBe("running");
  });
});

describe("dispatching an attempt", () => {
  it("hands an attempt out once: a duplicate message gets nothing", async () => {
    const t = await newTenant();
    await call("POST", "/v1/workflows", {
      key: t.key,
      body: {
        name: "Approve",
        trigger: { event: "order.created" },
        steps: [
          {
            id: "ask",
            action: "request_approval",
            config: { approver: t.email, title: "Approve?" },
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
      (r) => r.body.runs?.[0]?.status === "waiting",
    );
    const stub = env.RUNS.get(env.RUNS.idFromName(ev.body.runs[0].id));
    // The consumer already claimed attempt 1; asking again gets nothing.
    expect(await stub.dispatch("ask", 1)).toBeNull();
    // One approval, one task, however often the message came.
    const approvals = await call("GET", "/v1/approvals", { key: t.key });
    expect(approvals.body.items).toHaveLength(1);
  });
});

describe("an attempt's timeout", () => {
  it("counts from when a consumer claims it: a queue backlog longer than the timeout fails nothing", async () => {
    const t = await newTenant();
    const runId = `run_backlog_${crypto.randomUUID().slice(0, 8)}`;
    // Its action messages sit in a "backlog": nobody consumes them.
    const stub = await quietRun(t.tenantId, runId, {
      id: "hook",
      action: "call_webhook",
      timeout: "1s",
      config: { url: "https://erp.example/x" },
    });
    // Twice the step's timeout passes while the message waits.
    await new Promise((r) => setTimeout(r, 2_100));
    await runInDurableObject(stub, (_i, state) => state.storage.setAlarm(Date.now()));
    await runDurableObjectAlarm(stub);
    const waited = (await stub.snapshot()) as unknown as RunState;
    expect(waited.steps.hook).toMatchObject({ status: "running", attempt: 1, error: null });
    // A consumer finally takes it: the timeout starts now.
    expect(await stub.dispatch("hook", 1)).not.toBeNull();
    const claimed = (await stub.snapshot()) as unknown as RunState;
    const timeout = claimed.timers.find((x) => x.id === "hook:timeout:1");
    expect(timeout!.at).toBeLessThanOrEqual(Date.now() + 1_000);
    const reply = await stub.input({
      type: "stepSucceeded",
      stepId: "hook",
      attempt: 1,
      output: { status: 200, headers: {}, body: null },
      at: Date.now(),
    });
    expect(reply).toMatchObject({ ok: true, status: "succeeded" });
  });
});
