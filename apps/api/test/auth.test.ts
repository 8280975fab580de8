import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  addMember,
  call,
  eventually,
  type Json,
  login,
  newTenant,
  sampleDefinition,
} from "./helpers.ts";

describe("tenants", () => {
  it("need the platform token", async () => {
    const body = { name: "X", admin: { email: "x@example.com", password: "long-enough-pw" } };
    expect((await call("POST", "/v1/tenants", { body })).status).toBe(401);
    expect((await call("POST", "/v1/tenants", { body, key: "wrong" })).status).toBe(401);
    const { key } = await newTenant();
    expect((await call("POST", "/v1/tenants", { body, key })).status).toBe(401);
  });

  it("store API keys and passwords only as hashes", async () => {
    const t = await newTenant();
    const keys = await env.DB.prepare("SELECT key_hash, prefix FROM api_keys WHERE tenant_id = ?")
      .bind(t.tenantId)
      .all<{ key_hash: string; prefix: string }>();
    expect(keys.results[0]!.key_hash).not.toContain(t.key);
    expect(t.key.startsWith(keys.results[0]!.prefix)).toBe(true);
    const user = await env.DB.prepare("SELECT password_hash FROM users WHERE email = ?")
      .bind(t.email)
      .first<{ password_hash: string }>();
    expect(user!.password_hash).toMatch(/^pbkdf2-sha256\$100000\$/);
    expect(user!.password_hash).not.toContain(t.password);
  });
});

describe("API keys", () => {
  it("answer 401 when missing, malformed, unknown or revoked", async () => {
    expect((await call("GET", "/v1/workflows")).status).toBe(401);
    expect(
      (await call("GET", "/v1/workflows", { headers: { authorization: "Basic abc" } })).status,
    ).toBe(401);
    expect((await call("GET", "/v1/workflows", { key: "sy_notakey" })).status).toBe(401);
    const t = await newTenant();
    const created = await call("POST", "/v1/api-keys", {
      key: t.key,
      body: { name: "ci", scopes: ["read"] },
    });
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^sy_/);
    expect((await call("GET", "/v1/workflows", { key: created.body.key })).status).toBe(200);
    const listed = await call("GET", "/v1/api-keys", { key: t.key });
    expect(JSON.stringify(listed.body)).not.toContain(created.body.key);
    expect((await call("DELETE", `/v1/api-keys/${created.body.id}`, { key: t.key })).status).toBe(
      204,
    );
    const after = await call("GET", "/v1/workflows", { key: created.body.key });
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe("unauthorized");
  });

  it("enforce scopes: read cannot write, write cannot manage keys", async () => {
    const t = await newTenant();
    const read = (
      await call("POST", "/v1/api-keys", { key: t.key, body: { name: "r", scopes: ["read"] } })
    ).body.key;
    const write = (
      await call("POST", "/v1/api-keys", { key: t.key, body: { name: "w", scopes: ["write"] } })
    ).body.key;
    const denied = await call("POST", "/v1/workflows", { key: read, body: sampleDefinition() });
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe("forbidden");
    expect(
      (await call("POST", "/v1/workflows", { key: write, body: sampleDefinition() })).status,
    ).toBe(201);
    expect((await call("GET", "/v1/workflows", { key: write })).status).toBe(200);
    expect((await call("POST", "/v1/api-keys", { key: write, body: { name: "x" } })).status).toBe(
      403,
    );
    expect((await call("GET", "/v1/api-keys", { key: read })).status).toBe(403);
  });

  it("cannot revoke another tenant's key (404)", async () => {
    const a = await newTenant();
    const b = await newTenant();
    const k = await call("POST", "/v1/api-keys", { key: a.key, body: { name: "a" } });
    expect((await call("DELETE", `/v1/api-keys/${k.body.id}`, { key: b.key })).status).toBe(404);
    expect((await call("GET", "/v1/workflows", { key: k.body.key })).status).toBe(200);
  });
});

