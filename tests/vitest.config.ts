import { defineProject } from "vitest/config";
import { OWN_WORKER_SUITES } from "./vitest.own-worker.config.ts";

// End-to-end suites against the real Worker under `wrangler dev`: one file at
// a time, sharing one `wrangler dev` and the builder's build (global setup).
// The suites that start their own `wrangler dev` run beside them, in their
// own lane (vitest.own-worker.config.ts).
export default defineProject({
  test: {
    name: "e2e",
    include: ["**/*.test.ts"],
    exclude: ["**/node_modules/**", "faults/long/**", ...OWN_WORKER_SUITES],
    globalSetup: ["./support/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
