// The scale-out figures of issue 12, each beside the platform's floor from
// the same run: D1 work per event → run (rows written, statements counted
// by the Worker's own D1 counter), sustained executions against the bare
// Durable Object + queue floor, ingest under that load, and eight tenants
// bursting at once.
import {
  Client,
  emailWorkflow,
  groupCpuSeconds,
  type Json,
  latencies,
  pool,
  sleep,
  summary,
  waitRuns,
} from "./common.ts";

/** Rows per table of D1, counted by the Worker itself (the file is held by `wrangler dev`). */
export async function d1Rows(base: string, token: string): Promise<Map<string, number>> {
  const r = await new Client(base, { key: token }).get("/v1/platform/d1-stats?rows=true");
  if (r.status !== 200) throw new Error(`d1-stats: ${r.status} ${r.text}`);
  return new Map(Object.entries(r.body.rows as Record<string, number>));
}

/** Rows added per table between two snapshots (only tables that grew). */
export function rowsAdded(before: Map<string, number>, after: Map<string, number>) {
  const out: Record<string, number> = {};
  let total = 0;
  for (const [t, n] of after) {
    const d = n - (before.get(t) ?? 0);
    if (d !== 0) out[t] = d;
    total += d;
  }
  return { total, byTable: out };
}

export async function d1Stats(base: string, token: string, reset: boolean) {
  const r = await new Client(base, { key: token }).get(
    `/v1/platform/d1-stats${reset ? "?reset=true" : ""}`,
  );
  if (r.status !== 200) throw new Error(`d1-stats: ${r.status} ${r.text}`);
  return r.body as { reads: number; writes: number; roundTrips: number };
}

/** A five-step workflow touching every store we own: a record, a task, a notification, an if. */
export function fiveStepWorkflow(trigger: string, person: string) {
  return {
    name: "Bench five steps",
    trigger: { event: trigger },
    steps: [
      {
        id: "mark",
        action: "update_record",
        config: { type: "benchorder", id: "{{ event.id }}", fields: { seen: true } },
      },
      {
        id: "task",
        action: "create_task",
        config: { title: "Check {{ event.id }}", assignee: person },
      },
      { id: "tell", action: "notify_user", config: { user: person, message: "{{ event.id }}" } },
      {
        id: "big",
        if: "event.data.i % 2 == 0",
        then: [
          {
            id: "even",
            action: "send_email",
            config: { to: "even@example.com", subject: "Even", body: "{{ event.id }}" },
          },
        ],
        else: [
          {
            id: "odd",
            action: "send_email",
            config: { to: "odd@example.com", subject: "Odd", body: "{{ event.id }}" },
          },
        ],
      },
      {
        id: "done",
        action: "send_email",
        config: { to: "bench@example.com", subject: "Done", body: "{{ event.id }}" },
      },
    ],
  };
}

/** Sends `total` events (8 in flight, waiting out 429s); the accept rate. */
export async function sendAll(api: Client, type: string, total: number, inFlight = 8) {
  const t0 = performance.now();
  const startedAt = Date.now();
  await pool(total, inFlight, async (i) => {
    for (;;) {
      const r = await api.post("/v1/events", { type, data: { i } });
      if (r.status === 202) return;
      await sleep(Number(r.headers.get("retry-after") ?? 1) * 1000);
    }
  });
  return { perSec: total / ((performance.now() - t0) / 1000), startedAt };
}

/** Executions/s of a finished backlog: first accept → last finish. */
export function executionsPerSec(runs: Json[], startedAt: number): number {
  const last = Math.max(...runs.map((r) => Date.parse(r.finishedAt)));
  return runs.length / ((last - startedAt) / 1000);
}

/** The floor's sustained rate: `total` round trips, 8 in flight, first start → last finish. */
export async function floorSustained(baseUrl: string, total: number) {
  const ids: string[] = [];
  const t0 = Date.now();
  await pool(total, 8, async () => {
    const r = await fetch(`${baseUrl}/start`, { method: "POST" });
    ids.push(((await r.json()) as { id: string }).id);
  });
  const ingestPerSec = total / ((Date.now() - t0) / 1000);
  let last = 0;
  const until = Date.now() + 300_000;
  for (const id of ids) {
    for (;;) {
      const r = (await (await fetch(`${baseUrl}/result/${id}`)).json()) as { finishedAt?: number };
      if (r.finishedAt !== undefined) {
        last = Math.max(last, r.finishedAt);
        break;
      }
      if (Date.now() > until) throw new Error(`floor round trip ${id} never finished`);
      await sleep(100);
    }
  }
  return { perSec: total / ((last - t0) / 1000), ingestPerSec };
}

/** Eight tenants, each with a one-step workflow, all sending a burst at once. */
export async function tenantsBursting(base: string, token: string, tenants: number, each: number) {
  const platform = new Client(base, { key: token });
  const apis: { name: string; api: Client; wf: string }[] = [];
  for (let i = 0; i < tenants; i++) {
    const r = await platform.post("/v1/tenants", {
      name: `Burst ${i + 1}`,
      admin: { email: `burst${i}-${Date.now()}@example.com`, password: "bench-password-123" },
    });
    if (r.status !== 201) throw new Error(`tenant: ${r.status} ${r.text}`);
    const api = new Client(base, { key: r.body.apiKey });
    const wf = await api.must("POST", "/v1/workflows", emailWorkflow("Burst", "bench.burst", 1));
    apis.push({ name: `tenant ${i + 1}`, api, wf: wf.id });
  }
  const t0 = Date.now();
  await Promise.all(apis.map((a) => sendAll(a.api, "bench.burst", each, 2)));
  const rows = await Promise.all(
    apis.map(async (a) => {
      const runs = await waitRuns(a.api, a.wf, each);
      const lat = summary(await latencies(a.api, runs));
      return { name: a.name, perSec: executionsPerSec(runs, t0), p50: lat.p50, p95: lat.p95, runs };
    }),
  );
  const all = rows.flatMap((r) => r.runs);
  return { rows, totalPerSec: executionsPerSec(all, t0) };
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * One round of the sustained figure on a worker: `total` one-step runs of a
 * new workflow, 8 in flight. Executions/s (first accept → last finish),
 * ingest/s, and the CPU per run of the worker's whole process group (ms,
 * its polling for the results included).
 */
export async function sustainedRound(
  api: Client,
  processGroup: number | undefined,
  name: string,
  total: number,
) {
  const type = `bench.${name.toLowerCase().replace(/[^a-z0-9]/g, "")}`;
  const wf = await api.must("POST", "/v1/workflows", emailWorkflow(name, type, 1));
  const cpu0 = groupCpuSeconds(processGroup);
  const sent = await sendAll(api, type, total);
  const runs = await waitRuns(api, wf.id, total);
  const cpuMs = ((groupCpuSeconds(processGroup) - cpu0) * 1000) / total;
  return { perSec: executionsPerSec(runs, sent.startedAt), ingest: sent.perSec, cpuMs };
}

/** `floorSustained` with the floor's CPU per round trip (ms, its whole process group). */
export async function floorRound(
  floor: { baseUrl: string; processGroup: () => number | undefined },
  total: number,
) {
  const cpu0 = groupCpuSeconds(floor.processGroup());
  const f = await floorSustained(floor.baseUrl, total);
  return { ...f, cpuMs: ((groupCpuSeconds(floor.processGroup()) - cpu0) * 1000) / total };
}
