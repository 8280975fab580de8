import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { addMember, call, invitationToken, type Json, login, newTenant } from "./helpers.ts";

// People join a tenant by invitation only: an admin names an email and a
// role, the person gets a single-use link by email and chooses their own
// password, or — with an account already — signs in and accepts.

const fresh = () => `person-${crypto.randomUUID().slice(0, 8)}@example.com`;

async function accept(body: Json, session?: { cookie: string; csrf: string }) {
  return call("POST", "/v1/invitations/accept", {
    body,
    ...(session ? { cookie: session.cookie, headers: { "x-csrf-token": session.csrf } } : {}),
  });
}

describe("invitations", () => {
  it("a new person gets a link by email, chooses a password, is signed in and can sign in again", async () => {
    const t = await newTenant();
    const email = fresh();
    const invited = await call("POST", "/v1/members", {
      key: t.key,
      body: { email: email.toUpperCase(), role: "editor", name: "Dana" },
    });
    expect(invited.status).toBe(201);
    expect(invited.body).toMatchObject({
      email,
      role: "editor",
      name: "Dana",
      status: "pending",
      sendError: null,
      invitedBy: { type: "api_key" },
    });
    expect(Date.parse(invited.body.expiresAt) - Date.now()).toBeGreaterThan(6.9 * 86_400_000);
    const token = await invitationToken(t.key, email);
    // Only its hash is kept.
    const stored = await env.DB.prepare("SELECT token_hash FROM invitations WHERE id = ?")
      .bind(invited.body.id)
      .first<{ token_hash: string }>();
    expect(stored?.token_hash).not.toContain(token);
    expect(stored?.token_hash).toMatch(/^[0-9a-f]{64}$/);

    const seen = await call("POST", "/v1/invitations/inspect", { body: { token } });
    expect(seen.status).toBe(200);
    expect(seen.body).toMatchObject({ email, role: "editor", account: "new" });

    const noPassword = await accept({ token });
    expect(noPassword.status).toBe(422);
    expect(noPassword.body.error.details[0].path).toBe("password");
    const joined = await accept({ token, password: "dana-chose-this-1" });
    expect(joined.status).toBe(200);
    expect(joined.body).toMatchObject({ role: "editor", tenant: { id: t.tenantId } });
    const cookie = (joined.headers.get("set-cookie") ?? "").split(";")[0]!;
    const me = await call("GET", "/v1/auth/me", { cookie });
    expect(me.body).toMatchObject({ user: { email, name: "Dana" }, role: "editor" });
    // Used once.
    expect((await accept({ token, password: "another-password-1" })).status).toBe(404);
    expect((await call("POST", "/v1/invitations/inspect", { body: { token } })).status).toBe(404);
    expect((await login(email, "dana-chose-this-1")).body.role).toBe("editor");
    const members = await call("GET", "/v1/members", { key: t.key });
    expect(members.body.items.map((m: Json) => m.email)).toContain(email);
    const pending = await call("GET", "/v1/invitations", { key: t.key });
    expect(pending.body.items).toEqual([]);
  });

  it("never takes a password from an admin", async () => {
    const t = await newTenant();
    const res = await call("POST", "/v1/members", {
      key: t.key,
      body: { email: fresh(), role: "viewer", password: "admin-chose-this-1" },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].path).toBe("password");
    expect((await call("GET", "/v1/invitations", { key: t.key })).body.items).toEqual([]);
  });

  it("closes the cross-tenant takeover: a tenant admin cannot hold another tenant's membership of a person", async () => {
    // Tenant A's admin invites victim@ and, reading A's own outbox, accepts
    // in the victim's place with a password of their choosing.
    const a = await newTenant("A");
    const victim = fresh();
    await addMember(a.key, victim, "viewer", { password: "attacker-chose-1" });
    // Tenant B invites the same person; B's email goes to B's outbox only.
    const b = await newTenant("B");
    const invited = await call("POST", "/v1/members", {
      key: b.key,
      body: { email: victim, role: "admin" },
    });
    expect(invited.status).toBe(201);
    // Before invitations, B adding an email that had an account made it a
    // member at once, and A's admin signed in and switched to B. Now B's
    // invitation is a link in B's email only: signing in brings no B role.
    const attacker = await login(victim, "attacker-chose-1");
    expect(attacker.body.tenants.map((x: Json) => x.id)).toEqual([a.tenantId]);
    const members = await call("GET", "/v1/members", { key: b.key });
    expect(members.body.items.map((m: Json) => m.email)).not.toContain(victim);
    const switched = await call("POST", "/v1/auth/switch-tenant", {
      cookie: attacker.cookie,
      headers: { "x-csrf-token": attacker.csrf },
      body: { tenantId: b.tenantId },
    });
    expect(switched.status).toBeGreaterThanOrEqual(400);
    expect(switched.status).toBeLessThan(500);
  });

  it("a person with an account signs in to accept; the link alone opens nothing", async () => {
    const a = await newTenant("A");
    const b = await newTenant("B");
    // B's owner already has an account; A invites them.
    const invited = await call("POST", "/v1/members", {
      key: a.key,
      body: { email: b.email, role: "viewer" },
    });
    expect(invited.status).toBe(201);
    const token = await invitationToken(a.key, b.email);
    expect((await call("POST", "/v1/invitations/inspect", { body: { token } })).body.account).toBe(
      "existing",
    );
    // Without signing in — even with a password — nothing happens.
    const anon = await accept({ token, password: "whatever-password-1" });
    expect(anon.status).toBe(401);
    expect(anon.body.error.code).toBe("sign_in_required");
    // Signed in as someone else: refused.
    const other = await login(a.email, a.password);
    expect((await accept({ token }, other)).status).toBe(401);
    // Signed in as the invited person: joins, and the session moves to A.
    const owner = await login(b.email, b.password);
    const joined = await accept({ token }, owner);
    expect(joined.status).toBe(200);
    expect(joined.body).toMatchObject({ tenant: { id: a.tenantId }, role: "viewer" });
    const me = await call("GET", "/v1/auth/me", { cookie: owner.cookie });
    expect(me.body.tenant.id).toBe(a.tenantId);
    expect(me.body.tenants.map((x: Json) => x.id).sort()).toEqual([a.tenantId, b.tenantId].sort());
    // Their password is what it was.
    expect((await login(b.email, b.password)).body.user.email).toBe(b.email);
  });

  it("answers the same whether or not the email has an account", async () => {
    const a = await newTenant("A");
    const b = await newTenant("B");
    const known = await call("POST", "/v1/members", {
      key: a.key,
      body: { email: b.email, role: "viewer" },
    });
    const unknown = await call("POST", "/v1/members", {
      key: a.key,
      body: { email: fresh(), role: "viewer" },
    });
    expect(known.status).toBe(unknown.status);
    const shape = (r: Json) => Object.keys(r).sort();
    expect(shape(known.body)).toEqual(shape(unknown.body));
  });

  it("is listed, resent with a new link (the old one stops working) and withdrawn", async () => {
    const t = await newTenant();
    const email = fresh();
    const first = await call("POST", "/v1/members", {
      key: t.key,
      body: { email, role: "viewer" },
    });
    const oldToken = await invitationToken(t.key, email);
    const list = await call("GET", "/v1/invitations", { key: t.key });
    expect(list.body.items.map((i: Json) => i.id)).toEqual([first.body.id]);

    const again = await call("POST", `/v1/invitations/${first.body.id}/resend`, { key: t.key });
    expect(again.status).toBe(200);
    const newToken = await invitationToken(t.key, email);
    expect(newToken).not.toBe(oldToken);
    expect(
      (await call("POST", "/v1/invitations/inspect", { body: { token: oldToken } })).status,
    ).toBe(404);
    expect(
      (await call("POST", "/v1/invitations/inspect", { body: { token: newToken } })).status,
    ).toBe(200);

    expect((await call("DELETE", `/v1/invitations/${first.body.id}`, { key: t.key })).status).toBe(
      204,
    );
    expect((await accept({ token: newToken, password: "too-late-password" })).status).toBe(404);
    expect((await call("GET", "/v1/invitations", { key: t.key })).body.items).toEqual([]);
    expect((await call("DELETE", `/v1/invitations/${first.body.id}`, { key: t.key })).status).toBe(
      404,
    );
    // Another tenant's invitation reads like a missing one.
    const other = await newTenant();
    const theirs = await call("POST", "/v1/members", {
      key: other.key,
      body: { email: fresh(), role: "viewer" },
    });
    expect(
      (await call("POST", `/v1/invitations/${theirs.body.id}/resend`, { key: t.key })).status,
    ).toBe(404);
  });

  it("an expired link is refused and shown as expired", async () => {
    const t = await newTenant();
    const email = fresh();
    const inv = await call("POST", "/v1/members", { key: t.key, body: { email, role: "viewer" } });
    const token = await invitationToken(t.key, email);
    await env.DB.prepare("UPDATE invitations SET expires_at = ? WHERE id = ?")
      .bind(new Date(Date.now() - 1000).toISOString(), inv.body.id)
      .run();
    expect((await accept({ token, password: "too-late-password" })).status).toBe(404);
    const list = await call("GET", "/v1/invitations", { key: t.key });
    expect(list.body.items[0]).toMatchObject({ id: inv.body.id, status: "expired" });
  });

  it("inviting again replaces the open invitation; a member cannot be invited", async () => {
    const t = await newTenant();
    const email = fresh();
    await call("POST", "/v1/members", { key: t.key, body: { email, role: "viewer" } });
    const second = await call("POST", "/v1/members", {
      key: t.key,
      body: { email, role: "editor" },
    });
    const list = await call("GET", "/v1/invitations", { key: t.key });
    expect(list.body.items).toHaveLength(1);
    expect(list.body.items[0]).toMatchObject({ id: second.body.id, role: "editor" });
    expect(
      (await call("POST", "/v1/members", { key: t.key, body: { email: t.email, role: "viewer" } }))
        .status,
    ).toBe(409);
  });

  it("is audited: invited, resent, withdrawn, accepted", async () => {
    const t = await newTenant();
    const email = fresh();
    const inv = await call("POST", "/v1/members", { key: t.key, body: { email, role: "viewer" } });
    await call("POST", `/v1/invitations/${inv.body.id}/resend`, { key: t.key });
    await accept({ token: await invitationToken(t.key, email), password: "my-own-password-1" });
    const other = await call("POST", "/v1/members", {
      key: t.key,
      body: { email: fresh(), role: "viewer" },
    });
    await call("DELETE", `/v1/invitations/${other.body.id}`, { key: t.key });
    const audit = await call("GET", "/v1/audit?limit=50", { key: t.key });
    const types = (audit.body.items as Json[]).map((e) => e.type);
    for (const type of [
      "invitation.created",
      "invitation.resent",
      "invitation.accepted",
      "invitation.revoked",
      "user.created",
    ])
      expect(types).toContain(type);
  });
});