describe("sessions", () => {
  it("sign in, read me, and sign out", async () => {
    const t = await newTenant();
    const bad = await call("POST", "/v1/auth/login", {
      body: { email: t.email, password: "wrong-password" },
    });
    expect(bad.status).toBe(401);
    const res = await call("POST", "/v1/auth/login", {
      body: { email: t.email.toUpperCase(), password: t.password },
    });
    expect(res.status).toBe(200);
    const setCookie = res.headers.get("set-cookie")!;
    expect(setCookie).toMatch(/sy_session=/);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/Secure/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    const cookie = setCookie.split(";")[0]!;
    const me = await call("GET", "/v1/auth/me", { cookie });
    expect(me.status).toBe(200);
    expect(me.body.user.email).toBe(t.email);
    expect(me.body.role).toBe("owner");
    expect(me.body.tenant.id).toBe(t.tenantId);
    const out = await call("POST", "/v1/auth/logout", {
      cookie,
      headers: { "x-csrf-token": me.body.csrfToken },
    });
    expect(out.status).toBe(204);
    expect((await call("GET", "/v1/auth/me", { cookie })).status).toBe(401);
  });

  it("refuse cookie-authenticated writes without the CSRF token", async () => {
    const t = await newTenant();
    const s = await login(t.email, t.password);
    const noToken = await call("POST", "/v1/workflows", {
      cookie: s.cookie,
      body: sampleDefinition(),
    });
    expect(noToken.status).toBe(403);
    const wrong = await call("POST", "/v1/workflows", {
      cookie: s.cookie,
      body: sampleDefinition(),
      headers: { "x-csrf-token": "nope" },
    });
    expect(wrong.status).toBe(403);
    const ok = await call("POST", "/v1/workflows", {
      cookie: s.cookie,
      body: sampleDefinition(),
      headers: { "x-csrf-token": s.csrf },
    });
    expect(ok.status).toBe(201);
  });

  it("switch between tenants the user belongs to", async () => {
    const a = await newTenant("A");
    const b = await newTenant("B");
    // A's owner accepts B's invitation, signed in (an existing account).
    await addMember(b.key, a.email, "viewer", { session: await login(a.email, a.password) });
    const s = await login(a.email, a.password);
    expect(s.body.tenants).toHaveLength(2);
    await call("POST", "/v1/auth/switch-tenant", {
      cookie: s.cookie,
      headers: { "x-csrf-token": s.csrf },
      body: { tenantId: a.tenantId },
    });
    const switched = await call("POST", "/v1/auth/switch-tenant", {
      cookie: s.cookie,
      headers: { "x-csrf-token": s.csrf },
      body: { tenantId: b.tenantId },
    });
    expect(switched.status).toBe(200);
    expect(switched.body.role).toBe("viewer");
    expect(
      (
        await call("POST", "/v1/workflows", {
          cookie: s.cookie,
          headers: { "x-csrf-token": s.csrf },
          body: sampleDefinition(),
        })
      ).status,
    ).toBe(403);
    const stranger = await newTenant("C");
    const refused = await call("POST", "/v1/auth/switch-tenant", {
      cookie: s.cookie,
      headers: { "x-csrf-token": s.csrf },
      body: { tenantId: stranger.tenantId },
    });
    expect(refused.status).toBe(404);
    // The last tenant used is where the next sign-in lands.
    const again = await login(a.email, a.password);
    expect(again.body.tenant.id).toBe(b.tenantId);
  });

  it("rate-limit failed sign-ins with Retry-After", async () => {
    const t = await newTenant();
    let last = 0;
    for (let i = 0; i < 11; i++) {
      last = (
        await call("POST", "/v1/auth/login", { body: { email: t.email, password: `wrong-${i}` } })
      ).status;
    }
    expect(last).toBe(429);
    const res = await call("POST", "/v1/auth/login", {
      body: { email: t.email, password: t.password },
    });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
  });
});

describe("members and roles", () => {
  it("viewer reads, editor edits workflows, only admins manage members and keys", async () => {
    const t = await newTenant();
    const roles = ["viewer", "editor", "admin"] as const;
    const sessions: Record<string, { cookie: string; csrf: string }> = {};
    for (const role of roles) {
      const email = `${role}-${crypto.randomUUID().slice(0, 6)}@example.com`;
      await addMember(t.key, email, role, { password: "member-password-1" });
      sessions[role] = await login(email, "member-password-1");
    }
    const as = (role: string, method: string, path: string, body?: unknown) =>
      call(method, path, {
        cookie: sessions[role]!.cookie,
        headers: { "x-csrf-token": sessions[role]!.csrf },
        body,
      });
    expect((await as("viewer", "GET", "/v1/workflows")).status).toBe(200);
    expect((await as("viewer", "POST", "/v1/workflows", sampleDefinition())).status).toBe(403);
    expect((await as("editor", "POST", "/v1/workflows", sampleDefinition())).status).toBe(201);
    expect((await as("editor", "POST", "/v1/api-keys", { name: "x" })).status).toBe(403);
    expect(
      (
        await as("editor", "POST", "/v1/members", {
          email: "z@example.com",
          role: "viewer",
        })
      ).status,
    ).toBe(403);
    expect((await as("admin", "POST", "/v1/api-keys", { name: "x" })).status).toBe(201);
    // Only owners grant the owner role.
    expect(
      (
        await as("admin", "POST", "/v1/members", {
          email: "o@example.com",
          role: "owner",
        })
      ).status,
    ).toBe(403);
  });

  it("keep at least one owner", async () => {
    const t = await newTenant();
    const members = await call("GET", "/v1/members", { key: t.key });
    const owner = members.body.items[0];
    const s = await login(t.email, t.password);
    const res = await call("PATCH", `/v1/members/${owner.id}`, {
      cookie: s.cookie,
      headers: { "x-csrf-token": s.csrf },
      body: { role: "admin" },
    });
    expect(res.status).toBe(409);
  });

  it("invite a new person without a password and answer 409 for a duplicate", async () => {
    const t = await newTenant();
    const invited = await call("POST", "/v1/members", {
      key: t.key,
      body: { email: "new@example.com", role: "viewer" },
    });
    expect(invited.status).toBe(201);
    expect(invited.body.status).toBe("pending");
    const dup = await call("POST", "/v1/members", {
      key: t.key,
      body: { email: t.email, role: "viewer" },
    });
    expect(dup.status).toBe(409);
  });
});

