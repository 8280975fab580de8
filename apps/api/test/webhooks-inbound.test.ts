import { env } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { call, eventually, type Json, login, newTenant, storeSql } from "./helpers.ts";

function signed(
  secret: string,
  body: string,
  opts: { id?: string; at?: Date; extraSig?: string } = {},
) {
  const id = opts.id ?? `msg_${crypto.randomUUID()}`;
  const at = opts.at ?? new Date();
  const sig = new Webhook(secret).sign(id, at, body);
  return {
    "content-type": "application/json",
    "webhook-id": id,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": opts.extraSig ? `${opts.extraSig} ${sig}` : sig,
  };
}

async function eventCount(tenantId: string): Promise<number> {
  const [row] = await storeSql<{ n: number }>(
    tenantId,
    "SELECT count(*) AS n FROM events WHERE tenant_id = ?",
    tenantId,
  );
  return row!.n;
}

describe("webhook sources", () => {
  it("are created by admins, show the secret once, and are listed without it", async () => {
    const t = await newTenant();
    const res = await call("POST", "/v1/webhook-sources", {
      key: t.key,
      body: { name: "Shop", eventType: "order.created" },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name: "Shop",
      eventType: "order.created",
      url: `/hooks/${res.body.id}`,
    });
    expect(res.body.secret).toMatch(/^whsec_/);
    const list = await call("GET", "/v1/webhook-sources", { key: t.key });
    expect(JSON.stringify(list.body)).not.toContain(res.body.secret);
    const stored = await env.DB.prepare("SELECT secret_enc FROM webhook_sources WHERE id = ?")
      .bind(res.body.id)
      .first<{ secret_enc: string }>();
    expect(stored!.secret_enc).not.toContain(res.body.secret.slice(6));
    const editorKey = (
      await call("POST", "/v1/api-keys", { key: t.key, body: { name: "w", scopes: ["write"] } })
    ).body.key;
    expect(
      (await call("POST", "/v1/webhook-sources", { key: editorKey, body: { name: "x" } })).status,
    ).toBe(403);
    const audit = await call("GET", "/v1/audit?type=webhook_source.created", { key: t.key });
    expect(audit.body.items).toHaveLength(1);
    const other = await newTenant();
    expect(
      (await call("GET", `/v1/webhook-sources/${res.body.id}`, { key: other.key })).status,
    ).toBe(404);
    expect(
      (await call("POST", `/v1/webhook-sources/${res.body.id}/rotate-secret`, { key: other.key }))
        .status,
    ).toBe(404);
    expect(
      (await call("DELETE", `/v1/webhook-sources/${res.body.id}`, { key: other.key })).status,
    ).toBe(404);
  });
});

