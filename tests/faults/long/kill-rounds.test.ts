import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorker, type WorkerHandle } from "../../support/worker.ts";

// The long fault round (`npm run test:long`; ROUNDS=n, default 25): many
// multi-step runs in flight, `wrangler dev` killed (the whole process group)
// at a random moment and restarted on the same state, round after round.
// After every round: every accepted event has exactly one run per workflow,
// every run ends (or waits legitimately), no email went out twice for one
// idempotency key, and the audit chain verifies. Prints the figures.

const ROUNDS = Number(process.env.ROUNDS ?? 25);
const EVENTS_PER_ROUND = Number(process.env.EVENTS_PER_ROUND ?? 8);

// biome-ignore lint/suspicious/noExplicitAny: the API answers arbitrary JSON
type Json = any;

let w: WorkerHandle;
let key: string;

async function api(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Json }> {
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await fetch(`${w.baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${key}`,
          ...(body !== undefined ? { "content-type": "application/json" } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : {} };
    } catch (err) {
      if (attempt > 20) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

async function allPages(path: string): Promise<Json[]> {
  const items: Json[] = [];
  let cursor: string | null = null;
  do {
    const sep = path.includes("?") ? "&" : "?";
    const page = await api("GET", `${path}${sep}limit=200${cursor ? `&cursor=${cursor}` : ""}`);
    items.push(...page.body.items);
    cursor = page.body.nextCursor;
  } while (cursor);
  return items;
}

beforeAll(async () => {
  w = await startWorker();
  key = w.vars.SWITCHYARD_DEMO_API_KEY!;
}, 120_000);

afterAll(async () => {
  await w?.stop();
});

describe("long fault round", () => {
  it(`survives ${ROUNDS} kills with runs in flight`, async () => {
    const workflows = [
      {
        name: "Three steps with a delay",
        trigger: { event: "shipment.created" },
        steps: [
          {
            id: "mark",
            action: "update_record",
            config: { type: "parcel", id: "{{ shipment.id }}", fields: { state: "seen" } },
          },
          { id: "pause", delay: "2s" },
          {
            id: "mail",
            action: "send_email",
            config: { to: "ops@example.com", subject: "Shipment {{ shipment.id }}", body: "ok" },
          },
        ],
      },
      {
        name: "Parallel messages",
        trigger: { event: "shipment.created" },
        steps: [
          {
            id: "fan",
            parallel: [
              [
                {
                  id: "sms",
                  action: "send_sms",
                  config: { to: "+15550100", body: "{{ shipment.id }}" },
                },
              ],
              [
                {
                  id: "note",
                  action: "send_email",
                  config: { to: "log@example.com", subject: "{{ shipment.id }}", body: "b" },
                },
              ],
            ],
          },
        ],
      },
    ];
    const workflowIds: string[] = [];
    for (const wf of workflows) workflowIds.push((await api("POST", "/v1/workflows", wf)).body.id);
    const sent: string[] = [];
    let seed = 12345;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const started = Date.now();
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < EVENTS_PER_ROUND; i++) {
        const id = `s-${round}-${i}`;
        const res = await api("POST", "/v1/events", { id, type: "shipment.created", data: { id } });
        if (res.status === 202) sent.push(id);
      }
      // Kill at a random moment: right away, mid-dispatch, or mid-delay.
      await new Promise((r) => setTimeout(r, Math.floor(random() * 3000)));
      await w.restart();
    }
    const until = Date.now() + 180_000;
    let runs: Json[] = [];
    for (;;) {
      runs = await allPages("/v1/runs");
      const done = runs.filter((r) => ["succeeded", "failed", "cancelled"].includes(r.status));
      if (runs.length === sent.length * workflowIds.length && done.length === runs.length) break;
      if (Date.now() > until) break;
      await new Promise((r) => setTimeout(r, 2000));
    }
    const byEvent = new Map<string, Json[]>();
    for (const r of runs) byEvent.set(r.eventId, [...(byEvent.get(r.eventId) ?? []), r]);
    for (const id of sent) {
      const mine = byEvent.get(id) ?? [];
      expect(mine.map((r) => r.workflowId).sort(), `runs of ${id}`).toEqual(
        [...workflowIds].sort(),
      );
    }
    const unfinished = runs.filter((r) => r.status !== "succeeded");
    for (const r of unfinished.slice(0, 5)) {
      const detail = await api("GET", `/v1/runs/${r.id}`);
      console.log(
        `not succeeded: ${r.id} ${r.status}`,
        JSON.stringify(detail.body.steps.map((s: Json) => [s.id, s.status, s.attempts, s.error])),
      );
    }
    expect(unfinished).toEqual([]);
    const outbox = await allPages("/v1/outbox");
    const keys = outbox.map((m) => m.idempotencyKey);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.length).toBe(sent.length * 3);
    const verify = await api("GET", "/v1/audit/verify");
    expect(verify.body.ok).toBe(true);
    console.log(
      `long fault round: ${ROUNDS} kills, ${sent.length} events, ${runs.length} runs, ${keys.length} messages (all distinct), ` +
        `${Math.round((Date.now() - started) / 1000)} s`,
    );
  }, 3_600_000);
});
