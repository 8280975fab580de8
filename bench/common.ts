// Shared by the benchmark and load scripts: a dedicated `wrangler dev`, an
// API client, workflows that do real work (the outbox), and percentiles.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client, type Json } from "../tests/security/api.ts";
import { freePort, ROOT, WRANGLER } from "../tests/support/worker.ts";

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

/**
 * The floor worker (bench/floor): a bare Durable Object + queue round trip
 * with a one-step run's hops, on its own `wrangler dev`.
 */
export async function startFloor(): Promise<{
  baseUrl: string;
  stop: () => Promise<void>;
  processGroup: () => number | undefined;
}> {
  const port = await freePort();
  const inspectorPort = await freePort();
  const state = mkdtempSync(join(tmpdir(), "switchyard-floor-"));
  const baseUrl = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    WRANGLER,
    [
      "dev",
      "-c",
      "bench/floor/wrangler.toml",
      "--port",
      String(port),
      "--inspector-port",
      String(inspectorPort),
      "--ip",
      "127.0.0.1",
      "--persist-to",
      state,
      "--show-interactive-dev-session=false",
      "--log-level",
      "warn",
    ],
    { cwd: ROOT, detached: true, stdio: "ignore", env: { ...process.env, CI: "1" } },
  );
  const stop = async () => {
    if (child.exitCode === null && child.pid !== undefined) {
      const exited = new Promise((r) => child.once("exit", r));
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // gone
      }
      await exited;
    }
    rmSync(state, { recursive: true, force: true });
  };
  const until = Date.now() + 90_000;
  for (;;) {
    try {
      if ((await fetch(`${baseUrl}/health`)).ok)
        return { baseUrl, stop, processGroup: () => child.pid };
    } catch {
      // not yet
    }
    if (child.exitCode !== null || Date.now() > until) {
      await stop();
      throw new Error("the floor worker did not come up");
    }
    await sleep(250);
  }
}

/** Sends `count` round trips through the floor worker, one every `gapMs`; their latencies. */
export async function floorLatencies(baseUrl: string, count: number, gapMs: number) {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const r = await fetch(`${baseUrl}/start`, { method: "POST" });
    ids.push(((await r.json()) as { id: string }).id);
    await sleep(gapMs);
  }
  const out: number[] = [];
  const until = Date.now() + 120_000;
  for (const id of ids) {
    for (;;) {
      const r = (await (await fetch(`${baseUrl}/result/${id}`)).json()) as {
        receivedAt?: number;
        finishedAt?: number;
      };
      if (r.receivedAt !== undefined && r.finishedAt !== undefined) {
        out.push(r.finishedAt - r.receivedAt);
        break;
      }
      if (Date.now() > until) throw new Error(`floor round trip ${id} never finished`);
      await sleep(200);
    }
  }
  return out;
}

export const RESULTS = join(ROOT, "bench", "RESULTS.md");
const LOAD_START = "<!-- bench:load -->";
const LOAD_END = "<!-- /bench:load -->";

/** The load section of RESULTS.md (written by `npm run bench:load`), markers included. */
export function loadSection(): string | undefined {
  let text: string;
  try {
    text = readFileSync(RESULTS, "utf8");
  } catch {
    return undefined;
  }
  const a = text.indexOf(LOAD_START);
  const b = text.indexOf(LOAD_END);
  return a >= 0 && b > a ? text.slice(a, b + LOAD_END.length) : undefined;
}

/** Replaces (or appends) the load section of RESULTS.md, keeping the rest. */
export function writeLoadSection(lines: string[]): void {
  const section = [LOAD_START, ...lines, LOAD_END].join("\n");
  let text = "";
  try {
    text = readFileSync(RESULTS, "utf8");
  } catch {
    // first run
  }
  const old = loadSection();
  writeFileSync(RESULTS, old ? text.replace(old, section) : `${text.trimEnd()}\n\n${section}\n`);
}

/**
 * CPU seconds (user + system) used so far by every process of a process
 * group (a `wrangler dev`: its workerd and its Node front), from /proc.
 */
export function groupCpuSeconds(group: number | undefined): number {
  if (group === undefined) return Number.NaN;
  let ticks = 0;
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      continue; // gone
    }
    // Fields after the command (which may hold spaces) start at ") ".
    const f = stat.slice(stat.lastIndexOf(") ") + 2).split(" ");
    if (Number(f[2]) !== group) continue;
    ticks += Number(f[11]) + Number(f[12]);
  }
  return ticks / 100;
}