describe("POST /hooks/:sourceId", () => {
  it("accepts a signed delivery as an event, deduplicated by webhook-id", async () => {
    const t = await newTenant();
    const src = (
      await call("POST", "/v1/webhook-sources", {
        key: t.key,
        body: { name: "Shop", eventType: "order.created" },
      })
    ).body;
    const body = JSON.stringify({ id: "o-7", amount: 12 });
    const headers = signed(src.secret, body, { id: "delivery-1" });
    const res = await call("POST", src.url, { raw: body, headers });
    expect(res.status).toBe(202);
    expect(res.body.duplicate).toBe(false);
    const again = await call("POST", src.url, { raw: body, headers });
    expect(again.body).toEqual({ id: res.body.id, duplicate: true });
    const ev = await call("GET", `/v1/events/${encodeURIComponent(res.body.id)}`, { key: t.key });
    expect(ev.body).toMatchObject({
      type: "order.created",
      data: { id: "o-7", amount: 12 },
      source: `webhook:${src.id}`,
    });
  });

  it("takes { type, data } when the source has no fixed type", async () => {
    const t = await newTenant();
    const src = (await call("POST", "/v1/webhook-sources", { key: t.key, body: { name: "Any" } }))
      .body;
    const body = JSON.stringify({ type: "payment.received", data: { amount: 5 } });
    const res = await call("POST", src.url, { raw: body, headers: signed(src.secret, body) });
    expect(res.status).toBe(202);
    const bad = JSON.stringify({ amount: 5 });
    expect(
      (await call("POST", src.url, { raw: bad, headers: signed(src.secret, bad) })).status,
    ).toBe(400);
  });

  it("refuses forged, tampered, stale, future and unsigned deliveries with 401, storing nothing", async () => {
    const t = await newTenant();
    const src = (
      await call("POST", "/v1/webhook-sources", {
        key: t.key,
        body: { name: "Shop", eventType: "order.created" },
      })
    ).body;
    const body = JSON.stringify({ id: "o-1" });
    const forged = signed("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", body);
    const tampered = { ...signed(src.secret, body), "webhook-id": "other-id" };
    const stale = signed(src.secret, body, { at: new Date(Date.now() - 6 * 60_000) });
    const future = signed(src.secret, body, { at: new Date(Date.now() + 6 * 60_000) });
    const cases: Array<[string, Record<string, string>, string]> = [
      ["forged", forged, body],
      ["tampered id", tampered, body],
      ["tampered body", signed(src.secret, body), JSON.stringify({ id: "o-2" })],
      ["stale", stale, body],
      ["future", future, body],
      ["unsigned", { "content-type": "application/json" }, body],
    ];
    for (const [name, headers, sent] of cases) {
      const res = await call("POST", src.url, { raw: sent, headers });
      expect(res.status, name).toBe(401);
      expect(res.body.error.code).toBe("unauthorized");
    }
    expect(await eventCount(t.tenantId)).toBe(0);
    expect(
      (
        await call("POST", "/hooks/whs_doesnotexist", {
          raw: body,
          headers: signed(src.secret, body),
        })
      ).status,
    ).toBe(404);
  });

  it("accepts one good signature among several, and answers 400 to a signed body that is not JSON", async () => {
    const t = await newTenant();
    const src = (
      await call("POST", "/v1/webhook-sources", {
        key: t.key,
        body: { name: "Shop", eventType: "order.created" },
      })
    ).body;
    const body = JSON.stringify({ id: "o-1" });
    const res = await call("POST", src.url, {
      raw: body,
      headers: signed(src.secret, body, { extraSig: "v1,bm90LWEtc2lnbmF0dXJl" }),
    });
    expect(res.status).toBe(202);
    const notJson = "id=o-1";
    const bad = await call("POST", src.url, { raw: notJson, headers: signed(src.secret, notJson) });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("invalid_json");
  });

  it("keeps the old secret valid for 24 hours after a rotation, and not after", async () => {
    const t = await newTenant();
    const src = (
      await call("POST", "/v1/webhook-sources", {
        key: t.key,
        body: { name: "Shop", eventType: "order.created" },
      })
    ).body;
    const rotated = await call("POST", `/v1/webhook-sources/${src.id}/rotate-secret`, {
      key: t.key,
    });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(src.secret);
    const body = JSON.stringify({ id: "o-1" });
    expect(
      (await call("POST", src.url, { raw: body, headers: signed(src.secret, body) })).status,
    ).toBe(202);
    expect(
      (await call("POST", src.url, { raw: body, headers: signed(rotated.body.secret, body) }))
        .status,
    ).toBe(202);
    // The grace period ends.
    await env.DB.prepare("UPDATE webhook_sources SET previous_expires_at = ? WHERE id = ?")
      .bind(new Date(Date.now() - 1000).toISOString(), src.id)
      .run();
    expect(
      (await call("POST", src.url, { raw: body, headers: signed(src.secret, body) })).status,
    ).toBe(401);
    expect(
      (await call("POST", src.url, { raw: body, headers: signed(rotated.body.secret, body) }))
        .status,
    ).toBe(202);
    const audit = await call("GET", "/v1/audit?type=webhook_source.rotated", { key: t.key });
    expect(audit.body.items).toHaveLength(1);
    // A deleted source's URL is gone.
    expect((await call("DELETE", `/v1/webhook-sources/${src.id}`, { key: t.key })).status).toBe(
      204,
    );
    expect(
      (await call("POST", src.url, { raw: body, headers: signed(rotated.body.secret, body) }))
        .status,
    ).toBe(404);
  });

  it("starts runs like any event", async () => {
    const t = await newTenant();
    const src = (
      await call("POST", "/v1/webhook-sources", {
        key: t.key,
        body: { name: "Shop", eventType: "order.created" },
      })
    ).body;
    await call("POST", "/v1/workflows", {
      key: t.key,
      body: {
        name: "w",
        trigger: { event: "order.created" },
        filter: "order.amount > 1",
        steps: [{ id: "d", delay: "1s" }],
      },
    });
    const body = JSON.stringify({ amount: 5 });
    const res = await call("POST", src.url, { raw: body, headers: signed(src.secret, body) });
    const ev = await eventually(
      () => call("GET", `/v1/events/${encodeURIComponent(res.body.id)}`, { key: t.key }),
      (r) => r.body.runs?.length === 1,
    );
    expect(ev.body.runs[0].workflowId).toMatch(/^wf_/);
  });
});

describe("per-tenant rate limits", () => {
  it("answer 429 with Retry-After under a flood, and never touch another tenant", async () => {
    const noisy = await newTenant();
    const quiet = await newTenant();
    const flow = {
      name: "w",
      trigger: { event: "order.created" },
      steps: [
        {
          id: "tell",
          action: "send_email",
          config: { to: "a@example.com", subject: "s", body: "b" },
        },
      ],
    };
    await call("POST", "/v1/workflows", { key: noisy.key, body: flow });
    await call("POST", "/v1/workflows", { key: quiet.key, body: flow });
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        call("POST", "/v1/events", {
          key: noisy.key,
          body: { type: "order.created", data: { i } },
        }),
      ),
    );
    const limited = results.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(Number(limited[0]!.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(limited[0]!.body.error.code).toBe("rate_limited");
    const accepted = results.filter((r) => r.status === 202).length;
    expect(await eventCount(noisy.tenantId)).toBe(accepted);
    const q = await call("POST", "/v1/events", {
      key: quiet.key,
      body: { type: "order.created", data: {} },
    });
    expect(q.status).toBe(202);
  });

  it("rate-limit sign-in per email", async () => {
    const t = await newTenant();
    const s = await login(t.email, t.password);
    expect(s.csrf).toEqual(expect.any(String));
  });
});

export type { Json };

describe("the catalogue", () => {
  it("offers the event type a webhook source produces before its first delivery", async () => {
    const t = await newTenant();
    await call("POST", "/v1/webhook-sources", {
      key: t.key,
      body: { name: "Shop", eventType: "shop.order_paid" },
    });
    const catalog = await call("GET", "/v1/catalog", { key: t.key });
    expect(catalog.body.eventTypes.map((e: { type: string }) => e.type)).toContain(
      "shop.order_paid",
    );
  });
});
