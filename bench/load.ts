// `npm run bench:load` (long, not in npm test): a burst of thousands of
// events for one tenant while a second tenant sends a steady trickle, on a
// dedicated `wrangler dev`. Reports accepted/s, 429s, backlog drain time and
// accept → run-finished latency for both tenants, and proves nothing was
// lost: every accepted event has exactly one run, and every run finished.
import { rmSync } from "node:fs";
import { cpus } from "node:os";
import { startWorker } from "../tests/support/worker.ts";
import {
  Client,
  emailWorkflow,
  latencies,
  pool,
  sleep,
  summary,
  waitRuns,
  writeLoadSection,
} from "./common.ts";

const BURST = Number(process.env.BURST ?? 3000);
const TRICKLE_PER_SEC = Number(process.env.TRICKLE ?? 5);

async function tenant(base: string, token: string, name: string) {
  const email = `${name.toLowerCase()}-${Date.now()}@example.com`;
  const r = await new Client(base, { key: token }).post("/v1/tenants", {
    name,
    admin: { email, password: "load-test-password" },
  });
  if (r.status !== 201) throw new Error(`tenant: ${r.status} ${r.text}`);
  return new Client(base, { key: r.body.apiKey });
}

async function main() {
  // Measured as deployed: without the tests' D1-limit checks.
  const w = await startWorker({ vars: { SWITCHYARD_D1_LIMITS: "false" } });
  try {
    const token = w.vars.SWITCHYARD_PLATFORM_TOKEN!;
    const busy = await tenant(w.baseUrl, token, "Burst");
    const quiet = await tenant(w.baseUrl, token, "Trickle");
    const wfBusy = await busy.must(
      "POST",
      "/v1/workflows",
      emailWorkflow("Burst", "load.burst", 1),
    );
    const wfQuiet = await quiet.must(
      "POST",
      "/v1/workflows",
      emailWorkflow("Trickle", "load.trickle", 1),
    );

    const accepted = { busy: new Set<string>(), quiet: new Set<string>() };
    let busy429 = 0;
    let quiet429 = 0;
    const send = async (
      api: Client,
      type: string,
      id: string,
      on429: () => void,
      set: Set<string>,
    ) => {
      for (;;) {
        const r = await api.post("/v1/events", { id, type, data: { id } });
        if (r.status === 202) {
          set.add(r.body.id);
          return;
        }
        if (r.status === 429) {
          on429();
          await sleep(Number(r.headers.get("retry-after") ?? 1) * 1000);
          continue;
        }
        throw new Error(`${type}: ${r.status} ${r.text}`);
      }
    };

    const t0 = Date.now();
    let burstDone = false;
    const trickle = (async () => {
      let i = 0;
      while (!burstDone) {
        await send(quiet, "load.trickle", `t-${i++}`, () => quiet429++, accepted.quiet);
        await sleep(1000 / TRICKLE_PER_SEC);
      }
    })();
    await pool(BURST, 16, (i) =>
      send(busy, "load.burst", `b-${i}`, () => busy429++, accepted.busy),
    );
    const burstSecs = (Date.now() - t0) / 1000;
    burstDone = true;
    await trickle;

    const runsBusy = await waitRuns(busy, wfBusy.id, accepted.busy.size, 1_800_000);
    const runsQuiet = await waitRuns(quiet, wfQuiet.id, accepted.quiet.size, 1_800_000);
    const drained = Math.max(...runsBusy.map((r) => Date.parse(r.finishedAt)));
    const lost = (runs: typeof runsBusy, set: Set<string>) => {
      const byEvent = new Map<string, number>();
      for (const r of runs) byEvent.set(r.eventId, (byEvent.get(r.eventId) ?? 0) + 1);
      return {
        missing: [...set].filter((id) => !byEvent.has(id)).length,
        duplicated: [...byEvent.values()].filter((n) => n > 1).length,
        notSucceeded: runs.filter((r) => r.status !== "succeeded").length,
      };
    };
    const lb = lost(runsBusy, accepted.busy);
    const lq = lost(runsQuiet, accepted.quiet);
    const sb = summary(await latencies(busy, runsBusy));
    const sq = summary(await latencies(quiet, runsQuiet));
    const f = (n: number) => n.toFixed(0);
    const ok =
      lb.missing +
        lb.duplicated +
        lb.notSucceeded +
        lq.missing +
        lq.duplicated +
        lq.notSucceeded ===
      0;
    const report = [
      `## Load (\`npm run bench:load\`): ${BURST}-event burst, 16 in flight, + a ${TRICKLE_PER_SEC}/s trickle from a second tenant`,
      "",
      `- Date: ${new Date().toISOString()}; machine: ${cpus()[0]?.model ?? "?"}, ${cpus().length} cores (shared); per-tenant limit: the default (100/s, burst 500)`,
      `- Burst tenant: ${accepted.busy.size} accepted in ${burstSecs.toFixed(1)} s = **${(accepted.busy.size / burstSecs).toFixed(1)} accepted/s**; ${busy429} answers were 429 (retried after Retry-After)`,
      `- Trickle tenant: ${accepted.quiet.size} accepted; ${quiet429} answers were 429`,
      `- Backlog drained ${((drained - t0) / 1000 - burstSecs).toFixed(1)} s after the burst ended (last burst run finished ${((drained - t0) / 1000).toFixed(1)} s after the start)`,
      "",
      "| tenant | runs | p50 ms | p95 ms | p99 ms |",
      "|---|---|---|---|---|",
      `| burst | ${sb.n} | ${f(sb.p50)} | ${f(sb.p95)} | ${f(sb.p99)} |`,
      `| trickle | ${sq.n} | ${f(sq.p50)} | ${f(sq.p95)} | ${f(sq.p99)} |`,
      "",
      `Lost: burst ${JSON.stringify(lb)}, trickle ${JSON.stringify(lq)} — ${ok ? "**nothing lost**: every accepted event has exactly one succeeded run" : "**LOSS DETECTED**"}.`,
    ];
    for (const line of report) console.log(line);
    writeLoadSection(report);
    process.exitCode = ok ? 0 : 1;
  } finally {
    await w.stop();
    rmSync(w.stateDir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
