import { afterAll, beforeAll, describe, it } from "vitest";
import { figures, startWorld, type World } from "../world.ts";

// The long fault round (`npm run test:long`): ROUNDS rounds (default 100) of
// EVENTS_PER_ROUND events to each of two tenants, `wrangler dev` killed twice
// a round at random moments (right away, mid-dispatch, mid-delay,
// mid-webhook, mid-provider call) and restarted on the same state; after
// every round every promise is checked (tests/faults/world.ts). Prints the
// figures. ROUNDS=n and EVENTS_PER_ROUND=n size it.

const ROUNDS = Number(process.env.ROUNDS ?? 100);
const EVENTS_PER_ROUND = Number(process.env.EVENTS_PER_ROUND ?? 4);

let world: World;

beforeAll(async () => {
  world = await startWorld();
}, 180_000);

afterAll(async () => {
  await world?.stop();
});

describe("long fault round", () => {
  it(`keeps every promise through ${ROUNDS * 2} kills`, async () => {
    const started = Date.now();
    for (let round = 0; round < ROUNDS; round++) {
      await world.send(round, EVENTS_PER_ROUND);
      await world.killAtRandom(2_500);
      await world.killAtRandom(3_000);
      await world.checkRound(`round ${round + 1}`);
      if ((round + 1) % 10 === 0)
        console.log(`after round ${round + 1}: ${figures(world, (Date.now() - started) / 1000)}`);
    }
    console.log(`long fault round: ${figures(world, (Date.now() - started) / 1000)}`);
  }, 14_400_000);
});
