import { defineConfig } from "vitest/config";

// One `vitest run` at the root runs every project: plain Node for the pure
// packages, the workers pool (real workerd, real wrangler.toml) for the API.
export default defineConfig({
  test: {
    projects: ["packages/expr", "packages/engine", "apps/api", "tests"],
  },
});