describe("invitation links in the outbox", () => {
  const linkIn = async (opts: { key?: string; cookie?: string }, email: string) => {
    const out = await call("GET", "/v1/outbox?channel=email", opts);
    const m = (out.body.items as Json[]).find((x) => x.to === email);
    return /#token=([\w-]+)/.exec(String(m?.body))?.[1] ?? null;
  };

  it("are shown only to those who may grant the role: a viewer cannot take an admin's invitation", async () => {
    const t = await newTenant();
    const viewerKey = (
      await call("POST", "/v1/api-keys", { key: t.key, body: { name: "r", scopes: ["read"] } })
    ).body.key as string;
    const adminEmail = fresh();
    await call("POST", "/v1/members", { key: t.key, body: { email: adminEmail, role: "admin" } });
    expect(await linkIn({ key: viewerKey }, adminEmail)).toBeNull();
    const hidden = await call("GET", "/v1/outbox?channel=email", { key: viewerKey });
    expect(hidden.body.items[0].body).toContain("hidden");
    expect(await linkIn({ key: t.key }, adminEmail)).not.toBeNull();
    // An owner's invitation: only owners see its link, not an admin key.
    const ownerEmail = fresh();
    const owner = await login(t.email, t.password);
    const invited = await call("POST", "/v1/members", {
      cookie: owner.cookie,
      headers: { "x-csrf-token": owner.csrf },
      body: { email: ownerEmail, role: "owner" },
    });
    expect(invited.status).toBe(201);
    expect(await linkIn({ key: t.key }, ownerEmail)).toBeNull();
    expect(await linkIn({ cookie: owner.cookie }, ownerEmail)).not.toBeNull();
  });
});

