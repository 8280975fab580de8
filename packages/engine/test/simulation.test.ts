// The deterministic simulation (issue 4, "Proof"): thousands of seeds, each
// a world of random workflows, unreliable queues, crashing run objects and
// misbehaving executors. A failing seed replays exactly:
//   SIM_SEED=1234 npx vitest run --project engine test/simulation.test.ts
// More seeds: npm run simulate -w @switchyard/engine -- --seeds 100000
import { describe, expect, it } from "vitest";
import { simulateSeed } from "./sim/simulate.ts";

const env =
  (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env ?? {};
const only = env.SIM_SEED !== undefined ? Number(env.SIM_SEED) : null;
const SEEDS = Number(env.SIM_SEEDS ?? 2_000);
const CHUNK = 500;

const totals: Record<string, number> = {};
const coverage: Record<string, number> = {};

function runSeeds(seeds: readonly number[]): void {
  for (const seed of seeds) {
    const report = simulateSeed(seed);
    if (!report.ok) {
      throw new Error(
        `seed ${seed} failed: ${report.error}\nreproduce: SIM_SEED=${seed} npx vitest run --project engine test/simulation.test.ts`,
      );
    }
    for (const [status, n] of Object.entries(report.statuses))
      totals[status] = (totals[status] ?? 0) + n;
    for (const [name, n] of Object.entries(report.coverage))
      coverage[name] = (coverage[name] ?? 0) + n;
  }
}

describe("deterministic simulation", () => {
  if (only !== null) {
    it(`holds every invariant for seed ${only}`, () => runSeeds([only]));
    return;
  }
  for (let start = 1; start <= SEEDS; start += CHUNK) {
    const end = Math.min(SEEDS, start + CHUNK - 1);
    it(`holds every invariant for seeds ${start}–${end}`, { timeout: 60_000 }, () => {
      runSeeds(Array.from({ length: end - start + 1 }, (_, i) => start + i));
    });
  }

  it("exercises every ending (or the invariants prove little)", () => {
    for (const status of ["succeeded", "failed", "filtered", "suppressed", "cancelled"]) {
      expect(totals[status] ?? 0, `runs ending ${status}`).toBeGreaterThan(0);
    }
  });

  it("runs loops through every fault (or the loop invariants prove little)", () => {
    for (const seen of [
      "loop succeeded",
      "loop failed",
      "loop cancelled",
      "nested loop succeeded",
      "nested loop failed",
      "loop succeeded with failed items",
      "loop at its concurrency",
      "loop retried with failed items",
      "unread loop list moved to a new version",
      "crash mid-loop",
      "item step input ignored (stale or duplicate)",
    ]) {
      expect(coverage[seen] ?? 0, seen).toBeGreaterThan(0);
    }
    expect(coverage.items ?? 0).toBeGreaterThan(1_000);
  });

  it("replays a seed exactly", () => {
    for (const seed of [7, 42, 999]) {
      expect(simulateSeed(seed).traceHash).toBe(simulateSeed(seed).traceHash);
    }
  });
});
