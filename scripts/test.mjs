// `npm run test:unit`: every Vitest project, in three processes side by side.
//
// Vitest runs every project whose files go one at a time (our `e2e` project,
// which shares one `wrangler dev`) as one sequential group *after* all the
// other projects (groupSpecs in vitest's cli-api), so in one `vitest run` the
// end-to-end chain never overlaps the workerd pool of `api`. Separate
// processes let it: the cores were 40% busy otherwise.
//
// The builder is built once, first: the `api` pool serves `apps/web/build`
// through wrangler.toml's [assets] and the e2e global setup would otherwise
// rebuild it underneath that pool (SWITCHYARD_WEB_BUILT tells it not to).
//
// Arguments are passed to every process (`npm run test:unit -- -t name`);
// a run with file filters goes to a single `vitest run` instead.
import { spawn, spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const vitest = `${root}node_modules/.bin/vitest`;
const args = process.argv.slice(2);

if (args.some((a) => !a.startsWith("-"))) {
  const res = spawnSync(vitest, ["run", ...args], { cwd: root, stdio: "inherit" });
  process.exit(res.status ?? 1);
}

const build = spawnSync("npm", ["run", "build", "-w", "@switchyard/web", "--silent"], {
  cwd: root,
  stdio: "inherit",
});
if (build.status !== 0) process.exit(build.status ?? 1);

// Three lanes. The unit lane takes two files at a time (Vitest's default
// in a run is one per core less one: a single workerd pool on this 2-core
// machine). The end-to-end suites wait on timers, browsers and restarts far
// more than they compute, so the builder's browser suites and the rest run
// side by side, each lane with its own `wrangler dev` (global setup).
const lanes = [
  {
    name: "unit",
    args: ["--project", "expr", "--project", "engine", "--project", "api", "--maxWorkers=2"],
  },
  { name: "browser", args: ["--project", "e2e", "tests/builder/"] },
  { name: "e2e", args: ["--project", "e2e", ...otherEndToEndFolders()] },
];

const started = Date.now();
const results = await Promise.all(
  lanes.map(
    (lane) =>
      new Promise((resolve) => {
        const child = spawn(vitest, ["run", ...lane.args, ...args], {
          cwd: root,
          stdio: ["ignore", "pipe", "pipe"],
          env: { ...process.env, SWITCHYARD_WEB_BUILT: "1", FORCE_COLOR: "0" },
        });
        prefix(child.stdout, process.stdout, lane.name);
        prefix(child.stderr, process.stderr, lane.name);
        child.on("close", (code, signal) =>
          resolve({ lane: lane.name, code: code ?? (signal ? 1 : 0) }),
        );
      }),
  ),
);

const seconds = Math.round((Date.now() - started) / 1000);
for (const r of results)
  console.log(`[${r.lane}] ${r.code === 0 ? "passed" : `failed (exit ${r.code})`}`);
console.log(`vitest lanes finished in ${seconds} s`);
process.exit(results.some((r) => r.code !== 0) ? 1 : 0);

/** Copies a stream line by line, each line tagged with its lane. */
function prefix(from, to, name) {
  let rest = "";
  from.setEncoding("utf8");
  from.on("data", (chunk) => {
    const lines = (rest + chunk).split("\n");
    rest = lines.pop() ?? "";
    for (const line of lines) to.write(`[${name}] ${line}\n`);
  });
  from.on("end", () => {
    if (rest) to.write(`[${name}] ${rest}\n`);
  });
}

/**
 * Every folder of tests/ but the builder's, as file filters (Vitest's
 * --exclude does not reach a project's files): a new folder joins this lane.
 */
function otherEndToEndFolders() {
  return readdirSync(`${root}tests`, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !["builder", "support", "node_modules"].includes(d.name))
    .map((d) => `tests/${d.name}/`);
}
