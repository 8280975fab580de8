import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { RunEnd } from "../src/store/alerts.ts";
import { storeFor } from "../src/store/client.ts";
import type { RunRow } from "../src/store/runs.ts";
import { alertEmails, alertsOf, runOnce, setup } from "./failing-workflow.ts";
import { call, eventually, type Json } from "./helpers.ts";

// Auto-pause (issue 14): a workflow failing above its own threshold (N
// failed runs within M minutes) is paused — it starts no new runs — with
// why shown beside it, audited, and told to the people failure alerts
// reach; turning it back on ends the pause and counts afresh.

const patch = (s: Awaited<ReturnType<typeof setup>>, body: Json) =>
  call("PATCH", `/v1/workflows/${s.workflowId}`, {
    cookie: s.editor.cookie,
    headers: s.editor.headers,
    body,
  });

describe("auto-pause", () => {
  it("pauses a workflow after N failed runs within M minutes, says why, and resumes afresh", async () => {
    const s = await setup("Orders");
    const set = await patch(s, { autoPause: { failures: 3, minutes: 10 } });
    expect(set.status).toBe(200);
    expect(set.body.autoPause).toEqual({ failures: 3, minutes: 10 });
    expect(set.body.paused).toBeNull();

    await runOnce(s, "failed");
    await runOnce(s, "failed");
    const still = await call("GET", `/v1/workflows/${s.workflowId}`, { key: s.t.key });
    expect(still.body).toMatchObject({ enabled: true, paused: null });
    const third = await runOnce(s, "failed");

    const paused = await eventually(
      () => call("GET", `/v1/workflows/${s.workflowId}`, { key: s.t.key }),
      (r) => r.body.paused !== null,
    );
    expect(paused.body.enabled).toBe(false);
    expect(paused.body.paused).toEqual({
      at: expect.any(String),
      failures: 3,
      minutes: 10,
      runId: third,
    });

    // It starts no new runs.
    const ev = await call("POST", "/v1/events", {
      key: s.t.key,
      body: { type: "order.created", data: { id: 99, user: s.t.email } },
    });
    await eventually(
      () => call("GET", `/v1/events/${ev.body.id}`, { key: s.t.key }),
      (r) => r.body.status === "matched",
    );
    expect(
      (await call("GET", `/v1/runs?eventId=${ev.body.id}`, { key: s.t.key })).body.items,
    ).toEqual([]);

    // The people told of failures hear of the pause, with the way back.
    const told = [s.t.email, s.admin.email, s.editor.email].sort();
    const notes = (await alertsOf(s.t.key)).filter((a) => String(a.message).includes("paused"));
    expect(notes.map((a) => a.user).sort()).toEqual(told);
    for (const a of notes) {
      expect(a.message).toBe(
        "Workflow 'Orders' was paused after 3 failed runs within 10 minutes. It starts no new runs until someone turns it back on.",
      );
      expect(a.link).toBe(`/workflows/${s.workflowId}/settings`);
    }
    const emails = (await alertEmails(s.t.key)).filter((e) => e.subject.includes("paused"));
    expect(emails.map((e) => e.to).sort()).toEqual(told);
    expect(emails[0]!.body).toContain(
      `${env.SWITCHYARD_PUBLIC_URL}/workflows/${s.workflowId}/settings`,
    );
    expect(emails[0]!.body).toContain(`${env.SWITCHYARD_PUBLIC_URL}/runs/${third}`);

    // Audited once, by the system.
    const audit = await call("GET", "/v1/audit?type=workflow.paused", { key: s.t.key });
    expect(audit.body.items).toHaveLength(1);
    expect(audit.body.items[0]).toMatchObject({
      actor: { type: "system", id: "auto-pause" },
      subject: s.workflowId,
      details: {
        failedRuns: 3,
        withinMinutes: 10,
        lastRun: third,
        step: "Tell the account manager",
      },
    });

    // Turned back on: the pause ends, the audit says it was a pause, and failures count afresh.
    const on = await call("POST", `/v1/workflows/${s.workflowId}/enable`, {
      cookie: s.editor.cookie,
      headers: s.editor.headers,
    });
    expect(on.status).toBe(200);
    const resumed = await call("GET", `/v1/workflows/${s.workflowId}`, { key: s.t.key });
    expect(resumed.body).toMatchObject({
      enabled: true,
      paused: null,
      autoPause: { failures: 3, minutes: 10 },
    });
    const enabled = await call("GET", "/v1/audit?type=workflow.enabled", { key: s.t.key });
    expect(enabled.body.items[0].details).toMatchObject({
      pausedAutomatically: { failures: 3, runId: third },
    });
    await runOnce(s, "failed");
    await runOnce(s, "failed");
    const after = await call("GET", `/v1/workflows/${s.workflowId}`, { key: s.t.key });
    expect(after.body).toMatchObject({ enabled: true, paused: null });
  });

  it("counts only the failures within the window", async () => {
    const s = await setup("Windowed");
    await patch(s, { autoPause: { failures: 3, minutes: 10 } });
    const store = storeFor(env, s.t.tenantId);
    const t0 = Date.parse("2026-12-01T09:00:00.000Z");
    const at = (minutes: number) => new Date(t0 + minutes * 60_000).toISOString();
    const end = async (i: number, minutes: number) => {
      const runId = `run_window_${i}`;
      const row: RunRow = {
        tenantId: s.t.tenantId,
        id: runId,
        workflowId: s.workflowId,
        workflowVersion: 1,
        eventId: `ev_window_${i}`,
        status: "failed",
        test: false,
        startedAt: at(minutes),
        finishedAt: at(minutes),
        causation: JSON.stringify({ originEventId: `ev_window_${i}`, chain: [], depth: 0 }),
        filter: null,
        suppression: null,
        error: null,
        seq: 3,
        hasObject: true,
        steps: null,
        createdAt: at(minutes),
        updatedAt: at(minutes),
      };
      const e: RunEnd = {
        runId,
        workflowId: s.workflowId,
        workflowName: "Windowed",
        status: "failed",
        seq: 3,
        finishedAt: at(minutes),
        step: { id: "tell", name: "Tell the account manager", input: {} },
        error: "It broke",
      };
      await store.indexRun(s.t.tenantId, row, undefined, e);
    };
    const pausedNow = async () =>
      (await call("GET", `/v1/workflows/${s.workflowId}`, { key: s.t.key })).body.paused;
    await end(1, 0);
    await end(2, 6);
    await end(3, 12); // the first is out of the window: two within 10 minutes
    expect(await pausedNow()).toBeNull();
    await end(4, 13); // three within 10 minutes (6, 12, 13)
    expect(await pausedNow()).toMatchObject({ failures: 3, minutes: 10, runId: "run_window_4" });
    // A repeat of the same end pauses nothing twice.
    await end(4, 13);
    const audit = await call("GET", "/v1/audit?type=workflow.paused", { key: s.t.key });
    expect(audit.body.items).toHaveLength(1);
  });

  it("refuses thresholds out of bounds, and null turns it off", async () => {
    const s = await setup("Bounds");
    for (const autoPause of [
      { failures: 1, minutes: 10 },
      { failures: 3, minutes: 0 },
      { failures: 3, minutes: 10_081 },
      { failures: 2.5, minutes: 10 },
      { failures: 3 },
      { failures: 3, minutes: 10, extra: true },
    ]) {
      const r = await patch(s, { autoPause });
      expect(r.status, JSON.stringify(autoPause)).toBe(400);
      expect(r.body.error.code).toBe("bad_request");
      expect(JSON.stringify(r.body.error)).toContain("autoPause");
    }
    expect(
      (await patch(s, { autoPause: { failures: 2, minutes: 10_080 } })).body.autoPause,
    ).toEqual({
      failures: 2,
      minutes: 10_080,
    });
    const off = await patch(s, { autoPause: null });
    expect(off.status).toBe(200);
    expect(off.body.autoPause).toBeNull();
    const changes = await call("GET", "/v1/audit?type=workflow.updated", { key: s.t.key });
    expect(changes.body.items.map((e: Json) => e.details.autoPause)).toEqual([
      { old: { failures: 2, minutes: 10_080 }, new: null },
      { old: null, new: { failures: 2, minutes: 10_080 } },
    ]);
  });
});
