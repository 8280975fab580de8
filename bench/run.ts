// `npm run bench`: every benchmark in one run, written to bench/RESULTS.md
// with the machine and the date. Starts its own `wrangler dev` (fresh state).
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { ROOT, startWorker } from "../tests/support/worker.ts";
import {
  Client,
  emailWorkflow,
  floorLatencies,
  latencies,
  loadSection,
  pool,
  RESULTS,
  sleep,
  startFloor,
  summary,
  waitRuns,
} from "./common.ts";

const lines: string[] = [];
const out = (s = "") => {
  lines.push(s);
  console.log(s);
};

function npmBench(workspace: string): string {
  const r = spawnSync("npm", ["run", "bench", "-w", workspace, "--silent"], {
    cwd: ROOT,
    encoding: "utf8",
  });
  return (r.stdout + (r.status === 0 ? "" : `\n(exit ${r.status}) ${r.stderr}`)).trim();
}

function bundleSize(): { raw: number; gzip: number } {
  const dir = mkdtempSync(join(tmpdir(), "switchyard-bundle-"));
  execFileSync(join(ROOT, "node_modules/.bin/wrangler"), ["deploy", "--dry-run", "--outdir", dir], {
    cwd: ROOT,
    stdio: "pipe",
    env: { ...process.env, CI: "1" },
  });
  let raw = 0;
  let gzip = 0;
  for (const f of readdirSync(dir)) {
    if (!/\.(m?js|wasm)$/.test(f)) continue;
    const bytes = readFileSync(join(dir, f));
    raw += bytes.length;
    gzip += gzipSync(bytes, { level: 9 }).length;
  }
  rmSync(dir, { recursive: true, force: true });
  return { raw, gzip };
}

