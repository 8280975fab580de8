// `npm run bench:sustained` (not in npm test): the sustained figure of
// `npm run bench` measured in interleaved rounds — floor, Switchyard,
// floor, Switchyard … — on `wrangler dev`s started once, so that the
// machine's drift falls on both sides of each ratio. Prints each round and
// the medians.
//   SUSTAINED_ROUNDS  rounds (default 5)
//   SUSTAINED_RUNS    one-step runs per round, 8 in flight (default 300)
//   SUSTAINED_CAP     the tenant's maxRunningRuns (default: the product's)
//   SUSTAINED_BASELINE  another checkout (a git worktree of an older commit,
//                     with node_modules): measured in the same rounds, so a
//                     change is judged against its parent, not against noise.
import { startWorker, type WorkerHandle } from "../tests/support/worker.ts";
import { Client, emailWorkflow, groupCpuSeconds, sleep, startFloor, waitRuns } from "./common.ts";
import { executionsPerSec, floorSustained, sendAll } from "./scale.ts";

const ROUNDS = Number(process.env.SUSTAINED_ROUNDS ?? 5);
const RUNS = Number(process.env.SUSTAINED_RUNS ?? 300);
const CAP = process.env.SUSTAINED_CAP;
const BASELINE = process.env.SUSTAINED_BASELINE;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function start(root?: string): Promise<{ w: WorkerHandle; api: Client }> {
  const w = await startWorker({
    ...(root ? { root } : {}),
    vars: {
      SWITCHYARD_D1_LIMITS: "false",
      SWITCHYARD_RATE_LIMITS: JSON.stringify({ events: { perSecond: 1e6, burst: 1e6 } }),
    },
  });
  const api = new Client(w.baseUrl, { key: w.vars.SWITCHYARD_DEMO_API_KEY! });
  if (CAP) await api.must("PUT", "/v1/settings/tenant", { maxRunningRuns: Number(CAP) });
  await sendAll(api, "bench.warm", 20);
  return { w, api };
}

/**
 * One round of `RUNS` one-step runs: executions/s (first accept → last
 * finish), ingest/s, and the Worker's CPU per run (ms, its whole process
 * group, the polling for results included).
 */
async function round(s: { w: WorkerHandle; api: Client }, i: number) {
  const { api } = s;
  const wf = await api.must("POST", "/v1/workflows", emailWorkflow(`Round ${i}`, `bench.r${i}`, 1));
  const cpu0 = groupCpuSeconds(s.w.processGroup());
  const sent = await sendAll(api, `bench.r${i}`, RUNS);
  const runs = await waitRuns(api, wf.id, RUNS);
  const cpuMs = ((groupCpuSeconds(s.w.processGroup()) - cpu0) * 1000) / RUNS;
  return { perSec: executionsPerSec(runs, sent.startedAt), ingest: sent.perSec, cpuMs };
}

async function main() {
  const ours = await start();
  const base = BASELINE ? await start(BASELINE) : null;
  const floor = await startFloor();
  try {
    await floorSustained(floor.baseUrl, 50);
    const rows: {
      floor: number;
      ours: number;
      base: number | null;
      ingest: number;
      floorIngest: number;
    }[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const fc0 = groupCpuSeconds(floor.processGroup());
      const f = await floorSustained(floor.baseUrl, RUNS);
      const floorCpuMs = ((groupCpuSeconds(floor.processGroup()) - fc0) * 1000) / RUNS;
      // Which of the two goes first alternates, so neither always follows the floor.
      const b1 = base && i % 2 === 1 ? await round(base, i) : null;
      const o = await round(ours, i);
      const b2 = base && i % 2 === 0 ? await round(base, i) : null;
      const b = b1 ?? b2;
      rows.push({
        floor: f.perSec,
        ours: o.perSec,
        base: b?.perSec ?? null,
        ingest: o.ingest,
        floorIngest: f.ingestPerSec,
      });
      console.log(
        `round ${i + 1}: floor ${f.perSec.toFixed(1)}/s (ingest ${f.ingestPerSec.toFixed(0)}/s, cpu ${floorCpuMs.toFixed(1)} ms/run), ours ${o.perSec.toFixed(1)}/s (ingest ${o.ingest.toFixed(0)}/s, cpu ${o.cpuMs.toFixed(1)} ms/run): ${(o.perSec / f.perSec).toFixed(2)}×` +
          (b
            ? `; baseline ${b.perSec.toFixed(1)}/s (ingest ${b.ingest.toFixed(0)}/s, cpu ${b.cpuMs.toFixed(1)} ms/run): ${(b.perSec / f.perSec).toFixed(2)}×, ours / baseline ${(o.perSec / b.perSec).toFixed(2)}`
            : ""),
      );
      await sleep(6_000); // the round's archive segment lands before the next
    }
    console.log(
      `median: ${median(rows.map((r) => r.ours / r.floor)).toFixed(2)}× the floor; ingest under load ${median(rows.map((r) => r.ingest)).toFixed(0)}/s (the floor's ${median(rows.map((r) => r.floorIngest)).toFixed(0)}/s)` +
        (base
          ? `; baseline ${median(rows.map((r) => r.base! / r.floor)).toFixed(2)}×, ours / baseline ${median(rows.map((r) => r.ours / r.base!)).toFixed(2)}`
          : ""),
    );
  } finally {
    await floor.stop();
    await base?.w.stop();
    await ours.w.stop();
  }
}

await main();
