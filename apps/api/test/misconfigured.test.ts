// A Worker deployed without one of its required secrets (README, "Deploy"):
// health names what is missing, requests that need it answer 503
// `misconfigured` naming it, and everything else keeps working. The pool
// gives the Worker every secret (vitest.config.ts), so these tests call the
// Worker's fetch with a copy of its env that lacks one.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Env } from "../src/env.ts";
import worker from "../src/index.ts";
import { BASE, type Json, newTenant, PLATFORM } from "./helpers.ts";

type Secret = "SWITCHYARD_PLATFORM_TOKEN" | "SWITCHYARD_ENCRYPTION_KEY" | "SWITCHYARD_AUDIT_KEY";

/** Calls the Worker's fetch with `without` unset in its env. */
async function callWithout(
  without: Secret[],
  method: string,
  path: string,
  opts: { key?: string; body?: unknown } = {},
): Promise<{ status: number; body: Json }> {
  const headers: Record<string, string> = {};
  if (opts.key) headers.authorization = `Bearer ${opts.key}`;
  if (opts.body !== undefined) headers["content-type"] = "application/json";
  const request = new Request<unknown, IncomingRequestCfProperties>(`${BASE}${path}`, {
    method,
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const lacking: Env = { ...env };
  for (const name of without) lacking[name] = undefined;
  const ctx = createExecutionContext();
  const res = await worker.fetch(request, lacking, ctx);
  await waitOnExecutionContext(ctx);
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Json) : {} };
}

function expectMisconfigured(res: { status: number; body: Json }, secret: Secret): void {
  expect(res.status).toBe(503);
  expect(res.body.error.code).toBe("misconfigured");
  expect(res.body.error.message).toContain(secret);
  // The name, never a value.
  for (const value of [PLATFORM, env.SWITCHYARD_AUDIT_KEY, env.SWITCHYARD_ENCRYPTION_KEY]) {
    expect(JSON.stringify(res.body)).not.toContain(value);
  }
}

describe("a Worker missing a required secret", () => {
  it("names each missing secret in GET /v1/health, and none when all are set", async () => {
    const all = await callWithout([], "GET", "/v1/health");
    expect(all.status).toBe(200);
    expect(all.body).toEqual({ ok: true });

    for (const secret of [
      "SWITCHYARD_PLATFORM_TOKEN",
      "SWITCHYARD_ENCRYPTION_KEY",
      "SWITCHYARD_AUDIT_KEY",
    ] as const) {
      const one = await callWithout([secret], "GET", "/v1/health");
      expect(one.status).toBe(200);
      expect(one.body).toEqual({ ok: false, missing: [secret] });
    }

    const two = await callWithout(
      ["SWITCHYARD_AUDIT_KEY", "SWITCHYARD_ENCRYPTION_KEY"],
      "GET",
      "/v1/health",
    );
    expect(two.body.ok).toBe(false);
    expect([...two.body.missing].sort()).toEqual([
      "SWITCHYARD_AUDIT_KEY",
      "SWITCHYARD_ENCRYPTION_KEY",
    ]);
  });

  it("answers POST /v1/tenants 503 without the audit key, and creates nothing", async () => {
    const name = `Unaudited ${crypto.randomUUID()}`;
    const email = `nobody-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const res = await callWithout(["SWITCHYARD_AUDIT_KEY"], "POST", "/v1/tenants", {
      key: PLATFORM,
      body: { name, admin: { email, password: "correct-horse-battery" } },
    });
    expectMisconfigured(res, "SWITCHYARD_AUDIT_KEY");
    const tenants = await env.DB.prepare("SELECT count(*) AS n FROM tenants WHERE name = ?")
      .bind(name)
      .first<{ n: number }>();
    expect(tenants?.n).toBe(0);
    const users = await env.DB.prepare("SELECT count(*) AS n FROM users WHERE email = ?")
      .bind(email)
      .first<{ n: number }>();
    expect(users?.n).toBe(0);
  });

  it("answers the platform routes 503 without the platform token", async () => {
    const body = {
      name: "No platform",
      admin: { email: "np@example.com", password: "x".repeat(12) },
    };
    expectMisconfigured(
      await callWithout(["SWITCHYARD_PLATFORM_TOKEN"], "POST", "/v1/tenants", {
        key: PLATFORM,
        body,
      }),
      "SWITCHYARD_PLATFORM_TOKEN",
    );
    // Whatever the caller sends: no token can match one that is not set.
    expectMisconfigured(
      await callWithout(["SWITCHYARD_PLATFORM_TOKEN"], "GET", "/v1/platform/outbox"),
      "SWITCHYARD_PLATFORM_TOKEN",
    );
  });

  it("answers 503 naming the encryption key where a secret is encrypted, and stores nothing", async () => {
    const t = await newTenant("No encryption");
    const name = `hook ${crypto.randomUUID().slice(0, 8)}`;
    const res = await callWithout(["SWITCHYARD_ENCRYPTION_KEY"], "POST", "/v1/webhook-sources", {
      key: t.key,
      body: { name },
    });
    expectMisconfigured(res, "SWITCHYARD_ENCRYPTION_KEY");
    const rows = await env.DB.prepare(
      "SELECT count(*) AS n FROM webhook_sources WHERE tenant_id = ?",
    )
      .bind(t.tenantId)
      .first<{ n: number }>();
    expect(rows?.n).toBe(0);
  });

  it("answers 503 for an audit-chain check without the audit key", async () => {
    const t = await newTenant("No audit verify");
    expectMisconfigured(
      await callWithout(["SWITCHYARD_AUDIT_KEY"], "GET", "/v1/audit/verify", { key: t.key }),
      "SWITCHYARD_AUDIT_KEY",
    );
  });

  it("keeps serving requests that need none of them", async () => {
    const t = await newTenant("Still serving");
    const all: Secret[] = [
      "SWITCHYARD_PLATFORM_TOKEN",
      "SWITCHYARD_ENCRYPTION_KEY",
      "SWITCHYARD_AUDIT_KEY",
    ];
    const list = await callWithout(all, "GET", "/v1/workflows", { key: t.key });
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([]);
  });
});
