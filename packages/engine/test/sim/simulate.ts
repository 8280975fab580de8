// One seed of the deterministic simulation: generate workflows and events,
// run the world until it is quiet, check the invariants.
import { validateDefinition } from "../../src/definition/validate.ts";
import { generateWorkflow } from "./generate.ts";
import { checkQuiescent, InvariantViolation } from "./invariants.ts";
import { Prng } from "./prng.ts";
import { World } from "./world.ts";

export interface SeedReport {
  seed: number;
  ok: boolean;
  error?: string;
  runs: number;
  messages: number;
  statuses: Record<string, number>;
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
      const definition = generateWorkflow(rng, `wf${i}`);
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
          data: { id: `x${i}`, n: rng.int(0, 9) },
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
      checkQuiescent(state);
      statuses[state.status] = (statuses[state.status] ?? 0) + 1;
    }
    return {
      seed,
      ok: true,
      runs: world.shells.size,
      messages: world.delivered,
      statuses,
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