describe("the last owner", () => {
  it("is kept by the database itself: a change leaving no owner aborts", async () => {
    const t = await newTenant();
    const sql = (q: string) => env.DB.prepare(q).bind(t.tenantId).run();
    await expect(
      sql("UPDATE memberships SET role = 'viewer' WHERE tenant_id = ? AND role = 'owner'"),
    ).rejects.toThrow(/last_owner/);
    await expect(
      sql("DELETE FROM memberships WHERE tenant_id = ? AND role = 'owner'"),
    ).rejects.toThrow(/last_owner/);
    const owners = await env.DB.prepare(
      "SELECT count(*) AS n FROM memberships WHERE tenant_id = ? AND role = 'owner'",
    )
      .bind(t.tenantId)
      .first<{ n: number }>();
    expect(owners?.n).toBe(1);
  });

  it("cannot be lost to two demotions (or removals) at once", async () => {
    for (const how of ["demote", "remove"] as const) {
      const t = await newTenant();
      const second = `owner2-${crypto.randomUUID().slice(0, 6)}@example.com`;
      const first = await login(t.email, t.password);
      // A second owner, invited by the first.
      await call("POST", "/v1/members", {
        cookie: first.cookie,
        headers: { "x-csrf-token": first.csrf },
        body: { email: second, role: "owner" },
      });
      const outbox = await call("GET", "/v1/outbox?channel=email", {
        cookie: first.cookie,
      });
      const token = /#token=([\w-]+)/.exec(
        String(outbox.body.items.find((m: Json) => m.to === second)?.body),
      )?.[1];
      expect(
        (
          await call("POST", "/v1/invitations/accept", {
            body: { token, password: "second-owner-1" },
          })
        ).status,
      ).toBe(200);
      const s2 = await login(second, "second-owner-1");
      const members = (await call("GET", "/v1/members", { key: t.key })).body.items as Json[];
      const id1 = members.find((m) => m.email === t.email)!.id;
      const id2 = members.find((m) => m.email === second)!.id;
      // Each owner demotes (or removes) the other, at the same moment.
      const act = (s: { cookie: string; csrf: string }, id: string) =>
        how === "demote"
          ? call("PATCH", `/v1/members/${id}`, {
              cookie: s.cookie,
              headers: { "x-csrf-token": s.csrf },
              body: { role: "viewer" },
            })
          : call("DELETE", `/v1/members/${id}`, {
              cookie: s.cookie,
              headers: { "x-csrf-token": s.csrf },
            });
      const answers = await Promise.all([act(first, id2), act(s2, id1)]);
      // Whichever way they interleave: never a 5xx, and an owner stays.
      for (const a of answers) expect([200, 204, 401, 403, 409], how).toContain(a.status);
      const after = (await call("GET", "/v1/members", { key: t.key })).body.items as Json[];
      expect(after.filter((m) => m.role === "owner").length, how).toBeGreaterThanOrEqual(1);
    }
  });
});

describe("an API key's last use", () => {
  it("is kept, at most once a minute, after the answer", async () => {
    const t = await newTenant();
    const made = await call("POST", "/v1/api-keys", {
      key: t.key,
      body: { name: "Integrator", scopes: ["write"] },
    });
    const lastUsed = async () =>
      (
        (await call("GET", "/v1/api-keys", { key: t.key })).body.items.find(
          (k: Json) => k.id === made.body.id,
        ) as Json
      ).lastUsedAt as string | null;
    expect(await lastUsed()).toBeNull();
    await call("GET", "/v1/workflows", { key: made.body.key });
    const first = await eventually(lastUsed, (v) => v !== null);
    expect(Date.now() - Date.parse(first!)).toBeLessThan(60_000);
    // Used again within the minute: not written again.
    for (let i = 0; i < 5; i++) await call("GET", "/v1/workflows", { key: made.body.key });
    await new Promise((r) => setTimeout(r, 200));
    expect(await lastUsed()).toBe(first);
  });
});
