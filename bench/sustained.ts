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
import { Client, sleep, startFloor } from "./common.ts";
import { floorRound, floorSustained, median, sendAll, sustainedRound } from "./scale.ts";

const ROUNDS = Number(process.env.SUSTAINED_ROUNDS ?? 5);
const RUNS = Number(process.env.SUSTAINED_RUNS ?? 300);
const CAP = process.env.SUSTAINED_CAP;
const BASELINE = process.env.SUSTAINED_BASELINE;

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
      const f = await floorRound(floor, RUNS);
      const baseline = base;
      const runBase = baseline
        ? () => sustainedRound(baseline.api, baseline.w.processGroup(), `Round ${i}`, RUNS)
        : null;
      // Which of the two goes first alternates, so neither always follows the floor.
      let b = runBase && i % 2 === 1 ? await runBase() : null;
      const o = await sustainedRound(ours.api, ours.w.processGroup(), `Round ${i}`, RUNS);
      if (runBase && i % 2 === 0) b = await runBase();
      rows.push({
        floor: f.perSec,
        ours: o.perSec,
        base: b?.perSec ?? null,
        ingest: o.ingest,
        floorIngest: f.ingestPerSec,
      });
      console.log(
        `round ${i + 1}: floor ${f.perSec.toFixed(1)}/s (ingest ${f.ingestPerSec.toFixed(0)}/s, cpu ${f.cpuMs.toFixed(1)} ms/run), ours ${o.perSec.toFixed(1)}/s (ingest ${o.ingest.toFixed(0)}/s, cpu ${o.cpuMs.toFixed(1)} ms/run): ${(o.perSec / f.perSec).toFixed(2)}×` +
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
