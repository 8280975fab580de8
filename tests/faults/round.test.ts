import { afterAll, beforeAll, describe, it } from "vitest";
import { killRounds, startWorld, type World } from "./world.ts";

// The short fault round in `npm test` (the long one: `npm run test:long`):
// runs in flight through delays, parallel branches, webhooks that fail, hang
// and answer slowly, and an email provider answering 429 then 500, while
// `wrangler dev` is killed twice a round at random moments.

const ROUNDS = 2;
const EVENTS = 4;

let world: World;

beforeAll(async () => {
  world = await startWorld(4242);
}, 180_000);

afterAll(async () => {
  await world?.stop();
});

describe("a short fault round", () => {
  it(`keeps every promise through ${ROUNDS * 2} kills`, async () => {
    console.log(`short fault round: ${await killRounds(world, ROUNDS, EVENTS)}`);
  }, 600_000);
});
