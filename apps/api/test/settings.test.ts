import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { addMember, call, login, newTenant, storeSql } from "./helpers.ts";

async function member(ownerKey: string, role: "viewer" | "editor" | "admin") {
  const email = `${role}-${crypto.randomUUID().slice(0, 8)}@example.com`;
  const password = `${role}-password-123`;
  await addMember(ownerKey, email, role, { password });
  const s = await login(email, password);
  return { cookie: s.cookie, headers: { "x-csrf-token": s.csrf } };
}

const audit = async (key: string) =>
  (await call("GET", "/v1/audit?type=settings.updated", { key })).body.items as Array<{
    actor: { type: string };
    subject: string;
    details: Record<string, unknown>;
  }>;

describe("webhook signing secret", () => {
  it("is created on first read, stable after, and audited once", async () => {
    const t = await newTenant();
    const first = await call("GET", "/v1/settings/webhook-signing", { key: t.key });
    expect(first.status).toBe(200);
    expect(first.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    const again = await call("GET", "/v1/settings/webhook-signing", { key: t.key });
    expect(again.body.secret).toBe(first.body.secret);
    const entries = await audit(t.key);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      subject: "webhook-signing",
      details: { webhookSigning: "created" },
    });
    expect(JSON.stringify(entries)).not.toContain(first.body.secret);
  });

  it("rotates to a new secret, audited, with 24 hours of grace", async () => {
    const t = await newTenant();
    const old = (await call("GET", "/v1/settings/webhook-signing", { key: t.key })).body.secret;
    const rotated = await call("POST", "/v1/settings/webhook-signing/rotate", { key: t.key });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(old);
    const grace = Date.parse(rotated.body.previousSecretExpiresAt) - Date.now();
    expect(grace).toBeGreaterThan(23.9 * 3600_000);
    expect(grace).toBeLessThanOrEqual(24 * 3600_000);
    const now = await call("GET", "/v1/settings/webhook-signing", { key: t.key });
    expect(now.body.secret).toBe(rotated.body.secret);
    const entries = await audit(t.key);
    expect(entries.map((e) => e.details.webhookSigning)).toEqual(["rotated", "created"]);
    const stored = await env.DB.prepare(
      "SELECT webhook_secret_enc s, webhook_previous_secret_enc p FROM tenant_settings WHERE tenant_id = ?",
    )
      .bind(t.tenantId)
      .first<{ s: string; p: string }>();
    // At rest only encrypted.
    expect(stored!.s.startsWith("v1.")).toBe(true);
    expect(JSON.stringify(stored)).not.toContain(old.slice(6));
    expect(JSON.stringify(stored)).not.toContain(rotated.body.secret.slice(6));
  });

  it("is for admins only: editors, viewers and read/write keys get 403", async () => {
    const t = await newTenant();
    const editor = await member(t.key, "editor");
    const viewer = await member(t.key, "viewer");
    const admin = await member(t.key, "admin");
    for (const who of [editor, viewer]) {
      expect((await call("GET", "/v1/settings/webhook-signing", who)).status).toBe(403);
      expect((await call("POST", "/v1/settings/webhook-signing/rotate", who)).status).toBe(403);
    }
    const writeKey = await call("POST", "/v1/api-keys", {
      key: t.key,
      body: { name: "ci", scopes: ["read", "write"] },
    });
    expect(writeKey.status).toBe(201);
    const k = writeKey.body.key ?? writeKey.body.apiKey;
    expect((await call("GET", "/v1/settings/webhook-signing", { key: k })).status).toBe(403);
    expect((await call("GET", "/v1/settings/webhook-signing", admin)).status).toBe(200);
    expect((await call("GET", "/v1/settings/webhook-signing")).status).toBe(401);
    expect(await audit(t.key)).toHaveLength(1);
  });
});

