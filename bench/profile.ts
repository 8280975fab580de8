// `npm run bench:profile` (not in npm test): where the Worker's CPU goes on
// the sustained one-step load of `npm run bench` (300 one-step runs, 8 in
// flight). Samples workerd's V8 through wrangler's devtools port and prints
// the functions with the most self time, and the share per source file.
// PROFILE_EVENTS and PROFILE_STEPS change the load; PROFILE_BEFORE=n runs n
// batches first (history the store holds); PROFILE_OUT=file keeps the
// .cpuprofile (opens in Chrome's devtools).
// PROFILE_CAP=n sets the tenant's maxRunningRuns (the default cap queues runs under this load).
import { writeFileSync } from "node:fs";
import WebSocket from "ws";
import { startWorker } from "../tests/support/worker.ts";
import { Client, emailWorkflow, waitRuns } from "./common.ts";
import { sendAll } from "./scale.ts";

const EVENTS = Number(process.env.PROFILE_EVENTS ?? 300);
const STEPS = Number(process.env.PROFILE_STEPS ?? 1);
/** Batches run before the profiled one (history the store already holds). */
const BEFORE = Number(process.env.PROFILE_BEFORE ?? 0);

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

function devtools(port: number) {
  return async () => {
    const targets = (await (await fetch(`http://127.0.0.1:${port}/json`)).json()) as {
      webSocketDebuggerUrl: string;
    }[];
    const target = targets[0];
    if (!target) throw new Error("no devtools target");
    const ws = new WebSocket(target.webSocketDebuggerUrl);
    await new Promise((r, j) => {
      ws.once("open", r);
      ws.once("error", j);
    });
    let next = 1;
    const waiting = new Map<number, (v: unknown) => void>();
    ws.on("message", (raw) => {
      const m = JSON.parse(String(raw)) as { id?: number; result?: unknown };
      if (m.id !== undefined) waiting.get(m.id)?.(m.result);
    });
    const call = (method: string, params: object = {}) =>
      new Promise<unknown>((r) => {
        const id = next++;
        waiting.set(id, r);
        ws.send(JSON.stringify({ id, method, params }));
      });
    return { call, close: () => ws.close() };
  };
}

function report(p: Profile): string[] {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => {
    self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0));
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const fn = new Map<string, number>();
  const file = new Map<string, number>();
  for (const [id, us] of self) {
    const f = byId.get(id)?.callFrame;
    if (!f) continue;
    const where = f.url ? `${f.url.split("/").slice(-2).join("/")}:${f.lineNumber + 1}` : "";
    const key = `${f.functionName || "(anonymous)"} ${where}`;
    fn.set(key, (fn.get(key) ?? 0) + us);
    const fk = f.url ? f.url.split("/").slice(-2).join("/") : f.functionName;
    file.set(fk, (file.get(fk) ?? 0) + us);
  }
  // Inclusive time: a function counted once per stack, however deep it recurses.
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const keyOf = (n: Node) => {
    const f = n.callFrame;
    return `${f.functionName || "(anonymous)"} ${f.url ? `${f.url.split("/").slice(-2).join("/")}:${f.lineNumber + 1}` : ""}`;
  };
  const inclusive = new Map<string, number>();
  for (const [id, us] of self) {
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const n = byId.get(at);
      if (!n) break;
      const k = keyOf(n);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + us);
    }
  }
  const pct = (us: number) => `${((100 * us) / total).toFixed(1)}%`;
  const top = (m: Map<string, number>, n: number) =>
    [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, n);
  return [
    `sampled ${(total / 1e6).toFixed(1)} s of CPU`,
    "",
    "self time by function:",
    ...top(fn, 45).map(([k, us]) => `  ${pct(us).padStart(6)}  ${k}`),
    "",
    "inclusive time by function:",
    ...top(inclusive, 60).map(([k, us]) => `  ${pct(us).padStart(6)}  ${k}`),
    "",
    "self time by file:",
    ...top(file, 15).map(([k, us]) => `  ${pct(us).padStart(6)}  ${k}`),
  ];
}

async function main() {
  // Measured as deployed: without the tests' D1-limit checks.
  const w = await startWorker({ vars: { SWITCHYARD_D1_LIMITS: "false" } });
  try {
    const api = new Client(w.baseUrl, { key: w.vars.SWITCHYARD_DEMO_API_KEY! });
    const wf = await api.must("POST", "/v1/workflows", emailWorkflow("Profile", "prof.go", STEPS));
    if (process.env.PROFILE_CAP)
      await api.must("PUT", "/v1/settings/tenant", {
        maxRunningRuns: Number(process.env.PROFILE_CAP),
      });
    await sendAll(api, "prof.warm", 20);
    for (let i = 0; i < BEFORE; i++) {
      const before = await api.must(
        "POST",
        "/v1/workflows",
        emailWorkflow(`Before ${i}`, `prof.before${i}`, STEPS),
      );
      await sendAll(api, `prof.before${i}`, EVENTS);
      await waitRuns(api, before.id, EVENTS);
    }
    const dt = await devtools(w.inspectorPort())();
    await dt.call("Profiler.enable");
    await dt.call("Profiler.setSamplingInterval", { interval: 250 });
    await dt.call("Profiler.start");
    const t0 = Date.now();
    const sent = await sendAll(api, "prof.go", EVENTS);
    await waitRuns(api, wf.id, EVENTS);
    const { profile } = (await dt.call("Profiler.stop")) as { profile: Profile };
    if (process.env.PROFILE_OUT) writeFileSync(process.env.PROFILE_OUT, JSON.stringify(profile));
    dt.close();
    console.log(
      `${EVENTS} events × ${STEPS} step(s): ingest ${sent.perSec.toFixed(0)}/s, all done in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
    for (const line of report(profile)) console.log(line);
  } finally {
    await w.stop();
  }
}

await main();
