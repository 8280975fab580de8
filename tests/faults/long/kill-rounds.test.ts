import { afterAll, beforeAll, describe, it } from "vitest";
import { killRounds, startWorld, type World } from "../world.ts";

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
    console.log(`long fault round: ${await killRounds(world, ROUNDS, EVENTS_PER_ROUND, 10)}`);
  }, 14_400_000);
});
