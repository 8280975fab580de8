import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";

// The same migration files wrangler applies, applied to the test database.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
