import { defineProject } from "vitest/config";

/**
 * Suites that start their own `wrangler dev` (own state, own ports, own
 * fake providers on 127.0.0.1) and neither use the shared one nor a
 * browser: the fault rounds, the edges and the secrets-at-rest check. They
 * run one at a time in this lane while the shared-worker suites run in
 * theirs (the e2e project), so `npm test`'s wall time is not the sum of
 * both: each lane mostly waits on its Worker, not on the two cores.
 * Vitest runs every project's global setup (the builder's build) before any
 * file, so their `wrangler dev` finds the built assets.
 */
export const OWN_WORKER_SUITES = [
  "faults/round.test.ts",
  "faults/restart.test.ts",
  "edges/webhooks-out.test.ts",
  "edges/providers.test.ts",
  "security/at-rest.test.ts",
];

export default defineProject({
  test: {
    name: "e2e-own",
    include: OWN_WORKER_SUITES,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
