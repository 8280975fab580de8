import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, eventually, type Json, login, newTenant, PLATFORM } from "./helpers.ts";

// A person's own sessions: listed across tenants, each one ended on its own.

describe("your sessions", () => {
  it("are listed with the current one marked, and another one can be ended", async () => {
    const t = await newTenant();
    const here = await login(t.email, t.password);
    const phone = await login(t.email, t.password);
    const as = (s: { cookie: string; csrf: string }, method: string, path: string) =>
      call(method, path, { cookie: s.cookie, headers: { "x-csrf-token": s.csrf } });
    const list = await as(here, "GET", "/v1/auth/sessions");
    expect(list.status).toBe(200);
    expect(list.body.items).toHaveLength(2);
    const current = (list.body.items as Json[]).filter((s) => s.current);
    expect(current).toHaveLength(1);
    expect(current[0]!.tenant.id).toBe(t.tenantId);
    // Ids are not the stored hashes, nor the tokens.
    for (const s of list.body.items as Json[]) {
      expect(s.id).toMatch(/^se_[0-9a-f]{24}$/);
      expect(here.cookie).not.toContain(s.id.slice(3));
    }
    const other = (list.body.items as Json[]).find((s) => !s.current)!;
    expect((await as(here, "DELETE", `/v1/auth/sessions/${other.id}`)).status).toBe(204);
    expect((await call("GET", "/v1/auth/me", { cookie: phone.cookie })).status).toBe(401);
    expect((await call("GET", "/v1/auth/me", { cookie: here.cookie })).status).toBe(200);
    expect((await as(here, "GET", "/v1/auth/sessions")).body.items).toHaveLength(1);
    expect((await as(here, "DELETE", `/v1/auth/sessions/${other.id}`)).status).toBe(404);
  });

  it("belong to their person only: another's session reads like a missing one", async () => {
    const a = await newTenant("A");
    const b = await newTenant("B");
    const sa = await login(a.email, a.password);
    const sb = await login(b.email, b.password);
    const theirs = await call("GET", "/v1/auth/sessions", {
      cookie: sb.cookie,
      headers: { "x-csrf-token": sb.csrf },
    });
    const id = theirs.body.items[0].id;
    const res = await call("DELETE", `/v1/auth/sessions/${id}`, {
      cookie: sa.cookie,
      headers: { "x-csrf-token": sa.csrf },
    });
    expect(res.status).toBe(404);
    expect((await call("GET", "/v1/auth/me", { cookie: sb.cookie })).status).toBe(200);
    // An API key has no sessions.
    expect((await call("GET", "/v1/auth/sessions", { key: a.key })).status).toBe(403);
  });
});

const platformMail = async (to: string) => {
  const out = await call("GET", "/v1/platform/outbox?limit=200", { key: PLATFORM });
  return (out.body.items as Json[]).filter((m) => m.to === to);
};
const resetToken = (m: Json | undefined) => /\/reset#token=([\w-]+)/.exec(String(m?.body))?.[1];

describe("forgot my password", () => {
  it("emails a one-hour link (to the platform's outbox, never a tenant's); it sets the password once and ends every session", async () => {
    const t = await newTenant();
    const session = await login(t.email, t.password);
    const asked = await call("POST", "/v1/auth/password-reset", { body: { email: t.email } });
    expect(asked.status).toBe(202);
    const mail = await eventually(
      () => platformMail(t.email),
      (m) => m.length === 1,
    );
    const token = resetToken(mail[0]);
    expect(token).toBeTruthy();
    // Not in the tenant's own outbox, where its admins could read it.
    const tenantOutbox = await call("GET", "/v1/outbox?limit=200", { key: t.key });
    expect(JSON.stringify(tenantOutbox.body)).not.toContain(token);
    // Only the hash is kept.
    const row = await env.DB.prepare(
      "SELECT token_hash, expires_at FROM password_resets",
    ).all<Json>();
    expect(JSON.stringify(row.results)).not.toContain(token);

    const short = await call("POST", "/v1/auth/password-reset/confirm", {
      body: { token, password: "short" },
    });
    expect(short.status).toBe(400);
    const done = await call("POST", "/v1/auth/password-reset/confirm", {
      body: { token, password: "chosen-after-forgetting" },
    });
    expect(done.status).toBe(204);
    expect((await call("GET", "/v1/auth/me", { cookie: session.cookie })).status).toBe(401);
    await expect(login(t.email, t.password)).rejects.toThrow(/401/);
    expect((await login(t.email, "chosen-after-forgetting")).body.user.email).toBe(t.email);
    // Once only.
    const again = await call("POST", "/v1/auth/password-reset/confirm", {
      body: { token, password: "and-once-more-please" },
    });
    expect(again.status).toBe(404);
    const audit = await call("GET", "/v1/audit?limit=20", { key: t.key });
    expect((audit.body.items as Json[]).map((e) => e.type)).toContain("user.password_reset");
  });

  it("answers the same for an unknown email, sends nothing, and sends at most three links an hour", async () => {
    const unknown = `nobody-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const a = await call("POST", "/v1/auth/password-reset", { body: { email: unknown } });
    const t = await newTenant();
    const b = await call("POST", "/v1/auth/password-reset", { body: { email: t.email } });
    expect([a.status, a.body]).toEqual([b.status, b.body]);
    for (let i = 0; i < 4; i++)
      expect(
        (await call("POST", "/v1/auth/password-reset", { body: { email: t.email } })).status,
      ).toBe(202);
    await eventually(
      () => platformMail(t.email),
      (m) => m.length === 3,
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(await platformMail(t.email)).toHaveLength(3);
    expect(await platformMail(unknown)).toEqual([]);
  });

  it("refuses an expired link, and the platform outbox is for the platform token only", async () => {
    const t = await newTenant();
    await call("POST", "/v1/auth/password-reset", { body: { email: t.email } });
    const mail = await eventually(
      () => platformMail(t.email),
      (m) => m.length === 1,
    );
    await env.DB.prepare("UPDATE password_resets SET expires_at = ?")
      .bind(new Date(Date.now() - 1000).toISOString())
      .run();
    const late = await call("POST", "/v1/auth/password-reset/confirm", {
      body: { token: resetToken(mail[0]), password: "too-late-for-this" },
    });
    expect(late.status).toBe(404);
    expect((await call("GET", "/v1/platform/outbox", { key: t.key })).status).toBe(401);
  });
});