/** The builder's initial JS: what index.html loads and preloads, gzipped. */
function builderInitialJs(): { files: number; gzip: number } | undefined {
  const build = join(ROOT, "apps/web/build");
  let html: string;
  try {
    html = readFileSync(join(build, "index.html"), "utf8");
  } catch {
    return undefined;
  }
  const refs = new Set([...html.matchAll(/["'](\/?_app\/[^"']+\.js)["']/g)].map((m) => m[1]!));
  let gzip = 0;
  for (const ref of refs) {
    const p = join(build, ref.replace(/^\//, ""));
    if (statSync(p, { throwIfNoEntry: false }))
      gzip += gzipSync(readFileSync(p), { level: 9 }).length;
  }
  return { files: refs.size, gzip };
}

async function rate(total: number, concurrency: number, call: () => Promise<number>) {
  const codes = new Map<number, number>();
  const t0 = performance.now();
  await pool(total, concurrency, async () => {
    const s = await call();
    codes.set(s, (codes.get(s) ?? 0) + 1);
  });
  const secs = (performance.now() - t0) / 1000;
  return { perSec: total / secs, codes: Object.fromEntries(codes) };
}

const fmt = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : "–");

async function main() {
  const cpu = cpus();
  out("# Switchyard benchmarks");
  out();
  out(`- Date: ${new Date().toISOString()}`);
  out(`- Machine: ${cpu[0]?.model ?? "?"}, ${cpu.length} cores (shared), Node ${process.version}`);
  out("- Runtime: `wrangler dev` locally (workerd, local D1/DO/Queues), fresh state, one process");
  out("- Reproduce: `npm run bench` (writes this file); load: `npm run bench:load`");
  out();

  // The per-tenant rate limit is lifted: this measures the Worker, not the limiter's setting.
  const w = await startWorker({
    vars: { SWITCHYARD_RATE_LIMITS: JSON.stringify({ events: { perSecond: 1e6, burst: 1e6 } }) },
  });
  try {
    const api = new Client(w.baseUrl, { key: w.vars.SWITCHYARD_DEMO_API_KEY });
    const anon = new Client(w.baseUrl);

    // Ingest vs the no-op route of the same Worker.
    await rate(50, 4, async () => (await anon.get("/v1/health")).status); // warm up
    const health = await rate(600, 8, async () => (await anon.get("/v1/health")).status);
    let n = 0;
    const ingest = await rate(600, 8, async () => {
      n += 1;
      return (await api.post("/v1/events", { type: "bench.ingested", data: { n } })).status;
    });
    out("## Ingest");
    out();
    out("| route | req/s (8 in flight) | answers |");
    out("|---|---|---|");
    out(`| GET /v1/health (no-op) | ${fmt(health.perSec)} | ${JSON.stringify(health.codes)} |`);
    out(`| POST /v1/events | ${fmt(ingest.perSec)} | ${JSON.stringify(ingest.codes)} |`);
    out();
    out(
      `Ratio ingest / no-op: ${(ingest.perSec / health.perSec).toFixed(2)} (the per-tenant rate limit lifted for this run)`,
    );
    out();

    // Event → run finished, one step and five steps, sent one every 250 ms.
    out("## Event → run finished (ms, server timestamps: event receivedAt → run finishedAt)");
    out();
    out("| workflow | runs | p50 | p95 | p99 |");
    let floorP50 = Number.NaN;
    const p50s: string[] = [];
    out("|---|---|---|---|---|");
    const floor = await startFloor();
    try {
      const f = summary(await floorLatencies(floor.baseUrl, 40, 250));
      out(
        `| platform floor: bare DO + queue round trip, same hops as one step | ${f.n} | ${fmt(f.p50)} | ${fmt(f.p95)} | ${fmt(f.p99)} |`,
      );
      floorP50 = f.p50;
    } finally {
      await floor.stop();
    }
    for (const steps of [1, 5]) {
      const trigger = `bench.s${steps}`;
      const wf = await api.must(
        "POST",
        "/v1/workflows",
        emailWorkflow(`Bench ${steps}`, trigger, steps),
      );
      const count = 40;
      for (let i = 0; i < count; i++) {
        await api.must("POST", "/v1/events", { type: trigger, data: { i } });
        await sleep(250);
      }
      const runs = await waitRuns(api, wf.id, count);
      const s = summary(await latencies(api, runs));
      out(
        `| ${steps} × send_email (outbox) | ${s.n} | ${fmt(s.p50)} | ${fmt(s.p95)} | ${fmt(s.p99)} |`,
      );
      p50s.push(`${steps} step${steps > 1 ? "s" : ""} ${(s.p50 / floorP50).toFixed(1)}× the floor`);
    }
    out();
    out(`p50 against the floor: ${p50s.join(", ")}.`);
    out();

    // Sustained executions: a backlog of one-step runs, first accept → last finish.
    const wf = await api.must(
      "POST",
      "/v1/workflows",
      emailWorkflow("Bench sustained", "bench.sustained", 1),
    );
    const total = 300;
    const t0 = Date.now();
    let accepted = 0;
    await pool(total, 8, async (i) => {
      for (;;) {
        const r = await api.post("/v1/events", { type: "bench.sustained", data: { i } });
        if (r.status === 202) break;
        await sleep(Number(r.headers.get("retry-after") ?? 1) * 1000);
      }
      accepted += 1;
    });
    const runs = await waitRuns(api, wf.id, accepted);
    const last = Math.max(...runs.map((r) => Date.parse(r.finishedAt)));
    const secs = (last - t0) / 1000;
    out("## Workflow executions sustained");
    out();
    out(
      `${accepted} one-step runs (send_email to the outbox) from first accept to last finish in ${secs.toFixed(1)} s: **${(accepted / secs).toFixed(1)} executions/s** on this shared machine (n8n publishes 220/s for one instance on larger hardware).`,
    );
    out();
  } finally {
    await w.stop();
    rmSync(w.stateDir, { recursive: true, force: true });
  }

  out("## Matching cost and engine (packages/engine bench)");
  out();
  out("```");
  out(npmBench("@switchyard/engine"));
  out("```");
  out();
  out("## The expression language against its peers (packages/expr bench)");
  out();
  out("```");
  out(npmBench("@switchyard/expr"));
  out("```");
  out();
  out("## Sizes");
  out();
  const b = bundleSize();
  out(
    `- Worker bundle (\`wrangler deploy --dry-run\`): ${(b.raw / 1024).toFixed(0)} KiB, ${(b.gzip / 1024).toFixed(0)} KiB gzipped`,
  );
  const js = builderInitialJs();
  out(
    js
      ? `- Builder initial JS (what apps/web/build/index.html loads and preloads): ${js.files} files, ${(js.gzip / 1024).toFixed(1)} KiB gzipped`
      : "- Builder initial JS: apps/web/build/index.html missing (run `npm run build` first)",
  );
  out();
  out("## Notes");
  out();
  out("- Measured once, on a 2-core machine shared with other work, so absolute figures are low");
  out("  and noisy; the ratios within one run are the comparison.");
  out("- Ingest: the no-op route is the runtime's ceiling here; an event costs an API-key read,");
  out("  the tenant's rate-limiter Durable Object, one D1 insert and a queue send (local D1 is");
  out("  one SQLite file behind workerd, the bottleneck on this machine).");
  out("- The platform floor is bench/floor: a Worker with only a Durable Object and two queues,");
  out("  taking the hops of a one-step run (HTTP → queue → DO checkpoint → queue → DO), with the");
  out("  same queue settings. A run adds D1 reads and writes, the engine and the action.");
  out();
  const load = loadSection();
  out(load ?? "Load: not yet run on this machine (`npm run bench:load`).");
  writeFileSync(RESULTS, `${lines.join("\n")}\n`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
