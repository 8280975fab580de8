// Flow control's bench figure (issue 16, item 1): 1,000 events over 10 keys
// to a one-step workflow with `concurrency: { key, limit: 1 }`, against the
// same workflow without limits, in the same run. Throughput is first accept
// → last finish; "never two at once for a key" is checked from the run
// records (startedAt / finishedAt from GET /v1/runs).
// Alone: bench/flow-main.ts (starts its own `wrangler dev`).
import { type Client, emailWorkflow, type Json, pool, sleep, waitRuns } from "./common.ts";

const EVENTS = 1_000;
const KEYS = 10;

export interface FlowFigure {
  events: number;
  keys: number;
  plainPerSec: number;
  limitedPerSec: number;
  ratio: number;
  /** The most runs of one key ever overlapping (must be 1). */
  maxOverlap: number;
}

/** Sends `total` events, key i % KEYS; returns when the first was accepted and each event's key. */
async function send(api: Client, type: string, total: number) {
  const keyOf = new Map<string, string>();
  const startedAt = Date.now();
  await pool(total, 8, async (i) => {
    for (;;) {
      const key = `k${i % KEYS}`;
      const r = await api.post("/v1/events", { type, data: { key, i } });
      if (r.status === 202) {
        keyOf.set(r.body.id as string, key);
        return;
      }
      await sleep(Number(r.headers.get("retry-after") ?? 1) * 1000);
    }
  });
  return { startedAt, keyOf };
}

const perSec = (runs: Json[], startedAt: number) =>
  runs.length / ((Math.max(...runs.map((r) => Date.parse(r.finishedAt))) - startedAt) / 1000);

/** The most runs of one key whose [startedAt, finishedAt) intervals overlap. */
export function maxOverlapPerKey(runs: Json[], keyOf: Map<string, string>): number {
  const byKey = new Map<string, { at: number; d: number }[]>();
  for (const r of runs) {
    const key = keyOf.get(r.eventId) ?? "?";
    const marks = byKey.get(key) ?? [];
    marks.push({ at: Date.parse(r.startedAt), d: 1 }, { at: Date.parse(r.finishedAt), d: -1 });
    byKey.set(key, marks);
  }
  let max = 0;
  for (const marks of byKey.values()) {
    // An end at the same millisecond as the next start is not an overlap.
    marks.sort((a, b) => a.at - b.at || a.d - b.d);
    let open = 0;
    for (const m of marks) {
      open += m.d;
      max = Math.max(max, open);
    }
  }
  return max;
}

export async function flowFigure(api: Client): Promise<FlowFigure> {
  const plain = await api.must(
    "POST",
    "/v1/workflows",
    emailWorkflow("Flow plain", "bench.flowplain", 1),
  );
  const limited = await api.must("POST", "/v1/workflows", {
    ...emailWorkflow("Flow per key", "bench.flowkeyed", 1),
    concurrency: { key: "{{ event.data.key }}", limit: 1 },
  });
  const a = await send(api, "bench.flowplain", EVENTS);
  const plainRuns = await waitRuns(api, plain.id, EVENTS);
  const b = await send(api, "bench.flowkeyed", EVENTS);
  const limitedRuns = await waitRuns(api, limited.id, EVENTS);
  const plainPerSec = perSec(plainRuns, a.startedAt);
  const limitedPerSec = perSec(limitedRuns, b.startedAt);
  return {
    events: EVENTS,
    keys: KEYS,
    plainPerSec,
    limitedPerSec,
    ratio: limitedPerSec / plainPerSec,
    maxOverlap: maxOverlapPerKey(limitedRuns, b.keyOf),
  };
}

export function flowLines(f: FlowFigure): string[] {
  return [
    `## Flow control: ${f.events.toLocaleString("en")} events over ${f.keys} keys, concurrency 1 per key`,
    "",
    "| workflow (one send_email step) | runs | executions/s | most runs of one key at once (run records) |",
    "|---|---|---|---|",
    `| no limits | ${f.events} | ${f.plainPerSec.toFixed(1)} | – |`,
    `| \`concurrency: { key: "{{ event.data.key }}", limit: 1 }\` | ${f.events} | ${f.limitedPerSec.toFixed(1)} | **${f.maxOverlap}** |`,
    "",
    `Throughput with the limit / without: **${f.ratio.toFixed(2)}** (target ≥ 0.8); never two at once for a key: ${f.maxOverlap === 1 ? "yes" : "NO"}.`,
    "",
  ];
}
