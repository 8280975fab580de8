// Backtest a draft (issue 16, item 4): POST /v1/workflows/:id/backtest
// dry-runs the draft and the live version over the tenant's past events of
// the trigger's type, and writes nothing.
import type { WorkflowDefinition } from "@switchyard/engine";
import { describe, expect, it } from "vitest";
import { backtest, type EventSource } from "../src/services/backtest.ts";
import { addMember, call, eventually, type Json, login, newTenant, storeSql } from "./helpers.ts";

const orders = (filter: string) => ({
  name: "Orders",
  trigger: { event: "order.created" },
  filter,
  steps: [
    {
      id: "big",
      if: "order.amount > 150",
      then: [
        {
          id: "tell",
          action: "send_email",
          config: { to: "{{ order.customer.email }}", subject: "Order {{ order.id }}", body: "Hi" },
        },
      ],
    },
  ],
});

const AMOUNTS = [30, 70, 120, 200, 80];

/** A workflow live with `> 100`, a draft with `> 50`, and five orders sent. */
async function setUp() {
  const t = await newTenant();
  const created = await call("POST", "/v1/workflows", {
    key: t.key,
    body: orders("order.amount > 100"),
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const id: string = created.body.id;
  const draft = await call("PUT", `/v1/workflows/${id}`, {
    key: t.key,
    body: { ...orders("order.amount > 50"), publish: false },
  });
  expect(draft.body).toMatchObject({ liveVersion: 1, draftVersion: 2 });
  for (const [i, amount] of AMOUNTS.entries()) {
    const sent = await call("POST", "/v1/events", {
      key: t.key,
      body: {
        id: `o-${i + 1}`,
        type: "order.created",
        data: { id: `${1040 + i}`, amount, customer: { email: "c@example.com" } },
      },
    });
    expect(sent.status).toBe(202);
  }
  // Another type, and a test event sent to this workflow alone: neither counts.
  await call("POST", "/v1/events", {
    key: t.key,
    body: { type: "order.shipped", data: { id: "1", amount: 999 } },
  });
  const test = await call("POST", `/v1/workflows/${id}/runs`, {
    key: t.key,
    body: { event: { data: { id: "9", amount: 999, customer: { email: "c@x.io" } } } },
  });
  expect(test.status).toBe(202);
  await eventually(
    () => storeSql(t.tenantId, "SELECT count(*) AS n FROM events WHERE status = 'accepted'"),
    (rows) => rows[0]?.n === 0,
  );
  // The live runs finish: order 1043's email and the test run's are sent.
  await eventually(
    () =>
      storeSql(
        t.tenantId,
        "SELECT (SELECT count(*) FROM runs WHERE status IN ('running', 'waiting')) AS open, (SELECT count(*) FROM outbox) AS sent",
      ),
    (rows) => rows[0]?.open === 0 && rows[0]?.sent === 2,
  );
  return { t, id };
}

const counts = async (tenantId: string) => ({
  runs: (await storeSql(tenantId, "SELECT count(*) AS n FROM runs"))[0]?.n,
  outbox: (await storeSql(tenantId, "SELECT count(*) AS n FROM outbox"))[0]?.n,
  events: (await storeSql(tenantId, "SELECT count(*) AS n FROM events"))[0]?.n,
});

describe("POST /v1/workflows/:id/backtest", () => {
  it("answers per event for the draft and the live version, newest first, with no effects", async () => {
    const { t, id } = await setUp();
    const before = await counts(t.tenantId);
    const res = await call("POST", `/v1/workflows/${id}/backtest`, { key: t.key, body: {} });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({
      version: 2,
      liveVersion: 1,
      eventType: "order.created",
      events: 5,
      matched: 4,
      liveMatched: 2,
      differ: 2,
      truncated: false,
    });
    const items: Json[] = res.body.items;
    expect(items.map((i) => i.eventId)).toEqual(["o-5", "o-4", "o-3", "o-2", "o-1"]);
    expect(items.map((i) => [i.key, i.matched, i.live.matched, i.run?.status])).toEqual([
      ["order 1044", true, false, "filtered"],
      ["order 1043", true, true, expect.not.stringMatching(/^filtered$/)],
      ["order 1042", true, true, expect.not.stringMatching(/^filtered$/)],
      ["order 1041", true, false, "filtered"],
      ["order 1040", false, false, "filtered"],
    ]);
    // The filter's explanation: the amount it read and the answer.
    const first = items[0]!;
    expect(first.explain).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ source: "order.amount", value: 80 }),
        expect.objectContaining({ source: "order.amount > 50", value: true }),
      ]),
    );
    // Steps with the branch taken: 200 takes `then`, 80 does not.
    expect(items[1]!.steps).toEqual([
      { id: "big", kind: "if", runs: true, branch: "then" },
      { id: "tell", action: "send_email", runs: true },
    ]);
    expect(first.steps).toEqual([
      { id: "big", kind: "if", runs: true, branch: "else" },
      { id: "tell", action: "send_email", runs: false },
    ]);
    expect(items[4]!.steps).toEqual([]);
    expect(await counts(t.tenantId)).toEqual(before);
    // Nothing in the audit log either: it is a read.
    const audit = await call("GET", "/v1/audit", { key: t.key });
    expect(JSON.stringify(audit.body)).not.toContain("backtest");
  });

  it("takes a stored version and a limit", async () => {
    const { t, id } = await setUp();
    const v1 = await call("POST", `/v1/workflows/${id}/backtest`, {
      key: t.key,
      body: { version: 1 },
    });
    expect(v1.body).toMatchObject({ version: 1, events: 5, matched: 2, liveMatched: 2, differ: 0 });
    const two = await call("POST", `/v1/workflows/${id}/backtest`, {
      key: t.key,
      body: { limit: 2 },
    });
    expect(two.body).toMatchObject({ events: 2, matched: 2, liveMatched: 1 });
    expect(two.body.items.map((i: Json) => i.eventId)).toEqual(["o-5", "o-4"]);
    const missing = await call("POST", `/v1/workflows/${id}/backtest`, {
      key: t.key,
      body: { version: 9 },
    });
    expect(missing.status).toBe(404);
  });

  it("says when a filter fails on an event", async () => {
    const { t, id } = await setUp();
    await call("PUT", `/v1/workflows/${id}`, {
      key: t.key,
      body: { ...orders("order.amount / (order.amount - 70) > 0"), publish: false },
    });
    const res = await call("POST", `/v1/workflows/${id}/backtest`, { key: t.key, body: {} });
    expect(res.status).toBe(200);
    const o2 = res.body.items.find((i: Json) => i.eventId === "o-2");
    // Division by zero is an error: the run would fail at its filter.
    expect(o2.matched).toBe(false);
    expect(o2.error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
    expect(o2.steps).toEqual([]);
    expect(res.body.items.find((i: Json) => i.eventId === "o-3")).toMatchObject({ matched: true });
  });

  it("refuses bad bodies, unknown workflows, other tenants and viewers", async () => {
    const { t, id } = await setUp();
    for (const body of [
      { limit: 1001 },
      { limit: 0 },
      { limit: "ten" },
      { version: -1 },
      { x: 1 },
    ]) {
      const res = await call("POST", `/v1/workflows/${id}/backtest`, { key: t.key, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    const max = await call("POST", `/v1/workflows/${id}/backtest`, {
      key: t.key,
      body: { limit: 1000 },
    });
    expect(max.body).toMatchObject({ events: 5, truncated: false });
    const unknown = await call("POST", "/v1/workflows/wf_nope/backtest", { key: t.key, body: {} });
    expect(unknown.status).toBe(404);
    const other = await newTenant("Other");
    const theirs = await call("POST", `/v1/workflows/${id}/backtest`, { key: other.key, body: {} });
    expect(theirs.status).toBe(404);

    const viewer = `viewer-${crypto.randomUUID().slice(0, 8)}@example.com`;
    await addMember(t.key, viewer, "viewer", { password: "viewer-password-1" });
    const session = await login(viewer, "viewer-password-1");
    const denied = await call("POST", `/v1/workflows/${id}/backtest`, {
      cookie: session.cookie,
      headers: { "x-csrf-token": session.csrf },
      body: {},
    });
    expect(denied.status).toBe(403);
  });

  it("has no live answer before a version is published", async () => {
    const t = await newTenant();
    const created = await call("POST", "/v1/workflows", {
      key: t.key,
      body: { ...orders("order.amount > 50"), publish: false },
    });
    const id = created.body.id;
    await call("POST", "/v1/events", {
      key: t.key,
      body: { type: "order.created", data: { id: "1", amount: 60 } },
    });
    const res = await call("POST", `/v1/workflows/${id}/backtest`, { key: t.key, body: {} });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({
      liveVersion: null,
      events: 1,
      matched: 1,
      liveMatched: null,
      differ: 0,
    });
    expect(res.body.items[0].live).toBeNull();
  });
});

describe("backtest's bounds (the service, over a stand-in store)", () => {
  const def = (filter: string, trigger: Json = { event: "order.created" }) =>
    ({ ...orders(filter), trigger }) as unknown as WorkflowDefinition;
  /** `n` events newest first, paged as the store pages them (limit + 1). */
  function fakeStore(rows: Json[]) {
    const calls: Json[] = [];
    const store = {
      async listEvents(_tenant: string, q: Json) {
        calls.push(q);
        const from = q.after ? rows.findIndex((r) => r.id === q.after.id) + 1 : 0;
        return rows
          .filter((r) => r.type === q.type)
          .slice(from, from + q.limit + 1)
          .map((r) => ({ ...r, runs: [] }));
      },
    } as unknown as EventSource;
    return { store, calls };
  }
  const row = (i: number, type = "order.created", data: Json = { id: `${i}`, amount: i }) => ({
    tenantId: "t",
    id: `e-${String(i).padStart(4, "0")}`,
    type,
    data: JSON.stringify(data),
    changes: null,
    occurredAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
    receivedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
    source: "api",
    onlyWorkflowId: null,
  });

  it("pages through the store up to the limit, newest first", async () => {
    const rows = Array.from({ length: 130 }, (_, i) => row(130 - i));
    const { store, calls } = fakeStore(rows);
    const r = await backtest(store, "t", {
      workflowId: "wf",
      version: { version: 2, definition: def("order.amount > 50") },
      live: { version: 1, definition: def("order.amount > 100") },
      limit: 120,
    });
    // Amounts 130 down to 11: 80 are over 50, 30 over 100.
    expect(r).toMatchObject({ events: 120, matched: 80, liveMatched: 30, truncated: false });
    expect(r.items[0]!.eventId).toBe("e-0130");
    expect(calls.length).toBe(3);
  });

  it("stops at the time budget and says so", async () => {
    const rows = Array.from({ length: 300 }, (_, i) => row(300 - i));
    const { store, calls } = fakeStore(rows);
    let t = 0;
    const r = await backtest(
      store,
      "t",
      {
        workflowId: "wf",
        version: { version: 1, definition: def("order.amount > 50") },
        live: null,
        limit: 300,
      },
      // Each look at the clock is a few seconds later: the second page is past the budget.
      () => (t += 3_000),
    );
    expect(r.truncated).toBe(true);
    expect(r.events).toBeLessThan(300);
    expect(calls.length).toBeLessThan(3);
  });

  it("tries a schedule's own fired events only", async () => {
    const fired = (i: number, workflowId: string) =>
      row(i, "schedule.fired", { scheduleId: "s", workflowId, nominal: "x" });
    const { store } = fakeStore([fired(3, "wf"), fired(2, "other"), fired(1, "wf")]);
    const r = await backtest(store, "t", {
      workflowId: "wf",
      version: { version: 1, definition: def("true", { schedule: { every: "1h" } }) },
      live: null,
      limit: 100,
    });
    expect(r).toMatchObject({ eventType: "schedule.fired", events: 2, matched: 2 });
  });
});
