// Flow control (issue 16, item 1): concurrency, throttle and debounce per
// key, and the tenant-wide cap, kept in the tenant's own store. Runs are
// held open with a `delay` step and ended by cancelling them; time is moved
// by rewriting the store's rows and running its alarm, as the schedule tests do.
import { abortAllDurableObjects, runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { storeFor } from "../src/store/client.ts";
import { member } from "./failing-workflow.ts";
import { call, eventually, type Json, newTenant, storeSql } from "./helpers.ts";

const held = (name: string, flow: Json) => ({
  name,
  trigger: { event: "order.created" },
  ...flow,
  steps: [{ id: "hold", delay: "1h" }],
});

const perCustomer = { concurrency: { key: "{{ order.customer_id }}", limit: 1 } };

async function workflow(key: string, definition: Json): Promise<string> {
  const r = await call("POST", "/v1/workflows", { key, body: definition });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.id as string;
}

/** Sends an event and waits for the run it makes for `workflowId`. */
async function send(key: string, data: Json, workflowId?: string): Promise<string> {
  const sent = await call("POST", "/v1/events", { key, body: { type: "order.created", data } });
  expect(sent.status).toBe(202);
  const ev = await eventually(
    () => call("GET", `/v1/events/${sent.body.id}`, { key }),
    (r) =>
      (r.body.runs as Json[] | undefined)?.some(
        (x) => workflowId === undefined || x.workflowId === workflowId,
      ) === true,
  );
  return (ev.body.runs as Json[]).find(
    (x) => workflowId === undefined || x.workflowId === workflowId,
  )!.id as string;
}

const getRun = async (key: string, id: string) =>
  (await call("GET", `/v1/runs/${id}`, { key })).body;

/** Waits until the run has started (its delay holds it: status waiting, no waitingFor). */
const started = (key: string, id: string) =>
  eventually(
    () => getRun(key, id),
    (r) => r.status === "waiting" && !r.waitingFor && r.startedAt !== null,
  );

const cancel = async (key: string, id: string) => {
  const r = await call("POST", `/v1/runs/${id}/cancel`, { key });
  expect(r.status, JSON.stringify(r.body)).toBe(202);
  return r.body;
};

describe("concurrency per key", () => {
  it("holds a second run for the same key, in order, until the first ends; another key is not held", async () => {
    const t = await newTenant();
    await workflow(t.key, held("Per customer", perCustomer));
    const a1 = await send(t.key, { customer_id: "c-17", n: 1 });
    const a2 = await send(t.key, { customer_id: "c-17", n: 2 });
    const a3 = await send(t.key, { customer_id: "c-17", n: 3 });
    const b1 = await send(t.key, { customer_id: "c-18", n: 1 });
    await started(t.key, a1);
    await started(t.key, b1);
    const w2 = await getRun(t.key, a2);
    expect(w2.status).toBe("waiting");
    expect(w2.startedAt).toBeNull();
    expect(w2.waitingFor).toEqual({
      reason: "concurrency",
      key: "c-17",
      ahead: 0,
      until: null,
      message: "a run for customer c-17 already running (the limit is 1 at a time)",
    });
    const w3 = await getRun(t.key, a3);
    expect(w3.waitingFor).toMatchObject({ reason: "concurrency", ahead: 1 });
    expect(w3.waitingFor.message).toBe("1 run for customer c-17 ahead");
    // The list says the same.
    const list = await call("GET", "/v1/runs?status=waiting", { key: t.key });
    const listed = (list.body.items as Json[]).find((r) => r.id === a3)!;
    expect(listed.waitingFor.message).toBe("1 run for customer c-17 ahead");
    expect((list.body.items as Json[]).find((r) => r.id === a1)!.waitingFor).toBeUndefined();

    // FIFO: the first ends, the second (not the third) starts.
    await cancel(t.key, a1);
    await started(t.key, a2);
    expect((await getRun(t.key, a3)).waitingFor).toMatchObject({ reason: "concurrency", ahead: 0 });
    await cancel(t.key, a2);
    await started(t.key, a3);
    // Never two at once for the key: the second started after the first ended.
    const [r1, r2] = [await getRun(t.key, a1), await getRun(t.key, a2)];
    expect(Date.parse(r2.startedAt)).toBeGreaterThanOrEqual(Date.parse(r1.finishedAt) - 5);
  });

  it("a redelivered event queues nothing new; a test run bypasses flow control", async () => {
    const t = await newTenant();
    const wf = await workflow(t.key, held("Per customer", perCustomer));
    const a1 = await send(t.key, { customer_id: "c-1" });
    await started(t.key, a1);
    const body = { id: "order-same", type: "order.created", data: { customer_id: "c-1" } };
    const first = await call("POST", "/v1/events", { key: t.key, body });
    expect(first.status).toBe(202);
    await eventually(
      () => call("GET", "/v1/events/order-same", { key: t.key }),
      (r) => r.body.runs?.length === 1,
    );
    await call("POST", "/v1/events", { key: t.key, body });
    // Redelivered: the store matches the event again (as after a lost match).
    await storeSql(
      t.tenantId,
      "UPDATE events SET status = 'accepted', retry_at = 0 WHERE id = 'order-same'",
    );
    await runDurableObjectAlarm(storeFor(env, t.tenantId));
    await eventually(
      () => storeSql<Json>(t.tenantId, "SELECT status FROM events WHERE id = 'order-same'"),
      (r) => r[0]?.status === "matched",
    );
    const queued = await storeSql<Json>(t.tenantId, "SELECT run_id FROM flow_queue");
    expect(queued).toHaveLength(1);
    const test = await call("POST", `/v1/workflows/${wf}/runs`, {
      key: t.key,
      body: { event: { type: "order.created", data: { customer_id: "c-1" } } },
    });
    expect(test.status).toBe(202);
    await started(t.key, test.body.runId);
  });

  it("a waiting run can be cancelled: out of the queue, cancelled, audited", async () => {
    const t = await newTenant();
    await workflow(t.key, held("Per customer", perCustomer));
    const a1 = await send(t.key, { customer_id: "c-1" });
    const a2 = await send(t.key, { customer_id: "c-1" });
    await started(t.key, a1);
    expect((await getRun(t.key, a2)).waitingFor?.reason).toBe("concurrency");
    expect((await cancel(t.key, a2)).status).toBe("cancelled");
    const r2 = await getRun(t.key, a2);
    expect(r2.status).toBe("cancelled");
    expect(r2.waitingFor).toBeUndefined();
    expect(await storeSql(t.tenantId, "SELECT run_id FROM flow_queue")).toHaveLength(0);
    const log = await call("GET", `/v1/audit?subject=${a2}`, { key: t.key });
    expect(JSON.stringify(log.body)).toContain("run.cancelled");
    // The first ending now starts nothing.
    await cancel(t.key, a1);
    expect((await getRun(t.key, a2)).status).toBe("cancelled");
  });

  it("a waiting run is released after the store restarts between queueing and release", async () => {
    const t = await newTenant();
    await workflow(t.key, held("Per customer", perCustomer));
    const a1 = await send(t.key, { customer_id: "c-1" });
    const a2 = await send(t.key, { customer_id: "c-1" });
    await started(t.key, a1);
    await abortAllDurableObjects();
    // The first run ends without telling the store (its object restarted too):
    // the store's alarm finds its index row final and gives the slot back.
    await storeSql(t.tenantId, "UPDATE runs SET status = 'cancelled' WHERE id = ?", a1);
    await runDurableObjectAlarm(storeFor(env, t.tenantId));
    await started(t.key, a2);
  });
});

describe("throttle per key", () => {
  it("starts are spread over the period: the second in a minute waits with its time, and starts when the alarm reaches it", async () => {
    const t = await newTenant();
    await workflow(
      t.key,
      held("Throttled", { throttle: { key: "{{ order.customer_id }}", limit: 2, period: "1m" } }),
    );
    const r1 = await send(t.key, { customer_id: "c-1" });
    const r2 = await send(t.key, { customer_id: "c-1" });
    const r3 = await send(t.key, { customer_id: "c-1" });
    const other = await send(t.key, { customer_id: "c-2" });
    await started(t.key, r1);
    await started(t.key, other);
    const w = (await getRun(t.key, r2)).waitingFor;
    expect(w.reason).toBe("throttle");
    expect(w.key).toBe("c-1");
    // Two a minute: one every 30 s, so no minute ever holds a third.
    const until = Date.parse(w.until);
    expect(until).toBeGreaterThan(Date.now() + 10_000);
    expect(until).toBeLessThan(Date.now() + 31_000);
    expect(w.message).toMatch(
      /^the limit of 2 runs a minute for customer c-1 is reached; starts at \d\d:\d\d:\d\d$/,
    );
    expect((await getRun(t.key, r3)).waitingFor.ahead).toBe(1);
    // Half a minute later (the GCRA time moved back by the test): the second starts, the third waits.
    await storeSql(
      t.tenantId,
      "UPDATE flow_marks SET value = value - 30000 WHERE name LIKE 'tat:%'",
    );
    await runDurableObjectAlarm(storeFor(env, t.tenantId));
    await started(t.key, r2);
    expect((await getRun(t.key, r3)).status).toBe("waiting");
    expect((await getRun(t.key, r3)).waitingFor.reason).toBe("throttle");
  });
});

describe("flow marks", () => {
  it("the hourly purge drops marks that say nothing any more, and keeps a throttle's time still ahead", async () => {
    const t = await newTenant();
    await workflow(
      t.key,
      held("Throttled", { throttle: { key: "{{ order.customer_id }}", limit: 1, period: "1h" } }),
    );
    await started(t.key, await send(t.key, { customer_id: "c-1" }));
    await storeSql(
      t.tenantId,
      "INSERT INTO flow_marks (name, value) VALUES ('tat:wf_gone\nold', 1), ('served:wf_gone\nold', 7), ('served:wf:wf_gone', 7)",
    );
    await storeFor(env, t.tenantId).purgeHistory(t.tenantId);
    const names = (await storeSql<Json>(t.tenantId, "SELECT name FROM flow_marks")).map(
      (r) => r.name as string,
    );
    expect(names.filter((n) => n.endsWith("gone\nold") || n === "served:wf:wf_gone")).toEqual([]);
    // c-1's next start is an hour away: its time stays.
    expect(names.filter((n) => n.startsWith("tat:") && n.endsWith("\nc-1"))).toHaveLength(1);
  });
});

describe("debounce per key", () => {
  it("three events for a record: two skipped as debounced, one run with the last event", async () => {
    const t = await newTenant();
    const wf = await workflow(
      t.key,
      held("Debounced", { debounce: { key: "{{ order.id }}", quiet: "1h" } }),
    );
    const ids: string[] = [];
    const events: string[] = [];
    for (const n of [1, 2, 3]) {
      const sent = await call("POST", "/v1/events", {
        key: t.key,
        body: { type: "order.created", data: { id: "r-1", n } },
      });
      events.push(sent.body.id);
      ids.push(await send(t.key, { id: "r-2", n }, wf));
    }
    // The r-1 runs: the first two skipped (replaced), the last waits for quiet.
    const runs = async () =>
      (
        (await call("GET", `/v1/runs?workflowId=${wf}`, { key: t.key })).body.items as Json[]
      ).filter((r) => events.includes(r.eventId));
    const all = await eventually(
      runs,
      (r) => r.length === 3 && r.filter((x) => x.status === "skipped").length === 2,
    );
    const skipped = all.filter((r) => r.status === "skipped");
    expect(skipped.map((r) => r.suppression.reason)).toEqual(["debounced", "debounced"]);
    expect(
      skipped.every((r) =>
        /^replaced by a later event \(.+\) for order r-1$/.test(r.suppression.message),
      ),
    ).toBe(true);
    const last = all.find((r) => r.status === "waiting")!;
    expect(last.eventId).toBe(events[2]);
    expect(last.waitingFor.reason).toBe("debounce");
    expect(last.waitingFor.message).toMatch(/^waiting for events about order r-1 to stop \(until /);
    // Quiet reached: the alarm starts the slot's run, with the last event's data.
    await storeSql(t.tenantId, "UPDATE flow_queue SET until = 0 WHERE state = 'debounce'");
    await runDurableObjectAlarm(storeFor(env, t.tenantId));
    const run = await started(t.key, last.id);
    expect(run.eventId).toBe(events[2]);
    expect(ids).toHaveLength(3);
  });

  it("maxWait bounds a burst that never goes quiet", async () => {
    const t = await newTenant();
    const wf = await workflow(
      t.key,
      held("Debounced", { debounce: { key: "{{ order.id }}", quiet: "1h", maxWait: "2h" } }),
    );
    await send(t.key, { id: "r-1", n: 1 }, wf);
    // The burst began almost two hours ago.
    await storeSql(t.tenantId, "UPDATE flow_queue SET first_at = first_at - 7140000");
    const second = await send(t.key, { id: "r-1", n: 2 }, wf);
    const w = (await getRun(t.key, second)).waitingFor;
    expect(w.reason).toBe("debounce");
    expect(Date.parse(w.until)).toBeLessThan(Date.now() + 120_000);
  });
});

describe("the tenant-wide cap", () => {
  /** Runs counted as running that the test holds (rows the store counts). */
  const fill = (tenantId: string, n: number) =>
    Promise.all(
      Array.from({ length: n }, (_, i) =>
        storeSql(
          tenantId,
          "INSERT INTO flow_active (run_id, workflow_id, slot, running) VALUES (?, 'wf_other', NULL, 1)",
          `run_fake_${i}`,
        ),
      ),
    );

  it("is a tenant setting (GET/PUT), 1 to 1000", async () => {
    const t = await newTenant();
    expect((await call("GET", "/v1/settings/tenant", { key: t.key })).body.maxRunningRuns).toBe(
      100,
    );
    const put = await call("PUT", "/v1/settings/tenant", {
      key: t.key,
      body: { maxRunningRuns: 2 },
    });
    expect(put.status).toBe(200);
    expect(put.body.maxRunningRuns).toBe(2);
    const bad = await call("PUT", "/v1/settings/tenant", {
      key: t.key,
      body: { maxRunningRuns: 0 },
    });
    expect(bad.status).toBe(400);
    const [row] = await storeSql<Json>(
      t.tenantId,
      "SELECT value FROM store_meta WHERE key = 'max_running_runs'",
    );
    expect(row!.value).toBe("2");
  });

  it("a run beyond the cap waits, and the workflows take turns as slots free", async () => {
    const t = await newTenant();
    await call("PUT", "/v1/settings/tenant", { key: t.key, body: { maxRunningRuns: 2 } });
    const a = await workflow(t.key, { ...held("A", {}), trigger: { event: "order.created" } });
    await workflow(t.key, { ...held("B", {}), trigger: { event: "invoice.created" } });
    await fill(t.tenantId, 2);
    const a1 = await send(t.key, { n: 1 }, a);
    const a2 = await send(t.key, { n: 2 }, a);
    const sentB = await call("POST", "/v1/events", {
      key: t.key,
      body: { type: "invoice.created", data: {} },
    });
    const b1 = (
      await eventually(
        () => call("GET", `/v1/events/${sentB.body.id}`, { key: t.key }),
        (r) => r.body.runs?.length === 1,
      )
    ).body.runs[0].id as string;
    const w = (await getRun(t.key, a2)).waitingFor;
    expect(w.reason).toBe("tenant_limit");
    expect(w.key).toBeNull();
    expect(w.ahead).toBe(1);
    expect(w.message).toBe("the workspace's limit of 2 running runs is reached; 1 run ahead");
    // One slot frees: the oldest goes (a1); the next: workflow B (A was just served), before a2.
    await storeSql(t.tenantId, "DELETE FROM flow_active WHERE run_id = 'run_fake_0'");
    await runDurableObjectAlarm(storeFor(env, t.tenantId));
    await started(t.key, a1);
    // a1 waits on its delay: it no longer counts as running.
    await eventually(
      () => storeSql<Json>(t.tenantId, "SELECT running FROM flow_active WHERE run_id = ?", a1),
      (r) => r[0]?.running === 0,
    );
    await storeSql(t.tenantId, "DELETE FROM flow_active WHERE run_id = 'run_fake_1'");
    await storeSql(
      t.tenantId,
      "INSERT INTO flow_active (run_id, workflow_id, slot, running) VALUES ('run_fake_2', 'wf_other', NULL, 1)",
    );
    await runDurableObjectAlarm(storeFor(env, t.tenantId));
    const rb = await started(t.key, b1);
    // B went first; a2 follows once B waits on its delay (it stops counting as running).
    const ra2 = await started(t.key, a2);
    expect(Date.parse(ra2.startedAt)).toBeGreaterThanOrEqual(Date.parse(rb.startedAt));
  });
});

describe("retries and validation", () => {
  it("a retry of a failed run waits behind a running run for its key, then runs", async () => {
    const t = await newTenant();
    const editor = await member(t.key, "editor");
    await workflow(t.key, {
      name: "Retry under concurrency",
      trigger: { event: "order.created" },
      ...perCustomer,
      steps: [
        {
          id: "branch",
          if: "order.hold == true",
          then: [{ id: "hold", delay: "1h" }],
          else: [
            {
              id: "tell",
              action: "notify_user",
              config: { user: "{{ order.user }}", message: "Order" },
            },
          ],
        },
      ],
    });
    const failed = await send(t.key, {
      customer_id: "c-1",
      hold: false,
      user: "stranger@example.com",
    });
    await eventually(
      () => getRun(t.key, failed),
      (r) => r.status === "failed",
    );
    const holder = await send(t.key, { customer_id: "c-1", hold: true, user: editor.email });
    await started(t.key, holder);
    const retry = await call("POST", `/v1/runs/${failed}/retry`, { key: t.key });
    expect(retry.status, JSON.stringify(retry.body)).toBe(202);
    expect(retry.body.status).toBe("waiting");
    const w = await getRun(t.key, failed);
    expect(w.status).toBe("waiting");
    expect(w.waitingFor).toMatchObject({ reason: "concurrency", key: "c-1", ahead: 0 });
    await cancel(t.key, holder);
    // Released: the retry runs (and fails again: the user is still a stranger).
    await eventually(
      () => getRun(t.key, failed),
      (r) => r.status === "failed" && !r.waitingFor && r.steps.some((s: Json) => s.attempts >= 1),
    );
    expect(await storeSql(t.tenantId, "SELECT run_id FROM flow_queue")).toHaveLength(0);
  });

  it("a definition with bad flow control is refused with paths (422)", async () => {
    const t = await newTenant();
    const r = await call("POST", "/v1/workflows", {
      key: t.key,
      body: held("Bad", {
        concurrency: { key: "{{ steps.x.output }}", limit: 0 },
        debounce: { quiet: "10m", maxWait: "1m" },
      }),
    });
    expect(r.status).toBe(422);
    const paths = (r.body.error.details as Json[]).map((d) => d.path);
    expect(paths).toEqual(
      expect.arrayContaining(["concurrency.limit", "concurrency.key", "debounce.maxWait"]),
    );
  });
});
