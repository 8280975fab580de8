// The fault rounds' world: `wrangler dev` on a persistent state directory,
// killed (the whole process group) and restarted at random moments while
// multi-step runs are in flight, against an outside world that misbehaves —
// a webhook receiver that fails, hangs and answers slowly, and a Resend API
// that answers 429 with Retry-After and then 500 before it sends.
//
// After each round `checkRound` waits for the runs and proves the promises:
// every accepted event has exactly one run per workflow, every run succeeded,
// no effect happened twice (the outbox, the email provider and the webhook
// receiver count distinct idempotency keys), and both audit chains verify.
import { expect } from "vitest";
import { type Client, type Json, newTenant } from "../edges/api.ts";
import { type Fake, type FakeProvider, startFake, startFakeResend } from "../edges/fakes.ts";
import { startWorker, type WorkerHandle } from "../support/worker.ts";

const RESEND_KEY = "re_faults_0123456789abcdef";
const FINAL = ["succeeded", "failed", "cancelled"];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What the receiver does with the first delivery of each webhook-id, by path. */
const FIRST_DELIVERY: Record<string, { status: number; lateMs?: number; retryAfter?: string }> = {
  "/flaky": { status: 500 },
  "/limited": { status: 429, retryAfter: "1" },
  "/hang": { status: 200, lateMs: 5_000 },
  "/slow": { status: 200, lateMs: 1_500 },
};

export interface Delivery {
  path: string;
  webhookId: string;
  run: string;
  step: string;
}

