// One seed of the deterministic simulation: generate workflows and events,
// run the world until it is quiet, check the invariants.
import { validateDefinition } from "../../src/definition/validate.ts";
import { generateItems, generateWorkflow } from "./generate.ts";
import type { Coverage } from "./invariants.ts";
import { checkQuiescent, count, InvariantViolation } from "./invariants.ts";
import { Prng } from "./prng.ts";
import { World } from "./world.ts";

export interface SeedReport {
  seed: number;
  ok: boolean;
  error?: string;
  runs: number;
  messages: number;
  statuses: Record<string, number>;
  /** What the run states and checks saw (loops, items, retries …). */
  coverage: Coverage;
  /** A hash of the trace: the same seed must give the same hash. */
  traceHash: number;
}

export function simulateSeed(seed: number, budget = 50_000): SeedReport {
  const rng = new Prng(seed);
  const world = new World(rng);
  const statuses: Record<string, number> = {};
  try {
    const workflows = rng.int(1, 4);
    for (let i = 0; i < workflows; i++) {
      // About three in ten workflows have loops (the others keep the seed cheap).
      const definition = generateWorkflow(rng, `wf${i}`, rng.chance(0.3));
      const validated = validateDefinition(definition);
      if (!validated.ok) {
        throw new InvariantViolation(
          `generator made an invalid workflow: ${JSON.stringify(validated.problems)}`,
        );
      }
      world.publish(`wf${i}`, validated.definition);
    }
    const events = rng.int(1, 3);
    for (let i = 0; i < events; i++) {
      const type = rng.pick(["order.created", "acct.updated", "deal.updated"]);
      world.emitExternal(
        {
          id: `ext${i}`,
          type,
          // 0–30 items, short lists more often than long ones.
          data: {
            id: `x${i}`,
            n: rng.int(0, 9),
            items: generateItems(rng, rng.int(0, rng.pick([3, 8, 30]))),
          },
          occurredAt: "2025-01-01T00:00:00Z",
        },
        rng.int(0, 10_000),
      );
    }
    world.run(budget);
    for (const [runId, shell] of world.shells) {
      if (shell.crashed || shell.outbox.length > 0)
        throw new InvariantViolation(`${runId}: left with an outbox`);
      const state = shell.load();
      checkQuiescent(state, world.executor.applications);
      statuses[state.status] = (statuses[state.status] ?? 0) + 1;
      for (const [id, step] of Object.entries(state.steps)) {
        if (step.kind !== "forEach" || step.loop === undefined) continue;
        const nested = id.includes("[");
        count(world.coverage, `${nested ? "nested " : ""}loop ${step.status}`);
        count(world.coverage, "items", step.loop.total);
        if (step.status === "succeeded" && step.loop.failed.length > 0)
          count(world.coverage, "loop succeeded with failed items");
      }
    }
    return {
      seed,
      ok: true,
      runs: world.shells.size,
      messages: world.delivered,
      statuses,
      coverage: world.coverage,
      traceHash: hash(world.trace),
    };
  } catch (error) {
    const message =
      error instanceof Error ? `${error.message}\n${error.stack ?? ""}` : String(error);
    return {
      seed,
      ok: false,
      error: message,
      runs: world.shells.size,
      messages: world.delivered,
      statuses,
      coverage: world.coverage,
      traceHash: hash(world.trace),
    };
  }
}

function hash(lines: readonly string[]): number {
  let h = 2166136261;
  for (const line of lines) {
    for (let i = 0; i < line.length; i++) h = Math.imul(h ^ line.charCodeAt(i), 16777619);
    h = Math.imul(h ^ 10, 16777619);
  }
  return h >>> 0;
}
