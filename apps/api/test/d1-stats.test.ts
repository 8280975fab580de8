import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createDb } from "../src/db/client.ts";
import { tenants } from "../src/db/schema.ts";
import { readD1Stats, withD1Wrappers } from "../src/lib/d1-stats.ts";
import { call, PLATFORM } from "./helpers.ts";

// The benchmark's D1 counter: off by default, exact when on.

describe("the D1 statement counter", () => {
  it("leaves the binding alone unless asked, and counts reads, writes and round trips when on", async () => {
    // Off: the binding itself (the tests turn the D1 limits on, so switch them off here).
    const plain = { ...env, SWITCHYARD_D1_LIMITS: undefined };
    expect(withD1Wrappers(plain)).toBe(plain);
    const counted = withD1Wrappers({ ...env, SWITCHYARD_D1_STATS: "true" });
    readD1Stats(true);
    const db = createDb(counted.DB);
    await db.select().from(tenants).limit(1);
    await counted.DB.prepare("SELECT 1").first();
    await db.batch([
      db.select().from(tenants).limit(1),
      db.insert(tenants).values({ tenantId: `d1s-${crypto.randomUUID()}`, name: "Counted" }),
    ]);
    expect(readD1Stats(true)).toEqual({ reads: 3, writes: 1, roundTrips: 3 });
    expect(readD1Stats(false)).toEqual({ reads: 0, writes: 0, roundTrips: 0 });
  });

  it("is not served unless the deployment turns it on", async () => {
    const r = await call("GET", "/v1/platform/d1-stats", { key: PLATFORM });
    expect(r.status).toBe(404);
  });
});
