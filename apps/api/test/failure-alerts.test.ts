import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { RunEnd } from "../src/store/alerts.ts";
import { storeFor } from "../src/store/client.ts";
import type { RunRow } from "../src/store/runs.ts";
import { alertEmails, alertsOf, runOnce, setup } from "./failing-workflow.ts";
import { call, eventually, type Json, newTenant } from "./helpers.ts";

// Failure alerts (issue 14): a workflow whose runs fail tells its people
// once per streak, counts the rest, and says when it recovers.

describe("failure alerts", () => {
  it("tell the publisher, the admins and the owner once per streak, count the rest and announce the recovery", async () => {
    const s = await setup("Orders");
    const first = await runOnce(s, "failed");
    await runOnce(s, "failed");
    await runOnce(s, "failed");

    const told = [s.t.email, s.admin.email, s.editor.email].sort();
    const alerts = await alertsOf(s.t.key);
    expect(alerts.map((a) => a.user).sort()).toEqual(told);
    for (const a of alerts) {
      expect(a.message).toBe(
        "Workflow 'Orders' failed at step 'Tell the account manager': config.user: 'stranger@example.com' is not a member of this tenant; invite them first (POST /v1/members)",
      );
      expect(a.link).toBe(`/runs/${first}`);
      expect(a.runId).toBe(first);
    }
    const emails = await alertEmails(s.t.key);
    expect(emails.map((e) => e.to).sort()).toEqual(told);
    for (const e of emails) {
      expect(e.subject).toBe("Workflow 'Orders' is failing");
      expect(e.body).toContain(alerts[0]!.message);
      // The link is on the platform's own origin, to the run's page.
      const links = String(e.body).match(/https?:\/\/\S+/g);
      expect(links).toEqual([`${env.SWITCHYARD_PUBLIC_URL}/runs/${first}`]);
    }

    // The workflow list shows the streak.
    const list = await call("GET", "/v1/workflows", { key: s.t.key });
    const wf = (list.body.items as Json[]).find((w) => w.id === s.workflowId)!;
    expect(wf.failing).toMatchObject({
      failedRuns: 3,
      step: "Tell the account manager",
      lastRunId: expect.any(String),
    });
    expect(wf.alerts).toBeNull();

    const ok = await runOnce(s, "succeeded");
    const after = await alertsOf(s.t.key);
    const recovered = after.filter((a) => a.message.includes("recovered"));
    expect(recovered.map((a) => a.user).sort()).toEqual(told);
    for (const a of recovered) {
      expect(a.message).toBe("Workflow 'Orders' recovered after 3 failed runs.");
      expect(a.link).toBe(`/runs/${ok}`);
    }
    expect(
      (await alertEmails(s.t.key)).filter((e) => e.subject.includes("recovered")),
    ).toHaveLength(3);
    const healthy = await call("GET", `/v1/workflows/${s.workflowId}`, { key: s.t.key });
    expect(healthy.body.failing).toBeNull();

    // A new streak alerts again.
    await runOnce(s, "failed");
    expect(await alertsOf(s.t.key)).toHaveLength(9);
  });

  it("alerts once when the same run end is delivered twice", async () => {
    const t = await newTenant();
    const store = storeFor(env, t.tenantId);
    const at = new Date().toISOString();
    const row = (id: string, seq: number): RunRow => ({
      tenantId: t.tenantId,
      id,
      workflowId: "wf_dup",
      workflowVersion: 1,
      eventId: `ev_${id}`,
      status: "failed",
      test: false,
      startedAt: at,
      finishedAt: at,
      causation: JSON.stringify({ originEventId: `ev_${id}`, chain: [], depth: 0 }),
      filter: null,
      suppression: null,
      error: null,
      seq,
      hasObject: true,
      steps: null,
      createdAt: at,
      updatedAt: at,
    });
    const end = (id: string, seq: number): RunEnd => ({
      runId: id,
      workflowId: "wf_dup",
      workflowName: "Dup",
      status: "failed",
      seq,
      finishedAt: at,
      step: { id: "s", name: "Send it", input: {} },
      error: "It broke",
    });
    await store.indexRun(t.tenantId, row("run_dup1", 4), undefined, end("run_dup1", 4));
    await store.indexRun(t.tenantId, row("run_dup1", 4), undefined, end("run_dup1", 4));
    const alerts = await alertsOf(t.key);
    expect(alerts.map((a) => a.message)).toEqual([
      "Workflow 'Dup' failed at step 'Send it': It broke",
    ]);
    expect(await alertEmails(t.key)).toHaveLength(1);
    const [streak] = await store.failingWorkflows(t.tenantId);
    expect(streak?.failedRuns).toBe(1);
    // The same run failing again after a retry is a later checkpoint: it counts.
    await store.indexRun(t.tenantId, row("run_dup1", 9), undefined, end("run_dup1", 9));
    expect((await store.failingWorkflows(t.tenantId))[0]?.failedRuns).toBe(2);
    expect(await alertsOf(t.key)).toHaveLength(1);
  });

  it("count a run whose filter failed: its workflow alerts once", async () => {
    const t = await newTenant();
    const wf = await call("POST", "/v1/workflows", {
      key: t.key,
      body: {
        name: "Picky",
        trigger: { event: "order.created" },
        filter: "order.customer.name == 'x'",
        steps: [{ id: "wait", delay: "1s" }],
      },
    });
    expect(wf.status).toBe(201);
    for (const id of [1, 2]) {
      const ev = await call("POST", "/v1/events", {
        key: t.key,
        body: { type: "order.created", data: { id } },
      });
      await eventually(
        () => call("GET", `/v1/runs?eventId=${ev.body.id}`, { key: t.key }),
        (r) => r.body.items?.[0]?.status === "failed",
      );
    }
    const alerts = await eventually(
      () => alertsOf(t.key),
      (a) => a.length > 0,
    );
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.message).toMatch(/^Workflow 'Picky' failed at step 'Filter': /);
    const list = await call("GET", `/v1/workflows/${wf.body.id}`, { key: t.key });
    expect(list.body.failing.failedRuns).toBe(2);
  });

  it("deliver an alert that did not go out from the store's alarm", async () => {
    const t = await newTenant();
    await call("GET", "/v1/notifications", { key: t.key }); // binds the store to its tenant
    const store = storeFor(env, t.tenantId);
    const alert = {
      id: "alert_run_owed_3",
      kind: "failing",
      workflowId: "wf_owed",
      workflowName: "Owed",
      runId: "run_owed",
      at: new Date().toISOString(),
      count: 1,
      since: new Date().toISOString(),
      step: "Charge the card",
      error: "The card was declined",
    };
    await runInDurableObject(store, async (_i, state) => {
      state.storage.sql.exec(
        "INSERT INTO owed_alerts (id, tenant_id, alert, created_at) VALUES (?, ?, ?, ?)",
        alert.id,
        t.tenantId,
        JSON.stringify(alert),
        alert.at,
      );
      await state.storage.setAlarm(Date.now() + 60_000);
    });
    expect(await runDurableObjectAlarm(store)).toBe(true);
    const alerts = await alertsOf(t.key);
    expect(alerts.map((a) => [a.user, a.message])).toEqual([
      [t.email, "Workflow 'Owed' failed at step 'Charge the card': The card was declined"],
    ]);
    expect(await alertEmails(t.key)).toHaveLength(1);
    const left = await runInDurableObject(store, (_i, state) =>
      state.storage.sql.exec("SELECT count(*) AS n FROM owed_alerts").one(),
    );
    expect(left.n).toBe(0);
  });

  it("tell nobody when the tenant turns them off, and only the chosen members when a workflow names them", async () => {
    const s = await setup("Quiet");
    const off = await call("PUT", "/v1/settings/tenant", {
      key: s.t.key,
      body: { alerts: { enabled: false, recipients: "default" } },
    });
    expect(off.status).toBe(200);
    expect(off.body.alerts).toEqual({ enabled: false, recipients: "default" });
    expect((await call("GET", "/v1/settings/tenant", { key: s.t.key })).body.alerts).toEqual({
      enabled: false,
      recipients: "default",
    });
    await runOnce(s, "failed");
    await runOnce(s, "succeeded");
    expect(await alertsOf(s.t.key)).toEqual([]);
    expect(await alertEmails(s.t.key)).toEqual([]);

    // The workflow chooses its own: the viewer alone, though the tenant says off.
    const bad = await call("PATCH", `/v1/workflows/${s.workflowId}`, {
      key: s.t.key,
      body: { alerts: { enabled: true, recipients: [s.viewer.id, "usr_nobody"] } },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details).toEqual([
      {
        path: "alerts.recipients[1]",
        message: "'usr_nobody' is not a member of this workspace (GET /v1/members lists them)",
      },
    ]);
    const chosen = await call("PATCH", `/v1/workflows/${s.workflowId}`, {
      key: s.t.key,
      body: { alerts: { enabled: true, recipients: [s.viewer.id] } },
    });
    expect(chosen.status).toBe(200);
    expect(chosen.body.alerts).toEqual({ enabled: true, recipients: [s.viewer.id] });
    await runOnce(s, "failed");
    expect((await alertsOf(s.t.key)).map((a) => a.user)).toEqual([s.viewer.email]);
    expect((await alertEmails(s.t.key)).map((e) => e.to)).toEqual([s.viewer.email]);

    // A viewer may not change who is told.
    const asViewer = await call("PATCH", `/v1/workflows/${s.workflowId}`, {
      cookie: s.viewer.cookie,
      headers: s.viewer.headers,
      body: { alerts: null },
    });
    expect(asViewer.status).toBe(403);
  });
});
