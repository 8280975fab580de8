import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { storeFor } from "../src/store/client.ts";
import { call, eventually, type Json, newTenant, storeSql } from "./helpers.ts";

// Run history is kept the tenant's retention (default 30 days), then the
// store purges it: events, runs and their run objects, archived run-log
// entries. A run still going is never purged; the audit chain still
// verifies afterwards.

const DAY = 24 * 60 * 60_000;

async function finishedRun(
  key: string,
  steps: unknown[],
): Promise<{ runId: string; eventId: string }> {
  const wf = await call("POST", "/v1/workflows", {
    key,
    body: {
      name: `Keep ${crypto.randomUUID().slice(0, 6)}`,
      trigger: { event: "order.created" },
      steps,
    },
  });
  expect(wf.status).toBe(201);
  const sent = await call("POST", "/v1/events", { key, body: { type: "order.created", data: {} } });
  const ev = await eventually(
    () => call("GET", `/v1/events/${sent.body.id}`, { key }),
    (r) => r.body.runs?.length >= 1,
  );
  return { runId: ev.body.runs.at(-1).id, eventId: sent.body.id };
}

describe("retention", () => {
  it("purges finished runs, their events and their run objects once past the window", async () => {
    const t = await newTenant();
    const { runId, eventId } = await finishedRun(t.key, [{ id: "d", delay: "1s" }]);
    await eventually(
      () => call("GET", `/v1/runs/${runId}`, { key: t.key }),
      (r) => r.body.status === "succeeded",
    );
    const store = storeFor(env, t.tenantId);
    // Not yet: 29 days on, everything is still there.
    expect(await store.purgeHistory(t.tenantId, Date.now() + 29 * DAY)).toMatchObject({
      events: 0,
      runs: 0,
    });
    expect((await call("GET", `/v1/runs/${runId}`, { key: t.key })).status).toBe(200);
    const purged = await store.purgeHistory(t.tenantId, Date.now() + 31 * DAY);
    expect(purged).toMatchObject({ events: 1, runs: 1 });
    expect((await call("GET", `/v1/runs/${runId}`, { key: t.key })).status).toBe(404);
    expect((await call("GET", `/v1/events/${eventId}`, { key: t.key })).status).toBe(404);
    expect(await env.RUNS.get(env.RUNS.idFromName(runId)).snapshot()).toBeNull();
  });

  it("never purges a run that is still going", async () => {
    const t = await newTenant();
    const { runId } = await finishedRun(t.key, [{ id: "d", delay: "1h" }]);
    await eventually(
      () => call("GET", `/v1/runs/${runId}`, { key: t.key }),
      (r) => r.body.status === "waiting",
    );
    await storeFor(env, t.tenantId).purgeHistory(t.tenantId, Date.now() + 365 * DAY);
    const run = await call("GET", `/v1/runs/${runId}`, { key: t.key });
    expect(run.status).toBe(200);
    expect(run.body.status).toBe("waiting");
  });

  it("follows the tenant's setting", async () => {
    const t = await newTenant();
    const { runId } = await finishedRun(t.key, [{ id: "d", delay: "1s" }]);
    await eventually(
      () => call("GET", `/v1/runs/${runId}`, { key: t.key }),
      (r) => r.body.status === "succeeded",
    );
    const store = storeFor(env, t.tenantId);
    await store.setRetention(t.tenantId, 7);
    expect((await store.purgeHistory(t.tenantId, Date.now() + 6 * DAY)).runs).toBe(0);
    expect((await store.purgeHistory(t.tenantId, Date.now() + 8 * DAY)).runs).toBe(1);
  });

  it("purges archived run-log entries as a prefix, and the chain still verifies from there", async () => {
    const t = await newTenant();
    // A self-triggering workflow: its second run is suppressed, a run-log entry.
    await call("POST", "/v1/workflows", {
      key: t.key,
      body: {
        name: "Echo",
        trigger: { event: "note.updated" },
        steps: [
          {
            id: "touch",
            action: "update_record",
            config: { type: "note", id: "{{ note.id }}", fields: { at: "{{ event.id }}" } },
          },
        ],
      },
    });
    await call("PUT", "/v1/records/note/n-1", { key: t.key, body: { fields: { a: 1 } } });
    await call("PATCH", "/v1/records/note/n-1", { key: t.key, body: { fields: { a: 2 } } });
    await eventually(
      () => call("GET", "/v1/audit?type=run.suppressed", { key: t.key }),
      (r) => r.body.items.length === 1,
    );
    const store = storeFor(env, t.tenantId);
    const before = await storeSql<{ n: number }>(t.tenantId, "SELECT count(*) AS n FROM run_log");
    expect(before[0]!.n).toBeGreaterThanOrEqual(1);
    // Not archived yet: nothing of the log may go.
    await storeSql(t.tenantId, "UPDATE run_log SET archived_in = NULL");
    expect((await store.purgeHistory(t.tenantId, Date.now() + 31 * DAY)).entries).toBe(0);
    await store.archiveNow(t.tenantId);
    const purged = await store.purgeHistory(t.tenantId, Date.now() + 31 * DAY);
    expect(purged.entries).toBe(before[0]!.n);
    const verify: Json = (await call("GET", "/v1/audit/verify", { key: t.key })).body;
    expect(verify.ok).toBe(true);
  });
});