export interface World {
  w: WorkerHandle;
  /** The demo tenant: the built-in outbox, records, a delay, a parallel block. */
  ops: Client;
  /** A tenant with Resend (faked) and webhooks to the misbehaving receiver. */
  ext: Client;
  receiver: Fake;
  resend: FakeProvider;
  deliveries: Delivery[];
  /** Accepted event ids per tenant. */
  sent: { ops: string[]; ext: string[] };
  workflows: { ops: string[]; ext: string[] };
  kills: number;
  /** Sends `n` events to each tenant (ids unique per round), scripting the provider. */
  send(round: number, n: number): Promise<void>;
  /** Kills `wrangler dev` after a random pause (0–`maxMs`), then starts it again. */
  killAtRandom(maxMs: number): Promise<void>;
  /** Waits until every run is final, then checks every promise. */
  checkRound(label: string, ms?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Calls that survive the moments `wrangler dev` is down. */
function patient(c: Client): Client {
  return {
    key: c.key,
    async call(method, path, body) {
      for (let attempt = 0; ; attempt++) {
        try {
          return await c.call(method, path, body);
        } catch (err) {
          if (attempt > 40) throw err;
          await sleep(500);
        }
      }
    },
  };
}

async function allPages(c: Client, path: string): Promise<Json[]> {
  const items: Json[] = [];
  let cursor: string | null = null;
  do {
    const sep = path.includes("?") ? "&" : "?";
    const q = `${path}${sep}limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
    const page = await c.call("GET", q);
    if (page.status !== 200) throw new Error(`${q}: ${page.status} ${JSON.stringify(page.body)}`);
    items.push(...page.body.items);
    cursor = page.body.nextCursor;
  } while (cursor);
  return items;
}

export async function startWorld(seed = 12345): Promise<World> {
  const seen = new Set<string>();
  const deliveries: Delivery[] = [];
  const receiver = await startFake((req) => {
    const webhookId = req.headers["webhook-id"] ?? "";
    const body = JSON.parse(req.body || "{}") as { run?: string; step?: string };
    deliveries.push({
      path: req.path,
      webhookId,
      run: String(body.run),
      step: String(body.step),
    });
    const first = !seen.has(webhookId);
    seen.add(webhookId);
    const script = FIRST_DELIVERY[req.path];
    if (first && script) {
      return {
        status: script.status,
        body: { ok: script.status < 300 },
        ...(script.lateMs ? { lateMs: script.lateMs } : {}),
        ...(script.retryAfter ? { headers: { "retry-after": script.retryAfter } } : {}),
      };
    }
    return { status: 200, body: { ok: true } };
  });
  const resend = await startFakeResend(RESEND_KEY);
  const w = await startWorker({ vars: { SWITCHYARD_RESEND_API_URL: resend.url } });
  const ops = patient({
    key: w.vars.SWITCHYARD_DEMO_API_KEY!,
    async call(method, path, body) {
      const r = await fetch(`${w.baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${w.vars.SWITCHYARD_DEMO_API_KEY}`,
          ...(body !== undefined ? { "content-type": "application/json" } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await r.text();
      return { status: r.status, body: text ? JSON.parse(text) : {} };
    },
  });
  const ext = patient(await newTenant(w, "Faults outside world"));

  const must = async (c: Client, method: string, path: string, body: unknown) => {
    const r = await c.call(method, path, body);
    if (r.status >= 300)
      throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  await must(ext, "PUT", "/v1/settings/providers", {
    email: { provider: "resend", from: "Faults <ops@faults.example>", apiKey: RESEND_KEY },
  });

  const opsWorkflows = [
    {
      name: "Record, delay, email",
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
  const hook = (id: string, path: string, timeout?: string) => ({
    id,
    action: "call_webhook",
    config: {
      url: `${receiver.url}${path}`,
      body: { run: "{{ run.id }}", step: id, order: "{{ order.id }}" },
    },
    retry: { attempts: 6, initial: "1s", max: "2s" },
    ...(timeout ? { timeout } : {}),
  });
  const extWorkflows = [
    {
      name: "Webhooks and a provider that misbehave",
      trigger: { event: "order.paid" },
      steps: [
        hook("flaky", "/flaky"),
        { id: "pause", delay: "1s" },
        hook("limited", "/limited"),
        {
          id: "receipt",
          action: "send_email",
          config: { to: "{{ order.email }}", subject: "Receipt {{ order.id }}", body: "Thanks" },
          retry: { attempts: 6, initial: "1s", max: "2s" },
          timeout: "5s",
        },
        {
          id: "both",
          parallel: [[hook("hang", "/hang", "2s")], [hook("slow", "/slow", "5s")]],
        },
      ],
    },
  ];
  const workflows = { ops: [] as string[], ext: [] as string[] };
  for (const wf of opsWorkflows)
    workflows.ops.push((await must(ops, "POST", "/v1/workflows", wf)).id);
  for (const wf of extWorkflows)
    workflows.ext.push((await must(ext, "POST", "/v1/workflows", wf)).id);

  let state = seed;
  const random = () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
  const sent = { ops: [] as string[], ext: [] as string[] };

  const world: World = {
    w,
    ops,
    ext,
    receiver,
    resend,
    deliveries,
    sent,
    workflows,
    kills: 0,
    async send(round, n) {
      for (let i = 0; i < n; i++) {
        const id = `s-${round}-${i}`;
        const a = await ops.call("POST", "/v1/events", {
          id,
          type: "shipment.created",
          data: { id },
        });
        if (a.status === 202) sent.ops.push(a.body.id);
        const email = `buyer-${round}-${i}@faults.example`;
        // The provider refuses the first two attempts: 429 with Retry-After, then 500.
        resend.script.add(
          email,
          {
            status: 429,
            headers: { "retry-after": "1" },
            body: { statusCode: 429, name: "rate_limit_exceeded", message: "Too many requests" },
          },
          {
            status: 500,
            body: { statusCode: 500, name: "internal_server_error", message: "Try again" },
          },
        );
        const b = await ext.call("POST", "/v1/events", {
          id: `o-${round}-${i}`,
          type: "order.paid",
          data: { id: `o-${round}-${i}`, email },
        });
        if (b.status === 202) sent.ext.push(b.body.id);
      }
    },
    async killAtRandom(maxMs) {
      await sleep(Math.floor(random() * maxMs));
      await w.restart();
      world.kills += 1;
    },
    async checkRound(label, ms = 180_000) {
      const until = Date.now() + ms;
      let runs = { ops: [] as Json[], ext: [] as Json[] };
      for (;;) {
        runs = { ops: await allPages(ops, "/v1/runs"), ext: await allPages(ext, "/v1/runs") };
        const expected =
          sent.ops.length * workflows.ops.length + sent.ext.length * workflows.ext.length;
        const all = [...runs.ops, ...runs.ext];
        if (all.length >= expected && all.every((r) => FINAL.includes(r.status))) break;
        if (Date.now() > until) break;
        await sleep(1000);
      }
      for (const [tenant, c] of [
        ["ops", ops],
        ["ext", ext],
      ] as const) {
        // Every accepted event has exactly one run per workflow of its tenant.
        const byEvent = new Map<string, string[]>();
        for (const r of runs[tenant])
          byEvent.set(r.eventId, [...(byEvent.get(r.eventId) ?? []), r.workflowId]);
        for (const id of sent[tenant]) {
          expect((byEvent.get(id) ?? []).sort(), `${label}: runs of ${tenant} event ${id}`).toEqual(
            [...workflows[tenant]].sort(),
          );
        }
        expect(byEvent.size, `${label}: ${tenant} runs for unknown events`).toBe(
          sent[tenant].length,
        );
        // Every run succeeded (the misbehaviour is always recoverable).
        const unfinished = runs[tenant].filter((r) => r.status !== "succeeded");
        for (const r of unfinished.slice(0, 3)) {
          const d = await c.call("GET", `/v1/runs/${r.id}`);
          console.log(
            `${label}: ${r.id} ${r.status}`,
            JSON.stringify(d.body.steps?.map((s: Json) => [s.id, s.status, s.attempts, s.error])),
          );
        }
        expect(
          unfinished.map((r) => `${r.id} ${r.status}`),
          `${label}: ${tenant} runs`,
        ).toEqual([]);
        const verify = await c.call("GET", "/v1/audit/verify");
        expect(verify.body.ok, `${label}: ${tenant} audit chain`).toBe(true);
      }
      // The outbox (ours): exactly one message per step, never two per key.
      const outbox = await allPages(ops, "/v1/outbox");
      const keys = outbox.map((m) => m.idempotencyKey);
      expect(new Set(keys).size, `${label}: outbox keys`).toBe(keys.length);
      expect(keys.length, `${label}: outbox messages`).toBe(sent.ops.length * 3);
      // The provider: one email per receipt step, whatever it answered before.
      const perRecipient = new Map<string, number>();
      for (const m of resend.sent) perRecipient.set(m.to, (perRecipient.get(m.to) ?? 0) + 1);
      expect(resend.sent.length, `${label}: emails the provider sent`).toBe(sent.ext.length);
      expect(
        [...perRecipient.values()].every((n) => n === 1),
        `${label}: one email each`,
      ).toBe(true);
      // The receiver: every (run, step) called with one stable webhook-id, and
      // a webhook-id never shared between two steps.
      const idsByStep = new Map<string, Set<string>>();
      const stepsById = new Map<string, Set<string>>();
      for (const d of deliveries) {
        const step = `${d.run}/${d.step}`;
        idsByStep.set(step, (idsByStep.get(step) ?? new Set()).add(d.webhookId));
        stepsById.set(d.webhookId, (stepsById.get(d.webhookId) ?? new Set()).add(step));
      }
      expect(idsByStep.size, `${label}: webhook steps reached`).toBe(sent.ext.length * 4);
      expect(
        [...idsByStep].filter(([, ids]) => ids.size !== 1).map(([s]) => s),
        `${label}: steps with more than one webhook-id`,
      ).toEqual([]);
      expect(
        [...stepsById].filter(([, steps]) => steps.size !== 1).map(([id]) => id),
        `${label}: webhook-ids shared by steps`,
      ).toEqual([]);
    },
    async stop() {
      await w.stop();
      await Promise.all([receiver.close(), resend.close()]);
    },
  };
  return world;
}

/**
 * `rounds` rounds: `events` events to each tenant, two kills at random
 * moments, every promise checked; figures every `reportEvery` rounds.
 */
export async function killRounds(
  world: World,
  rounds: number,
  events: number,
  reportEvery = Number.POSITIVE_INFINITY,
): Promise<string> {
  const started = Date.now();
  for (let round = 0; round < rounds; round++) {
    await world.send(round, events);
    await world.killAtRandom(2_500);
    await world.killAtRandom(3_000);
    await world.checkRound(`round ${round + 1}`);
    if ((round + 1) % reportEvery === 0)
      console.log(`after round ${round + 1}: ${figures(world, (Date.now() - started) / 1000)}`);
  }
  return figures(world, (Date.now() - started) / 1000);
}

/** The figures a round prints. */
export function figures(world: World, seconds: number): string {
  return (
    `${world.kills} kills, ${world.sent.ops.length + world.sent.ext.length} events, ` +
    `${world.deliveries.length} webhook deliveries for ${new Set(world.deliveries.map((d) => d.webhookId)).size} webhook-ids, ` +
    `${world.resend.sent.length} provider emails (${world.resend.requests.length} requests), ${Math.round(seconds)} s`
  );
}