describe("providers", () => {
  it("default to the outbox", async () => {
    const t = await newTenant();
    const res = await call("GET", "/v1/settings/providers", { key: t.key });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      email: { provider: "outbox", from: null },
      sms: { provider: "outbox", from: null },
    });
  });

  it("store credentials encrypted, never answer or audit them, clear them on outbox", async () => {
    const t = await newTenant();
    // Invited while the tenant's emails still go to its outbox.
    const viewer = await member(t.key, "viewer");
    const apiKey = "re_secret_abcdefghijklmnop";
    const authToken = "twilio-token-0123456789abcdef";
    const put = await call("PUT", "/v1/settings/providers", {
      key: t.key,
      body: {
        email: { provider: "resend", from: "Acme <ops@acme.example>", apiKey },
        sms: { provider: "twilio", from: "+15005550006", accountSid: "AC123", authToken },
      },
    });
    expect(put.status).toBe(200);
    const view = {
      email: { provider: "resend", from: "Acme <ops@acme.example>" },
      sms: { provider: "twilio", from: "+15005550006" },
    };
    expect(put.body).toEqual(view);
    const got = await call("GET", "/v1/settings/providers", viewer);
    expect(got.body).toEqual(view);

    const row = await env.DB.prepare("SELECT * FROM tenant_settings WHERE tenant_id = ?")
      .bind(t.tenantId)
      .first();
    const everything = JSON.stringify([put.body, got.body, row, await audit(t.key)]);
    expect(everything).not.toContain(apiKey);
    expect(everything).not.toContain(authToken);
    const entries = await audit(t.key);
    expect(entries[0]).toMatchObject({
      subject: "providers",
      details: { ...view, credentialsChanged: ["email", "sms"] },
    });

    // A new sender keeps the stored key.
    const from = await call("PUT", "/v1/settings/providers", {
      key: t.key,
      body: { email: { provider: "resend", from: "ops@acme.example" } },
    });
    expect(from.status).toBe(200);
    expect(from.body.sms).toEqual(view.sms);
    const keptKey = await env.DB.prepare(
      "SELECT email_credentials_enc c FROM tenant_settings WHERE tenant_id = ?",
    )
      .bind(t.tenantId)
      .first<{ c: string | null }>();
    expect(keptKey!.c).toBe(row!.email_credentials_enc);

    const back = await call("PUT", "/v1/settings/providers", {
      key: t.key,
      body: { email: { provider: "outbox" }, sms: { provider: "outbox" } },
    });
    expect(back.body).toEqual({
      email: { provider: "outbox", from: null },
      sms: { provider: "outbox", from: null },
    });
    const cleared = await env.DB.prepare(
      "SELECT email_credentials_enc e, sms_credentials_enc s FROM tenant_settings WHERE tenant_id = ?",
    )
      .bind(t.tenantId)
      .first();
    expect(cleared).toEqual({ e: null, s: null });
    expect(await audit(t.key)).toHaveLength(3);
  });

  it("refuse a provider without credentials, and unknown fields", async () => {
    const t = await newTenant();
    const put = (body: unknown) => call("PUT", "/v1/settings/providers", { key: t.key, body });
    const noKey = await put({ email: { provider: "resend", from: "a@b.example" } });
    expect(noKey.status).toBe(400);
    expect(noKey.body.error.details[0].path).toBe("email.apiKey");
    const half = await put({ sms: { provider: "twilio", from: "+1500", accountSid: "AC1" } });
    expect(half.status).toBe(400);
    expect(half.body.error.details[0].path).toBe("sms.authToken");
    expect((await put({ email: { provider: "mailgun", from: "x" } })).status).toBe(400);
    expect((await put({ email: { provider: "outbox", apiKey: "x" } })).status).toBe(400);
    expect((await put({ email: { provider: "resend", apiKey: "re_1" } })).status).toBe(400);
    expect(await audit(t.key)).toHaveLength(0);
  });

  it("PUT is for admins only", async () => {
    const t = await newTenant();
    const body = { email: { provider: "outbox" } };
    for (const role of ["editor", "viewer"] as const) {
      const who = await member(t.key, role);
      expect((await call("GET", "/v1/settings/providers", who)).status).toBe(200);
      expect((await call("PUT", "/v1/settings/providers", { ...who, body })).status).toBe(403);
    }
    const admin = await member(t.key, "admin");
    expect((await call("PUT", "/v1/settings/providers", { ...admin, body })).status).toBe(200);
  });
});

