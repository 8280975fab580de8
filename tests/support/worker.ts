// Starts the real Worker with `wrangler dev` (workerd, local D1, queues, DOs)
// on a free port with its own state directory and secrets, for end-to-end,
// browser and fault tests. Stopped by killing its whole process group.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { appendFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const ROOT = join(import.meta.dirname, "..", "..");
export const WRANGLER = join(ROOT, "node_modules", ".bin", "wrangler");

export interface WorkerHandle {
  baseUrl: string;
  port: number;
  stateDir: string;
  envFile: string;
  vars: Record<string, string>;
  /** The devtools port of the current process (changes on restart). */
  inspectorPort(): number;
  /** The process group of the current `wrangler dev` (workerd runs in it). */
  processGroup(): number | undefined;
  stop(): Promise<void>;
  /** Kills the process group and starts again on the same state and port. */
  restart(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() =>
        typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port")),
      );
    });
  });
}

export function buildWeb(): void {
  const res = spawnSync("npm", ["run", "build", "-w", "@switchyard/web", "--silent"], {
    cwd: ROOT,
    stdio: "pipe",
  });
  if (res.status !== 0) throw new Error(`web build failed:\n${res.stdout}\n${res.stderr}`);
}

export async function startWorker(
  opts: { vars?: Record<string, string>; stateDir?: string; root?: string } = {},
): Promise<WorkerHandle> {
  // Another checkout of the project (a benchmark's baseline), with its own wrangler.
  const root = opts.root ?? ROOT;
  const wrangler = join(root, "node_modules", ".bin", "wrangler");
  const port = await freePort();
  const stateDir = opts.stateDir ?? mkdtempSync(join(tmpdir(), "switchyard-state-"));
  const baseUrl = `http://localhost:${port}`;
  const vars: Record<string, string> = {
    SWITCHYARD_PLATFORM_TOKEN: "e2e-platform-token",
    SWITCHYARD_ENCRYPTION_KEY: "ZTJlLWVuY3J5cHRpb24ta2V5LTMyLWJ5dGVzLWxvbmch",
    SWITCHYARD_AUDIT_KEY: "e2e-audit-key",
    SWITCHYARD_PUBLIC_URL: baseUrl,
    SWITCHYARD_ALLOW_PRIVATE_WEBHOOKS: "true",
    SWITCHYARD_DEMO_PASSWORD: "demo-password-e2e",
    SWITCHYARD_DEMO_API_KEY: "sy_e2edemokey000000000000000000000000000000000",
    // Production D1's limits, which local SQLite lacks (apps/api/src/lib/d1-limits.ts).
    SWITCHYARD_D1_LIMITS: "true",
    ...opts.vars,
  };
  const envFile = join(stateDir, "e2e.env");
  writeFileSync(
    envFile,
    Object.entries(vars)
      .map(([k, v]) => `${k}=${v}`)
      .join("\n"),
  );
  const migrate = spawnSync(
    wrangler,
    ["d1", "migrations", "apply", "DB", "--local", "--persist-to", stateDir],
    {
      cwd: root,
      stdio: "pipe",
      env: { ...process.env, CI: "1" },
    },
  );
  if (migrate.status !== 0)
    throw new Error(`migrations failed:\n${migrate.stdout}\n${migrate.stderr}`);

  let child: ChildProcess | undefined;
  let inspectorPort = 0;
  const launch = async () => {
    // Its own devtools port too: the default (9229) is taken by whichever
    // other `wrangler dev` on this machine started first.
    inspectorPort = await freePort();
    child = spawn(
      wrangler,
      [
        "dev",
        "--port",
        String(port),
        "--inspector-port",
        String(inspectorPort),
        "--ip",
        "127.0.0.1",
        "--persist-to",
        stateDir,
        "--env-file",
        envFile,
        "--show-interactive-dev-session=false",
        "--log-level",
        "warn",
      ],
      {
        cwd: root,
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, CI: "1" },
      },
    );
    let output = "";
    child.stdout?.on("data", (d) => (output += d));
    child.stderr?.on("data", (d) => (output += d));
    // WORKER_LOG=<file>: everything the Worker prints, for debugging a run.
    const log = process.env.WORKER_LOG;
    if (log) {
      child.stdout?.on("data", (d) => appendFileSync(log, d));
      child.stderr?.on("data", (d) => appendFileSync(log, d));
    }
    const until = Date.now() + 90_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`wrangler dev exited:\n${output}`);
      try {
        if ((await fetch(`${baseUrl}/v1/health`)).ok) break;
      } catch {
        // not yet
      }
      if (Date.now() > until) throw new Error(`wrangler dev did not come up:\n${output}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  const kill = async () => {
    const c = child;
    if (!c || c.exitCode !== null || c.pid === undefined) return;
    const exited = new Promise((r) => c.once("exit", r));
    try {
      process.kill(-c.pid, "SIGKILL");
    } catch {
      // gone
    }
    await exited;
  };
  await launch();
  const seed = await fetch(`${baseUrl}/v1/platform/demo-seed`, {
    method: "POST",
    headers: { authorization: `Bearer ${vars.SWITCHYARD_PLATFORM_TOKEN}` },
  });
  if (!seed.ok) throw new Error(`demo seed failed: ${seed.status} ${await seed.text()}`);
  return {
    baseUrl,
    port,
    stateDir,
    envFile,
    vars,
    inspectorPort: () => inspectorPort,
    processGroup: () => child?.pid,
    stop: kill,
    restart: async () => {
      await kill();
      await launch();
    },
  };
}
