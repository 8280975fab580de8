import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineProject } from "vitest/config";

const root = fileURLToPath(new URL("../..", import.meta.url));
// wrangler.toml's [assets] directory must exist before the pool starts
// (shared/TOOLCHAIN.md #4); a fresh clone has not built the builder yet.
mkdirSync(`${root}/apps/web/build`, { recursive: true });

export default defineProject({
  plugins: [
    cloudflareTest(async () => ({
      wrangler: { configPath: `${root}/wrangler.toml` },
      miniflare: {
        bindings: {
          TEST_MIGRATIONS: await readD1Migrations(`${root}/migrations`),
          SWITCHYARD_PLATFORM_TOKEN: "test-platform-token",
          // Production D1's limits, which local SQLite lacks (src/lib/d1-limits.ts).
          SWITCHYARD_D1_LIMITS: "true",
          SWITCHYARD_AUDIT_KEY: "test-audit-key",
          SWITCHYARD_ENCRYPTION_KEY: "test-encryption-key",
          SWITCHYARD_DEMO_PASSWORD: "demo-password-123",
          SWITCHYARD_DEMO_API_KEY: "sy_demotestkey0000000000000000000000000000000",
          SWITCHYARD_RATE_LIMITS: JSON.stringify({
            events: { perSecond: 5, burst: 40 },
            hooks: { perSecond: 5, burst: 40 },
            records: { perSecond: 5, burst: 40 },
            bulkLaneAbove: 2,
            fanOutRuns: 30,
          }),
        },
      },
    })),
  ],
  test: {
    name: "api",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    setupFiles: ["./test/setup.ts"],
    testTimeout: 30_000,
  },
});
