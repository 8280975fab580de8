import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { checkD1Statement } from "../src/lib/d1-limits.ts";
import { withD1Wrappers } from "../src/lib/d1-stats.ts";
import { call, type Json, newTenant } from "./helpers.ts";

// Local SQLite binds 32,766 parameters and takes any LIKE pattern; D1 on
// Cloudflare refuses more than 100 parameters, patterns over 50 bytes and
// statements over 100 KB. These tests run with the Worker refusing the same
// (SWITCHYARD_D1_LIMITS in vitest.config.ts), so a query that would 500 in
// production fails here first.

describe("D1's production limits in the tests", () => {
  it("are enforced on the Worker's binding", async () => {
    const db = withD1Wrappers(env).DB;
    const marks = (n: number) => Array.from({ length: n }, () => "?").join(", ");
    const ok = await db
      .prepare(`SELECT count(*) AS n FROM tenants WHERE tenant_id IN (${marks(100)})`)
      .bind(...Array.from({ length: 100 }, (_, i) => `t${i}`))
      .first<{ n: number }>();
    expect(ok?.n).toBe(0);
    expect(() =>
      db
        .prepare(`SELECT 1 FROM tenants WHERE tenant_id IN (${marks(101)})`)
        .bind(...Array.from({ length: 101 }, (_, i) => `t${i}`)),
    ).toThrow(/too many SQL variables/);
    expect(() =>
      db.prepare("SELECT 1 FROM tenants WHERE name LIKE ?").bind(`%${"x".repeat(60)}%`),
    ).toThrow(/pattern/);
    expect(() => checkD1Statement(`SELECT '${"x".repeat(100_001)}'`, [])).toThrow(/bytes/);
  });

  it("hold for a tenant with 120 workflows, listed in pages of 100", async () => {
    const t = await newTenant();
    for (let i = 0; i < 120; i++) {
      const r = await call("POST", "/v1/workflows", {
        key: t.key,
        body: {
          name: `Workflow ${i}`,
          trigger: { event: "order.created" },
          steps: [{ id: "d", delay: "1s" }],
        },
      });
      expect(r.status).toBe(201);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = cursor ? `&cursor=${cursor}` : "";
      const page = await call("GET", `/v1/workflows?limit=100${q}`, { key: t.key });
      expect(page.status, JSON.stringify(page.body)).toBe(200);
      seen.push(...page.body.items.map((w: Json) => w.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(120);
  });
});
