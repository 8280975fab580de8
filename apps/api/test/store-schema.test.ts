import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { getTableConfig, type SQLiteTable } from "drizzle-orm/sqlite-core";
import { describe, expect, it } from "vitest";
import { STORE_MIGRATIONS } from "../src/store/migrations.ts";
import * as schema from "../src/store/schema.ts";

// store/schema.ts (what the code queries) and store/migrations.ts (what a
// store creates) must say the same, table by table and column by column.

const tables = (Object.values(schema) as unknown[]).filter(
  (v): v is SQLiteTable => typeof v === "object" && v !== null && "getSQL" in v,
);

describe("a tenant store's schema", () => {
  it("is created by its migrations exactly as store/schema.ts describes it", async () => {
    const stub = env.STORES.get(env.STORES.idFromName(`schema-${crypto.randomUUID()}`));
    const actual = await runInDurableObject(stub, (_i, state) => {
      const out: Record<string, string[]> = {};
      const names = state.storage.sql
        .exec<{ name: string }>(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite%'",
        )
        .toArray();
      for (const { name } of names) {
        out[name] = state.storage.sql
          .exec<{ name: string }>(`PRAGMA table_info(${name})`)
          .toArray()
          .map((c) => c.name)
          .sort();
      }
      return out;
    });
    const expected: Record<string, string[]> = {};
    for (const t of tables) {
      const c = getTableConfig(t);
      expected[c.name] = c.columns.map((col) => col.name).sort();
    }
    expect(actual).toEqual(expected);
    expect(STORE_MIGRATIONS.length).toBeGreaterThan(0);
  });
});

describe("a Durable Object's SQLite, as on Cloudflare", () => {
  it("refuses a statement with more than 100 bound parameters", async () => {
    const stub = env.STORES.get(env.STORES.idFromName(`limits-${crypto.randomUUID()}`));
    const count = (n: number) =>
      runInDurableObject(stub, (_i, state) => {
        const marks = Array.from({ length: n }, () => "?").join(", ");
        const args = Array.from({ length: n }, (_, i) => i);
        return state.storage.sql
          .exec(`SELECT count(*) AS n FROM (VALUES (1)) WHERE 1 IN (${marks})`, ...args)
          .one().n;
      });
    expect(await count(100)).toBe(1);
    await expect(count(101)).rejects.toThrow(/too many SQL variables/);
  });
});
