// Schedule triggers (issue 15, part 1): a workflow starts on a schedule kept
// in its tenant's own store; each occurrence is a `schedule.fired` event
// whose id is the schedule's id and the nominal time; occurrences that do
// not run (the previous run still going, missed while down) are `skipped`
// runs with their reason. The timing rules themselves (cron, zones,
// daylight saving, catch-up) are tested pure in packages/engine.
import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { storeFor } from "../src/store/client.ts";
import { call, eventually, type Json, newTenant, storeSql } from "./helpers.ts";

const scheduled = (schedule: Json, steps?: Json[]) => ({
  name: "Scheduled digest",
  trigger: { schedule },
  steps: steps ?? [
    {
      id: "mail",
      action: "send_email",
      config: {
        to: "ops@example.com",
        subject: "Digest for {{ schedule.nominal }}",
        body: "Previous: {{ schedule.previousNominal }}",
      },
    },
  ],
});

async function runsOf(key: string, workflowId: string, status?: string): Promise<Json[]> {
  const q = new URLSearchParams({ workflowId, limit: "100", ...(status ? { status } : {}) });
  return (await call("GET", `/v1/runs?${q}`, { key })).body.items;
}

describe("schedule triggers", () => {
  it("refuse a schedule with problems, each at its path, and a client's schedule.fired event", async () => {
    const t = await newTenant();
    const bad = await call("POST", "/v1/workflows", {
      key: t.key,
      body: scheduled({ cron: "61 * * * *", timezone: "Mars/Olympus", overlap: "sometimes" }),
    });
    expect(bad.status).toBe(422);
    const paths = bad.body.error.details.map((d: Json) => d.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "trigger.schedule.cron",
        "trigger.schedule.timezone",
        "trigger.schedule.overlap",
      ]),
    );
    const both = await call("POST", "/v1/workflows", {
      key: t.key,
      body: {
        ...scheduled({ every: "1h" }),
        trigger: { event: "order.created", schedule: { every: "1h" } },
      },
    });
    expect(both.status).toBe(422);
    expect(both.body.error.details[0].path).toBe("trigger");
    const named = await call("POST", "/v1/workflows", {
      key: t.key,
      body: { ...scheduled({ every: "1h" }), trigger: { event: "schedule.fired" } },
    });
    expect(named.status).toBe(422);
    expect(named.body.error.details[0].message).toContain("schedule trigger");
    const spoof = await call("POST", "/v1/events", {
      key: t.key,
      body: { type: "schedule.fired", data: { workflowId: "wf_x" } },
    });
    expect(spoof.status).toBe(400);
    expect(JSON.stringify(spoof.body.error.details)).toContain(
      "schedule.fired events are the platform's",
    );
    const spoofId = await call("POST", "/v1/events", {
      key: t.key,
      body: { type: "order.created", id: "sch_x:2026-01-01T00:00:00.000Z", data: {} },
    });
    expect(spoofId.status).toBe(400);
  });

  it("fire on their own: each occurrence an event for that workflow only, with its times, running the steps", async () => {
    const t = await newTenant();
    const wf = await call("POST", "/v1/workflows", {
      key: t.key,
      body: scheduled({ every: "1s", timezone: "Europe/Amsterdam" }),
    });
    expect(wf.status).toBe(201);
    expect(wf.body.trigger).toEqual({ schedule: { every: "1s", timezone: "Europe/Amsterdam" } });
    // Another workflow on the same schedule shape gets only its own occurrences.
    const other = await call("POST", "/v1/workflows", {
      key: t.key,
      body: { ...scheduled({ every: "1h" }), name: "Hourly" },
    });
    const runs = await eventually(
      () => runsOf(t.key, wf.body.id, "succeeded"),
      (r) => r.length >= 2,
      20_000,
    );
    const event = (
      await call("GET", `/v1/events/${encodeURIComponent(runs[0]!.eventId)}`, { key: t.key })
    ).body;
    expect(event.type).toBe("schedule.fired");
    expect(event.id).toMatch(/^sch_[A-Za-z0-9]+:\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000Z$/);
    expect(event.id.split(":")[0]).toBe(`sch_${wf.body.id.slice(3)}`);
    expect(event.data).toMatchObject({
      workflowId: wf.body.id,
      nominal: event.id.slice(event.id.indexOf(":") + 1),
    });
    expect(Date.parse(event.data.actual)).toBeGreaterThanOrEqual(Date.parse(event.data.nominal));
    expect(event.runs.map((r: Json) => r.workflowId)).toEqual([wf.body.id]);
    // The step saw the occurrence's data.
    const mails = (await call("GET", "/v1/outbox?channel=email", { key: t.key })).body.items;
    expect(mails.some((m: Json) => m.subject === `Digest for ${event.data.nominal}`)).toBe(true);
    expect(await runsOf(t.key, other.body.id)).toEqual([]);

    // Turned off: the schedule goes, nothing fires any more.
    await call("POST", `/v1/workflows/${wf.body.id}/disable`, { key: t.key });
    expect(await storeSql(t.tenantId, "SELECT workflow_id FROM schedules")).toEqual([
      { workflow_id: other.body.id },
    ]);
    const before = (await runsOf(t.key, wf.body.id)).length;
    await new Promise((r) => setTimeout(r, 2_500));
    // At most an occurrence already on its way when it was turned off.
    expect((await runsOf(t.key, wf.body.id)).length).toBeLessThanOrEqual(before + 1);
  });

  it("skip an occurrence while the previous run is still going, visibly, with the reason", async () => {
    const t = await newTenant();
    const wf = await call("POST", "/v1/workflows", {
      key: t.key,
      body: scheduled({ every: "1s" }, [{ id: "pause", name: "Pause", delay: "1h" }]),
    });
    const skipped = await eventually(
      () => runsOf(t.key, wf.body.id, "skipped"),
      (r) => r.length >= 2,
      20_000,
    );
    expect(skipped[0]).toMatchObject({
      status: "skipped",
      workflowId: wf.body.id,
      suppression: { reason: "schedule_overlap" },
    });
    expect(skipped[0]!.suppression.message).toContain("previous scheduled run was still going");
    // Only the first occurrence runs (it waits an hour).
    expect(await runsOf(t.key, wf.body.id, "waiting")).toHaveLength(1);
    const one = await call("GET", `/v1/runs/${skipped[0]!.id}`, { key: t.key });
    expect(one.status).toBe(200);
    expect(one.body.steps).toEqual([]);
  });

  it("hold one occurrence back until the previous run ends (buffer_one): never two at once", async () => {
    const t = await newTenant();
    const wf = await call("POST", "/v1/workflows", {
      key: t.key,
      body: scheduled({ every: "1s", overlap: "buffer_one" }, [
        { id: "pause", name: "Pause", delay: "2s" },
      ]),
    });
    const all = await eventually(
      () => runsOf(t.key, wf.body.id),
      (r) =>
        r.filter((x) => x.status === "succeeded").length >= 2 &&
        r.some((x) => x.status === "skipped"),
      30_000,
    );
    await call("POST", `/v1/workflows/${wf.body.id}/disable`, { key: t.key });
    // The held-back one replaced an older one waiting, which shows as skipped.
    expect(all.find((x) => x.status === "skipped")?.suppression.reason).toBe("schedule_overlap");
    const ran = all
      .filter((x) => x.status === "succeeded")
      .sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt));
    for (let i = 1; i < ran.length; i++)
      expect(Date.parse(ran[i]!.startedAt)).toBeGreaterThanOrEqual(
        Date.parse(ran[i - 1]!.finishedAt),
      );
  });

  it("after downtime, run the latest missed occurrence and show the others as missed", async () => {
    const t = await newTenant();
    const wf = await call("POST", "/v1/workflows", {
      key: t.key,
      body: scheduled({ cron: "*/10 * * * *", catchUp: "latest" }),
    });
    const [row] = await storeSql<Json>(t.tenantId, "SELECT * FROM schedules");
    expect(row).toMatchObject({ workflow_id: wf.body.id, timezone: "UTC" });
    expect(row!.next_nominal % 600_000).toBe(0);
    // The store was down for an hour: its cursor and alarm are an hour behind.
    const hourAgo = Date.now() - 3_600_000;
    const dueAt = Math.ceil(hourAgo / 600_000) * 600_000;
    await storeSql(
      t.tenantId,
      "UPDATE schedules SET cursor = ?, next_nominal = ?, next_at = ?",
      hourAgo,
      dueAt,
      dueAt,
    );
    const store = storeFor(env, t.tenantId);
    await runDurableObjectAlarm(store);
    const all = await eventually(
      () => runsOf(t.key, wf.body.id),
      (r) => r.some((x) => x.status === "succeeded"),
    );
    const missed = all.filter((r) => r.status === "skipped");
    const ran = all.filter((r) => r.status !== "skipped");
    expect(ran).toHaveLength(1);
    expect(missed.length).toBeGreaterThanOrEqual(4);
    expect(missed.every((r) => r.suppression.reason === "schedule_missed")).toBe(true);
    // The one that ran is the latest; the alarm now looks at the next one.
    const latest = (
      await call("GET", `/v1/events/${encodeURIComponent(ran[0]!.eventId)}`, { key: t.key })
    ).body.data.nominal;
    for (const r of missed) expect(r.eventId.split(":").slice(1).join(":") < latest).toBe(true);
    const [after] = await storeSql<Json>(t.tenantId, "SELECT * FROM schedules");
    expect(after!.next_nominal).toBeGreaterThan(Date.now() - 1_000);
    // A second alarm at once fires nothing twice.
    await runDurableObjectAlarm(store);
    expect((await runsOf(t.key, wf.body.id)).length).toBe(all.length);
  });
});
