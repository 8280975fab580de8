import { defineConfig } from "drizzle-kit";

// `npx drizzle-kit generate --name verb_object` writes the next migration
// into migrations/, where wrangler and the tests both read it.
export default defineConfig({
  dialect: "sqlite",
  schema: "./apps/api/src/db/schema.ts",
  out: "./migrations",
});
