import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { hashPassword, sha256Hex } from "../src/lib/crypto.ts";
import { DEMO_ADMIN_EMAIL } from "../src/services/demo.ts";
import { call, type Json, login, PLATFORM } from "./helpers.ts";

const DEMO_KEY = "sy_demotestkey0000000000000000000000000000000";
const DEMO_PASSWORD = "demo-password-123";

const seed = () => call("POST", "/v1/platform/demo-seed", { key: PLATFORM });
const resets = async (): Promise<Json[]> =>
  (await call("GET", "/v1/audit?type=demo.reset", { key: DEMO_KEY })).body.items;

describe("the demo seed", () => {
  it("audits what it resets in the demo tenant's change log: who and what", async () => {
    expect((await seed()).status).toBe(200);
    const before = await resets();
    // Someone changed the admin's password and revoked the key .dev.vars holds.
    await env.DB.prepare("UPDATE users SET password_hash = ? WHERE email = ?")
      .bind(await hashPassword("someone-elses-password"), DEMO_ADMIN_EMAIL)
      .run();
    await env.DB.prepare("DELETE FROM api_keys WHERE key_hash = ?")
      .bind(await sha256Hex(DEMO_KEY))
      .run();

    const reseeded = await seed();
    expect(reseeded.status).toBe(200);
    expect(reseeded.body.created).toEqual(expect.arrayContaining(["password", "api_key"]));
    const after = await resets();
    expect(after).toHaveLength(before.length + 1);
    expect(after[0]).toMatchObject({
      type: "demo.reset",
      actor: { type: "platform", id: "demo-seed" },
      details: { reset: ["password", "api_key"] },
    });
    // The reset took effect with its entry.
    expect((await login(DEMO_ADMIN_EMAIL, DEMO_PASSWORD)).cookie).toBeTruthy();

    // A seed that changes nothing records nothing.
    expect((await seed()).body.created).toEqual([]);
    expect(await resets()).toHaveLength(before.length + 1);
    expect((await call("GET", "/v1/audit/verify", { key: DEMO_KEY })).body.ok).toBe(true);
  });
});
