import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, eventually, newTenant } from "./helpers.ts";

// The bulk lane: a tenant sending faster than `bulkLaneAbove` per second
// (2 in this suite's SWITCHYARD_RATE_LIMITS) has its events and its runs'
// actions queued on their own queues, so a burst never waits ahead of other
// tenants' work. Both lanes lead to the same runs.

const limiter = (name: string) => env.LIMITS.get(env.LIMITS.idFromName(name));
const rule = { perSecond: 1000, burst: 1000 };

async function storedRun(runId: string): Promise<{ lane?: string; state: { status: string } }> {
  const stub = env.RUNS.get(env.RUNS.idFromName(runId));
  return runInDurableObject(stub, async (_instance, state) => {
    const stored = await state.storage.get<{ lane?: string; state: { status: string } }>("run");
    if (!stored) throw new Error(`run ${runId} not stored`);
    return stored;
  });
}

describe("the bulk lane", () => {
  it("says busy once a tenant's recent rate passes the threshold, and only then", async () => {
    const quiet = limiter(`lane-quiet-${crypto.randomUUID()}`);
    const first = await quiet.take("events", rule, 2);
    expect(first).toEqual({ ok: true, busy: false });
    const busy = limiter(`lane-busy-${crypto.randomUUID()}`);
    const answers: boolean[] = [];
    for (let i = 0; i < 20; i++) {
      const r = await busy.take("events", rule, 2);
      answers.push(r.ok && r.busy);
    }
    // 0.2/s per request over a 5 s window: past 2/s after about ten at once.
    expect(answers.slice(0, 5)).toEqual([false, false, false, false, false]);
    expect(answers.slice(-5)).toEqual([true, true, true, true, true]);
    // Another tenant's limiter is not busy because this one is.
    expect(await quiet.take("events", rule, 2)).toEqual({ ok: true, busy: false });
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
    const ids: string[] = [];
    for (let i = 0; i < 16; i++) {
      const r = await call("POST", "/v1/events", {
        key: t.key,
        body: { id: `p-${i}`, type: "parcel.scanned", data: { id: `p-${i}` } },
      });
      expect(r.status).toBe(202);
      ids.push(r.body.id);
    }
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
    expect(lanes.at(-1)).toBe("bulk");
    // Every step's effect happened once, whichever lane carried it.
    const outbox = await call("GET", "/v1/outbox?limit=100", { key: t.key });
    const keys = outbox.body.items.map((m: { idempotencyKey: string }) => m.idempotencyKey);
    expect(keys).toHaveLength(ids.length);
    expect(new Set(keys).size).toBe(ids.length);
  });
});
