// Runs more simulation seeds than npm test does:
//   npm run simulate -w @switchyard/engine -- --seeds 100000 [--from 1]
//   npm run simulate -w @switchyard/engine -- --seed 1234      (one seed, verbose)
import { simulateSeed } from "../test/sim/simulate.ts";

function arg(name: string): number | null {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? Number(process.argv[i + 1]) : null;
}

const single = arg("seed");
if (single !== null) {
  const report = simulateSeed(single);
  console.log(JSON.stringify({ ...report, error: undefined }, null, 2));
  if (!report.ok) {
    console.error(report.error);
    process.exitCode = 1;
  }
} else {
  const from = arg("from") ?? 1;
  const count = arg("seeds") ?? 20_000;
  const totals: Record<string, number> = {};
  let runs = 0;
  let messages = 0;
  const failed: number[] = [];
  const start = performance.now();
  for (let seed = from; seed < from + count; seed++) {
    const report = simulateSeed(seed);
    runs += report.runs;
    messages += report.messages;
    for (const [status, n] of Object.entries(report.statuses))
      totals[status] = (totals[status] ?? 0) + n;
    if (!report.ok) {
      failed.push(seed);
      console.error(`seed ${seed}: ${report.error?.split("\n")[0]}`);
    }
    if ((seed - from + 1) % 10_000 === 0) console.log(`… ${seed - from + 1} seeds`);
  }
  const seconds = (performance.now() - start) / 1000;
  console.log(
    `${count} seeds from ${from} in ${seconds.toFixed(1)} s: ${runs} runs, ${messages} messages`,
  );
  console.log(`run endings: ${JSON.stringify(totals)}`);
  if (failed.length > 0) {
    console.error(
      `FAILED seeds: ${failed.slice(0, 50).join(", ")}${failed.length > 50 ? " …" : ""}`,
    );
    console.error("replay one: npm run simulate -w @switchyard/engine -- --seed <n>");
    process.exitCode = 1;
  } else console.log("all invariants held");
}