describe("tenant settings", () => {
  const storedRetention = async (tenantId: string) =>
    (
      await storeSql<{ value: string }>(
        tenantId,
        "SELECT value FROM store_meta WHERE key = 'retention_days'",
      )
    ).map((r) => r.value);

  it("default to UTC, English and 30 days", async () => {
    const t = await newTenant();
    const res = await call("GET", "/v1/settings/tenant", { key: t.key });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      timezone: "UTC",
      locale: "en",
      retentionDays: 30,
      require2fa: false,
      alerts: { enabled: true, recipients: "default" },
      maxRunningRuns: 100,
    });
  });

  it("an admin sets each field; the others stay, and the store gets the retention", async () => {
    const t = await newTenant();
    const admin = await member(t.key, "admin");
    const put = (body: unknown) => call("PUT", "/v1/settings/tenant", { ...admin, body });

    const zone = await put({ timezone: "Europe/Berlin" });
    expect(zone.status).toBe(200);
    expect(zone.body).toEqual({
      timezone: "Europe/Berlin",
      locale: "en",
      retentionDays: 30,
      require2fa: false,
      alerts: { enabled: true, recipients: "default" },
      maxRunningRuns: 100,
    });
    // Names and tags are kept in their canonical form.
    const tag = await put({ locale: "de-ch" });
    expect(tag.body).toEqual({
      timezone: "Europe/Berlin",
      locale: "de-CH",
      retentionDays: 30,
      require2fa: false,
      alerts: { enabled: true, recipients: "default" },
      maxRunningRuns: 100,
    });
    expect(await storedRetention(t.tenantId)).toEqual([]);
    const days = await put({ retentionDays: 14 });
    expect(days.body).toEqual({
      timezone: "Europe/Berlin",
      locale: "de-CH",
      retentionDays: 14,
      require2fa: false,
      alerts: { enabled: true, recipients: "default" },
      maxRunningRuns: 100,
    });

    const read = await call("GET", "/v1/settings/tenant", { key: t.key });
    expect(read.body).toEqual({
      timezone: "Europe/Berlin",
      locale: "de-CH",
      retentionDays: 14,
      require2fa: false,
      alerts: { enabled: true, recipients: "default" },
      maxRunningRuns: 100,
    });
    expect(await storedRetention(t.tenantId)).toEqual(["14"]);

    const all = await put({ timezone: "America/New_York", locale: "pt-BR", retentionDays: 400 });
    expect(all.body).toEqual({
      timezone: "America/New_York",
      locale: "pt-BR",
      retentionDays: 400,
      require2fa: false,
      alerts: { enabled: true, recipients: "default" },
      maxRunningRuns: 100,
    });
    expect(await storedRetention(t.tenantId)).toEqual(["400"]);
    const row = await env.DB.prepare(
      "SELECT timezone, locale, retention_days FROM tenant_settings WHERE tenant_id = ?",
    )
      .bind(t.tenantId)
      .first();
    expect(row).toEqual({ timezone: "America/New_York", locale: "pt-BR", retention_days: 400 });
  });

  it("audits each change once, with what it was and what it became", async () => {
    const t = await newTenant();
    const put = (body: unknown) => call("PUT", "/v1/settings/tenant", { key: t.key, body });
    expect((await put({ retentionDays: 7, timezone: "Asia/Tokyo" })).status).toBe(200);
    const entries = await audit(t.key);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      actor: { type: "api_key" },
      subject: "tenant",
      details: {
        retentionDays: { old: 30, new: 7 },
        timezone: { old: "UTC", new: "Asia/Tokyo" },
      },
    });
    expect(entries[0]!.details).not.toHaveProperty("locale");
    // The same values again change nothing and write no entry.
    expect((await put({ retentionDays: 7, timezone: "Asia/Tokyo" })).status).toBe(200);
    expect((await put({})).status).toBe(200);
    expect(await audit(t.key)).toHaveLength(1);
    expect(await storedRetention(t.tenantId)).toEqual(["7"]);
    expect((await call("GET", "/v1/audit/verify", { key: t.key })).body.ok).toBe(true);
  });

  it("viewers, editors and read or write keys read them but cannot change them", async () => {
    const t = await newTenant();
    const body = { retentionDays: 5 };
    const keys: Record<string, string> = {};
    for (const scopes of [["read"], ["read", "write"]]) {
      const made = await call("POST", "/v1/api-keys", {
        key: t.key,
        body: { name: scopes.join("+"), scopes },
      });
      expect(made.status).toBe(201);
      keys[scopes.join("+")] = made.body.key;
    }
    const who = [
      await member(t.key, "viewer"),
      await member(t.key, "editor"),
      { key: keys.read },
      { key: keys["read+write"] },
    ];
    for (const w of who) {
      const got = await call("GET", "/v1/settings/tenant", w);
      expect(got.status).toBe(200);
      expect(got.body.retentionDays).toBe(30);
      const put = await call("PUT", "/v1/settings/tenant", { ...w, body });
      expect(put.status).toBe(403);
    }
    expect((await call("GET", "/v1/settings/tenant")).status).toBe(401);
    expect((await call("GET", "/v1/settings/tenant", { key: t.key })).body.retentionDays).toBe(30);
    expect(await audit(t.key)).toHaveLength(0);
    expect(await storedRetention(t.tenantId)).toEqual([]);
  });

  it("refuse bad values and unknown fields with the path of each problem", async () => {
    const t = await newTenant();
    const put = (body: unknown) => call("PUT", "/v1/settings/tenant", { key: t.key, body });
    const paths = async (body: unknown) => {
      const res = await put(body);
      expect(res.status).toBe(400);
      return (res.body.error.details as Array<{ path: string }>).map((d) => d.path).sort();
    };
    expect(await paths({ timezone: "Mars/Olympus_Mons" })).toEqual(["timezone"]);
    expect(await paths({ timezone: "+01:00" })).toEqual(["timezone"]);
    expect(await paths({ timezone: "" })).toEqual(["timezone"]);
    expect(await paths({ timezone: "A".repeat(101) })).toEqual(["timezone"]);
    expect(await paths({ locale: "not a locale" })).toEqual(["locale"]);
    expect(await paths({ locale: 42 })).toEqual(["locale"]);
    for (const retentionDays of [0, 401, 7.5, "14", null]) {
      expect(await paths({ retentionDays })).toEqual(["retentionDays"]);
    }
    expect(await paths({ timezone: "Nowhere/Land", locale: "en_US!", retentionDays: -1 })).toEqual([
      "locale",
      "retentionDays",
      "timezone",
    ]);
    expect(await paths({ require2fa: "yes" })).toEqual(["require2fa"]);
    for (const maxRunningRuns of [0, 1001, 2.5, "10"]) {
      expect(await paths({ maxRunningRuns })).toEqual(["maxRunningRuns"]);
    }
    const unknown = await put({ retentionDays: 14, colour: "red" });
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.body.error.details)).toContain("colour");
    // Nothing of a refused request was kept.
    expect((await call("GET", "/v1/settings/tenant", { key: t.key })).body).toEqual({
      timezone: "UTC",
      locale: "en",
      retentionDays: 30,
      require2fa: false,
      alerts: { enabled: true, recipients: "default" },
      maxRunningRuns: 100,
    });
    expect(await audit(t.key)).toHaveLength(0);
    expect(await storedRetention(t.tenantId)).toEqual([]);
  });
});

describe("the settings routes in the OpenAPI document", () => {
  it("are described, with credentials only in the request", async () => {
    const doc = (await call("GET", "/v1/openapi.json")).body;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/v1/settings/providers",
        "/v1/settings/webhook-signing",
        "/v1/settings/webhook-signing/rotate",
        "/v1/settings/tenant",
      ]),
    );
    const tenant = doc.paths["/v1/settings/tenant"];
    expect(Object.keys(tenant)).toEqual(expect.arrayContaining(["get", "put"]));
    expect(doc.components.schemas.TenantSettingsUpdate).toMatchObject({
      additionalProperties: false,
      properties: { retentionDays: { minimum: 1, maximum: 400 } },
    });
    const view = JSON.stringify(doc.components.schemas.ProviderSettings);
    expect(view).not.toMatch(/apiKey|authToken|accountSid/);
    expect(JSON.stringify(doc.components.schemas.ProviderSettingsUpdate)).toMatch(/authToken/);
  });
});
