// Shared by the benchmark and load scripts: a dedicated `wrangler dev`, an
// API client, workflows that do real work (the outbox), and percentiles.
import { Client, type Json } from "../tests/security/api.ts";

export { Client, type Json };

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function summary(values: number[]): { n: number; p50: number; p95: number; p99: number } {
  const s = [...values].sort((a, b) => a - b);
  return { n: s.length, p50: percentile(s, 50), p95: percentile(s, 95), p99: percentile(s, 99) };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A workflow of `steps` outbox emails, one after the other. */
export function emailWorkflow(name: string, trigger: string, steps: number) {
  return {
    name,
    trigger: { event: trigger },
    steps: Array.from({ length: steps }, (_, i) => ({
      id: `mail${i}`,
      action: "send_email",
      config: { to: "bench@example.com", subject: `Step ${i} for {{ event.id }}`, body: "bench" },
    })),
  };
}

/** Runs `total` calls of `fn` with `concurrency` in flight. */
export async function pool(total: number, concurrency: number, fn: (i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) await fn(next++);
    }),
  );
}

/** Every run of a workflow, following cursors. */
export async function allRuns(api: Client, workflowId: string): Promise<Json[]> {
  const out: Json[] = [];
  let cursor: string | null = null;
  do {
    const q: string = `/v1/runs?workflowId=${workflowId}&limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
    const r = await api.get(q);
    if (r.status !== 200) throw new Error(`${q}: ${r.status} ${r.text}`);
    out.push(...r.body.items);
    cursor = r.body.nextCursor;
  } while (cursor);
  return out;
}

/** Waits until `count` runs of the workflow have finished; returns them. */
export async function waitRuns(api: Client, workflowId: string, count: number, ms = 600_000) {
  const until = Date.now() + ms;
  for (;;) {
    const runs = await allRuns(api, workflowId);
    const done = runs.filter((r) => ["succeeded", "failed", "cancelled"].includes(r.status));
    if (done.length >= count) return runs;
    if (Date.now() > until) throw new Error(`only ${done.length}/${count} runs finished`);
    await sleep(1000);
  }
}

/** Accept → finish latency of each run, from the server's own timestamps. */
export async function latencies(api: Client, runs: Json[]): Promise<number[]> {
  const out: number[] = [];
  for (const r of runs) {
    const ev = await api.get(`/v1/events/${encodeURIComponent(r.eventId)}`);
    const received = Date.parse(ev.body.receivedAt);
    const finished = Date.parse(r.finishedAt);
    if (Number.isFinite(received) && Number.isFinite(finished)) out.push(finished - received);
  }
  return out;
}
