#!/usr/bin/env node
// `npm run dev`: everything a fresh clone needs, then the Worker on :8787.
//   1. .dev.vars with random secrets, when missing (never overwritten)
//   2. the builder's static build (apps/web/build, served as the Worker's assets)
//   3. the D1 migrations, applied to the local database
//   4. `wrangler dev`, then the demo tenant seeded idempotently through the API
//   5. the URL, the demo login and the demo API key, printed every time
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const port = Number(process.env.PORT ?? 8787);
const base = `http://localhost:${port}`;
const varsPath = join(root, ".dev.vars");
const wranglerBin = join(root, "node_modules", ".bin", "wrangler");

const token = (bytes = 24) => randomBytes(bytes).toString("base64url");
const apiKey = () =>
  `sy_${randomBytes(32).toString("base64url").replaceAll("-", "x").replaceAll("_", "y")}`;

function ensureDevVars() {
  if (existsSync(varsPath)) return false;
  const vars = {
    SWITCHYARD_PLATFORM_TOKEN: token(),
    SWITCHYARD_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
    SWITCHYARD_AUDIT_KEY: token(32),
    SWITCHYARD_PUBLIC_URL: base,
    SWITCHYARD_ALLOW_PRIVATE_WEBHOOKS: "true",
    SWITCHYARD_DEMO_PASSWORD: `demo-${token(9)}`,
    SWITCHYARD_DEMO_API_KEY: apiKey(),
  };
  const text = Object.entries(vars)
    .map(([k, v]) => `${k}=${v}`)
    .join("\n");
  writeFileSync(
    varsPath,
    `# Local secrets for wrangler dev, made by npm run dev. Not committed.\n${text}\n`,
    { mode: 0o600 },
  );
  return true;
}

function readDevVars() {
  const vars = {};
  for (const line of readFileSync(varsPath, "utf8").split("\n")) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) vars[m[1]] = m[2].replace(/^"(.*)"$/, "$1");
  }
  return vars;
}

function run(step, cmd, args) {
  console.log(`\n▸ ${step}`);
  const res = spawnSync(cmd, args, {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, CI: "1" },
  });
  if (res.status !== 0) {
    console.error(`✗ ${step} failed (exit ${res.status})`);
    process.exit(res.status ?? 1);
  }
}

async function waitForHealth(child, deadlineMs) {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${base}/v1/health`);
      if (res.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`no answer from ${base}/v1/health after ${deadlineMs / 1000}s`);
}

const created = ensureDevVars();
const vars = readDevVars();
if (created) console.log(`Created .dev.vars with fresh secrets.`);

run("Building the builder (apps/web)", "npm", [
  "run",
  "build",
  "-w",
  "@switchyard/web",
  "--silent",
]);
run("Applying D1 migrations to the local database", wranglerBin, [
  "d1",
  "migrations",
  "apply",
  "DB",
  "--local",
]);

console.log(`\n▸ Starting wrangler dev on ${base}`);
// Its own process group, so stopping this script stops workerd too (TOOLCHAIN.md #7).
const child = spawn(
  wranglerBin,
  ["dev", "--port", String(port), "--show-interactive-dev-session=false"],
  {
    cwd: root,
    stdio: "inherit",
    detached: true,
  },
);
const stop = () => {
  try {
    process.kill(-child.pid, "SIGTERM");
  } catch {
    // already gone
  }
};
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(sig, () => {
    stop();
    process.exit(0);
  });
}
process.on("exit", stop);
child.on("exit", (code) => process.exit(code ?? 0));

try {
  await waitForHealth(child, 120_000);
  const res = await fetch(`${base}/v1/platform/demo-seed`, {
    method: "POST",
    headers: { authorization: `Bearer ${vars.SWITCHYARD_PLATFORM_TOKEN}` },
  });
  const seeded = await res.json();
  if (!res.ok) throw new Error(`demo seed failed: ${res.status} ${JSON.stringify(seeded)}`);
  const line = "─".repeat(72);
  console.log(`\n${line}
  Switchyard is running: ${base}
    Builder        ${base}/
    API reference  ${base}/docs   (OpenAPI: ${base}/v1/openapi.json)

  Demo tenant "Acme Operations"${seeded.created.length ? ` (seeded: ${seeded.created.join(", ")})` : ""}
    Sign in        admin@acme.example / ${vars.SWITCHYARD_DEMO_PASSWORD}
    API key        ${vars.SWITCHYARD_DEMO_API_KEY}
    Platform token ${vars.SWITCHYARD_PLATFORM_TOKEN}

  Try:  curl -s ${base}/v1/workflows -H "Authorization: Bearer ${vars.SWITCHYARD_DEMO_API_KEY}"
${line}\n`);
} catch (err) {
  console.error(`✗ ${err.message}`);
  stop();
  process.exit(1);
}
