import { describe, expect, it } from "vitest";
import { call, type Json, login, newTenant } from "./helpers.ts";

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