describe("a member's name", () => {
  it("renamed by an admin changes only in that tenant; the person's own name stays theirs", async () => {
    const a = await newTenant("A");
    const b = await newTenant("B");
    const email = fresh();
    await addMember(a.key, email, "viewer", { password: "own-password-123" });
    await addMember(b.key, email, "viewer", { session: await login(email, "own-password-123") });
    const inA = (await call("GET", "/v1/members", { key: a.key })).body.items.find(
      (m: Json) => m.email === email,
    );
    const renamed = await call("PATCH", `/v1/members/${inA.id}`, {
      key: a.key,
      body: { name: "Renamed by A" },
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body.name).toBe("Renamed by A");
    const inB = (await call("GET", "/v1/members", { key: b.key })).body.items.find(
      (m: Json) => m.email === email,
    );
    expect(inB.name).not.toBe("Renamed by A");
    const me = await login(email, "own-password-123");
    expect(me.body.user.name).not.toBe("Renamed by A");
  });
});

describe("changing one's own password", () => {
  it("needs the current one, ends every other session, and the new one signs in", async () => {
    const t = await newTenant();
    const here = await login(t.email, t.password);
    const elsewhere = await login(t.email, t.password);
    const change = (current: string, next: string) =>
      call("POST", "/v1/auth/password", {
        cookie: here.cookie,
        headers: { "x-csrf-token": here.csrf },
        body: { current, new: next },
      });
    const wrong = await change("not-the-password", "brand-new-password-1");
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.details[0].path).toBe("current");
    expect((await change(t.password, "short")).status).toBe(400);
    expect((await change(t.password, "brand-new-password-1")).status).toBe(204);
    // This session goes on; the other one ended.
    expect((await call("GET", "/v1/auth/me", { cookie: here.cookie })).status).toBe(200);
    expect((await call("GET", "/v1/auth/me", { cookie: elsewhere.cookie })).status).toBe(401);
    await expect(login(t.email, t.password)).rejects.toThrow(/401/);
    expect((await login(t.email, "brand-new-password-1")).body.user.email).toBe(t.email);
    // An API key has no password to change.
    expect(
      (
        await call("POST", "/v1/auth/password", {
          key: t.key,
          body: { current: "x", new: "brand-new-password-2" },
        })
      ).status,
    ).toBe(403);
    const audit = await call("GET", "/v1/audit?limit=20", { key: t.key });
    expect((audit.body.items as Json[]).map((e) => e.type)).toContain("user.password_changed");
  });
});

describe("two invitations to a new email, accepted at once", () => {
  it("make one account; the other link answers 401 or 409, never 500", async () => {
    const a = await newTenant("A");
    const b = await newTenant("B");
    const email = fresh();
    for (const t of [a, b])
      await call("POST", "/v1/members", { key: t.key, body: { email, role: "viewer" } });
    const tokens = await Promise.all([a, b].map((t) => invitationToken(t.key, email)));
    const answers = await Promise.all(
      tokens.map((token) => accept({ token, password: "raced-password-1" })),
    );
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses[0]).toBe(200);
    expect([401, 409]).toContain(statuses[1]);
    expect((await login(email, "raced-password-1")).body.tenants).toHaveLength(1);
  });
});
