import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { addMember, call, type Json, login, newTenant, sampleDefinition } from "./helpers.ts";

describe("audit log", () => {
  it("records every change with its actor, newest first, and filters", async () => {
    const t = await newTenant();
    const id = (await call("POST", "/v1/workflows", { key: t.key, body: sampleDefinition() })).body
      .id;
    await call("PUT", `/v1/workflows/${id}`, { key: t.key, body: sampleDefinition("v2") });
    await call("POST", `/v1/workflows/${id}/disable`, { key: t.key });
    const s = await login(t.email, t.password);
    await call("POST", "/v1/api-keys", {
      cookie: s.cookie,
      headers: { "x-csrf-token": s.csrf },
      body: { name: "by user" },
    });
    const log = await call("GET", "/v1/audit", { key: t.key });
    expect(log.status).toBe(200);
    const types = log.body.items.map((e: { type: string }) => e.type);
    expect(types).toEqual([
      "api_key.created",
      "user.signed_in",
      "workflow.disabled",
      "workflow.published",
      "workflow.updated",
      "workflow.created",
      "api_key.created",
      "user.created",
      "tenant.created",
    ]);
    const seqs = log.body.items.map((e: { seq: number }) => e.seq);
    expect(seqs).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1]);
    expect(log.body.items[0].actor.type).toBe("user");
    expect(log.body.items[2].actor.type).toBe("api_key");
    expect(log.body.items[8].actor.type).toBe("platform");
    const wf = await call("GET", "/v1/audit?type=workflow.created", { key: t.key });
    expect(wf.body.items).toHaveLength(1);
    expect(wf.body.items[0].subject).toBe(id);
    const byUser = await call("GET", `/v1/audit?actor=${log.body.items[0].actor.id}`, {
      key: t.key,
    });
    expect(
      byUser.body.items.every(
        (e: { actor: { id: string } }) => e.actor.id === log.body.items[0].actor.id,
      ),
    ).toBe(true);
    const future = await call("GET", "/v1/audit?since=2999-01-01T00:00:00Z", { key: t.key });
    expect(future.body.items).toHaveLength(0);
    expect((await call("GET", "/v1/audit?since=yesterday", { key: t.key })).status).toBe(400);
  });

  it("chains entries by HMAC and verifies the chain", async () => {
    const t = await newTenant();
    await call("POST", "/v1/workflows", { key: t.key, body: sampleDefinition() });
    const items = (await call("GET", "/v1/audit", { key: t.key })).body.items;
    for (let i = 0; i < items.length - 1; i++) expect(items[i].prevHash).toBe(items[i + 1].hash);
    expect(await (await call("GET", "/v1/audit/verify", { key: t.key })).body).toMatchObject({
      ok: true,
      entries: 4,
      chains: { changes: { ok: true, entries: 4 }, runs: { ok: true, entries: 0 } },
      nextCursor: null,
    });
  });

  it("detects tampering: an edited entry, a re-signed fake, a deleted entry", async () => {
    const t = await newTenant();
    await call("POST", "/v1/workflows", { key: t.key, body: sampleDefinition() });
    await env.DB.prepare("UPDATE audit_log SET details = ? WHERE tenant_id = ? AND seq = 2")
      .bind('{"email":"attacker@example.com"}', t.tenantId)
      .run();
    const edited = (await call("GET", "/v1/audit/verify", { key: t.key })).body;
    expect(edited).toMatchObject({
      ok: false,
      entries: 1,
      brokenAt: { seq: 2, reason: "hash_mismatch" },
    });

    const u = await newTenant();
    await call("POST", "/v1/workflows", { key: u.key, body: sampleDefinition() });
    await env.DB.prepare("DELETE FROM audit_log WHERE tenant_id = ? AND seq = 2")
      .bind(u.tenantId)
      .run();
    const gap = (await call("GET", "/v1/audit/verify", { key: u.key })).body;
    expect(gap).toMatchObject({ ok: false, brokenAt: { seq: 2, reason: "gap" } });
  });

  it("keeps one unforked chain under concurrent writers", async () => {
    const t = await newTenant();
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        call("POST", "/v1/workflows", { key: t.key, body: sampleDefinition(`w${i}`) }),
      ),
    );
    const verify = (await call("GET", "/v1/audit/verify", { key: t.key })).body;
    expect(verify).toMatchObject({ ok: true, entries: 11, nextCursor: null });
  });

  it("keeps tenants' chains apart", async () => {
    const a = await newTenant();
    const b = await newTenant();
    await call("POST", "/v1/workflows", { key: a.key, body: sampleDefinition() });
    const bLog = (await call("GET", "/v1/audit", { key: b.key })).body.items;
    expect(bLog.every((e: { subject: string }) => !e.subject.startsWith("wf_"))).toBe(true);
  });
});

describe("what else the log of changes records", () => {
  it("test runs, event-type declarations, tenant switches and failed sign-ins", async () => {
    const a = await newTenant("A");
    const b = await newTenant("B");
    const wf = await call("POST", "/v1/workflows", { key: a.key, body: sampleDefinition() });
    const run = await call("POST", `/v1/workflows/${wf.body.id}/runs`, {
      key: a.key,
      body: { event: { data: { order: { amount: 1, status: "new" } } } },
    });
    expect(run.status).toBe(202);
    expect(
      (
        await call("PUT", "/v1/event-types/order.shipped", {
          key: a.key,
          body: { sample: { id: 1 } },
        })
      ).status,
    ).toBe(200);
    // A's owner joins B, then switches back to A.
    await addMember(b.key, a.email, "viewer", { session: await login(a.email, a.password) });
    const s = await login(a.email, a.password);
    const switched = await call("POST", "/v1/auth/switch-tenant", {
      cookie: s.cookie,
      headers: { "x-csrf-token": s.csrf },
      body: { tenantId: a.tenantId },
    });
    expect(switched.status).toBe(200);
    expect(
      (
        await call("POST", "/v1/auth/login", {
          body: { email: a.email, password: "wrong-password-9" },
        })
      ).status,
    ).toBe(401);
    const types = async (key: string) =>
      ((await call("GET", "/v1/audit?limit=100", { key })).body.items as Json[]).map((e) => e.type);
    const inA = await types(a.key);
    for (const type of [
      "workflow.test_run",
      "event_type.declared",
      "user.switched_tenant",
      "user.sign_in_failed",
    ])
      expect(inA, type).toContain(type);
    // The failed sign-in is in each of the person's tenants.
    expect(await types(b.key)).toContain("user.sign_in_failed");
  });
});
