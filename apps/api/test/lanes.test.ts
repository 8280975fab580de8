import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { type LimitSettings, limitSettings, TenantLimits } from "../src/store/limits.ts";
import { call, eventually, newTenant } from "./helpers.ts";

// The bulk lane: a tenant sending faster than `bulkLaneAbove` per second
// (2 in this suite's SWITCHYARD_RATE_LIMITS) has its events and its runs'
// actions queued on their own queues, so a burst never waits ahead of other
// tenants' work. Both lanes lead to the same runs.

const rule = { perSecond: 1000, burst: 1000 };
const settings: LimitSettings = { ...limitSettings(undefined), events: rule, bulkLaneAbove: 2 };

async function storedRun(runId: string): Promise<{ lane?: string; state: { status: string } }> {
  const stub = env.RUNS.get(env.RUNS.idFromName(runId));
  return runInDurableObject(stub, async (_instance, state) => {
    const [row] = state.storage.sql
      .exec<{ body: string }>("SELECT body FROM run_core WHERE id = 1")
      .toArray();
    if (!row) throw new Error(`run ${runId} not stored`);
    return JSON.parse(row.body) as { lane?: string; state: { status: string } };
  });
}

describe("the bulk lane", () => {
  it("says busy once a tenant's recent rate passes the threshold, and only then", async () => {
    const now = Date.now();
    const quiet = new TenantLimits();
    expect(quiet.take("events", settings, now)).toEqual({ ok: true, lane: "main" });
    const busy = new TenantLimits();
    const answers: string[] = [];
    for (let i = 0; i < 20; i++) {
      const r = busy.take("events", settings, now + i);
      answers.push(r.ok ? r.lane : "refused");
    }
    // 0.2/s per request over a 5 s window: past 2/s after about ten at once.
    expect(answers.slice(0, 5)).toEqual(["main", "main", "main", "main", "main"]);
    expect(answers.slice(-5)).toEqual(["bulk", "bulk", "bulk", "bulk", "bulk"]);
    // Another tenant's limits are not busy because this one is.
    expect(quiet.take("events", settings, now + 30)).toEqual({ ok: true, lane: "main" });
  });

  it("runs a burst's later events and their actions through the bulk queues to the end", async () => {
    const t = await newTenant("Lanes");
    const wf = await call("POST", "/v1/workflows", {
      key: t.key,
      body: {
        name: "Burst",
        trigger: { event: "parcel.scanned" },
        steps: [
          {
            id: "mark",
            action: "update_record",
            config: { type: "parcel", id: "{{ parcel.id }}", fields: { seen: true } },
          },
          {
            id: "tell",
            action: "send_email",
            config: { to: "ops@example.com", subject: "Parcel {{ parcel.id }}", body: "seen" },
          },
        ],
      },
    });
    expect(wf.status).toBe(201);
    // The first event alone (the tenant is quiet: main), then a burst of
    // fifteen at once: however slow the machine, they arrive within the
    // rate window, so the later ones take the bulk lane.
    const send = async (i: number) => {
      const r = await call("POST", "/v1/events", {
        key: t.key,
        body: { id: `p-${i}`, type: "parcel.scanned", data: { id: `p-${i}` } },
      });
      expect(r.status).toBe(202);
      return r.body.id as string;
    };
    const ids = [
      await send(0),
      ...(await Promise.all(Array.from({ length: 15 }, (_, i) => send(i + 1)))),
    ];
    const runIds: string[] = [];
    for (const id of ids) {
      const ev = await eventually(
        () => call("GET", `/v1/events/${id}`, { key: t.key }),
        (e) => e.body.runs?.length === 1 && e.body.runs[0].status === "succeeded",
        20_000,
      );
      runIds.push(ev.body.runs[0].id);
    }
    const lanes = await Promise.all(runIds.map(async (id) => (await storedRun(id)).lane ?? "main"));
    expect(lanes[0]).toBe("main");
    expect(lanes.slice(1)).toContain("bulk");
    // Every step's effect happened once, whichever lane carried it.
    const outbox = await call("GET", "/v1/outbox?limit=100", { key: t.key });
    const keys = outbox.body.items.map((m: { idempotencyKey: string }) => m.idempotencyKey);
    expect(keys).toHaveLength(ids.length);
    expect(new Set(keys).size).toBe(ids.length);
  });
});
