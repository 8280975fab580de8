import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, login, newTenant, sampleDefinition } from "./helpers.ts";

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
