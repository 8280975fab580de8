import { env } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";
import { afterEach, describe, expect, it, vi } from "vitest";
import { executorFor } from "../src/executors/registry.ts";
import type { ExecutionContext } from "../src/executors/types.ts";
import { forgetSettings } from "../src/services/settings.ts";
import { attempt, call, newTenant } from "./helpers.ts";

// The executor runs in this isolate, so a stubbed global fetch is the
// receiver: it sees exactly what would go on the wire. Real HTTP receivers
// (and the guard's "no connection made") are in tests/edges.

/** The guard on, as in production (a local .dev.vars may lift it). */
const guarded = (tenantId: string, over: Partial<ExecutionContext> = {}) =>
  attempt(tenantId, { env: { ...env, SWITCHYARD_ALLOW_PRIVATE_WEBHOOKS: undefined }, ...over });

const run = (config: unknown, ctx: ExecutionContext) =>
  executorFor("call_webhook")!.execute(config, ctx);

interface Seen {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string;
}

/** Stubs fetch with `answers` in turn and records every request. */
function receiver(...answers: Array<Response | (() => Response) | Error>): Seen[] {
  const seen: Seen[] = [];
  let i = 0;
  vi.stubGlobal("fetch", async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    seen.push({
      url: req.url,
      method: req.method,
      headers: Object.fromEntries(req.headers),
      body: await req.text(),
    });
    expect(init?.redirect).toBe("manual");
    const a = answers[Math.min(i++, answers.length - 1)]!;
    if (a instanceof Error) throw a;
    return typeof a === "function" ? a() : a.clone();
  });
  return seen;
}

const json = (value: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(value), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });

const secretOf = async (key: string) =>
  (await call("GET", "/v1/settings/webhook-signing", { key })).body.secret as string;

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("call_webhook signs per Standard Webhooks", () => {
  it("sends the rendered request signed; the standardwebhooks library verifies it", async () => {
    const t = await newTenant();
    const secret = await secretOf(t.key);
    const seen = receiver(json({ ok: true, id: 7 }, 201, { "x-receipt": "r1" }));
    const ctx = guarded(t.tenantId);
    const out = await run(
      {
        url: "https://hooks.example.com/in?x=1",
        method: "PUT",
        headers: { "X-Tenant": "acme", "Webhook-Signature": "v1,forged" },
        body: { order: { id: "o1", amount: 12 } },
      },
      ctx,
    );
    expect(out).toEqual({
      status: "succeeded",
      output: {
        status: 201,
        headers: expect.objectContaining({ "x-receipt": "r1" }),
        body: { ok: true, id: 7 },
      },
    });
    expect(seen).toHaveLength(1);
    const req = seen[0]!;
    expect(req).toMatchObject({ url: "https://hooks.example.com/in?x=1", method: "PUT" });
    expect(req.headers["content-type"]).toBe("application/json");
    expect(req.headers["x-tenant"]).toBe("acme");
    expect(req.headers["webhook-id"]).toBe(ctx.idempotencyKey);
    expect(JSON.parse(req.body)).toEqual({ order: { id: "o1", amount: 12 } });
    expect(new Webhook(secret).verify(req.body, req.headers)).toEqual({
      order: { id: "o1", amount: 12 },
    });
    const other = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    expect(() => new Webhook(other).verify(req.body, req.headers)).toThrow();
  });

  it("keeps the webhook-id across attempts, and signs a body-less call too", async () => {
    const t = await newTenant();
    const secret = await secretOf(t.key);
    const seen = receiver(new Response("no", { status: 503 }), new Response("fine"));
    const ctx = guarded(t.tenantId);
    const config = { url: "https://hooks.example.com/ping", method: "GET" };
    expect(await run(config, ctx)).toMatchObject({ status: "failed", retryable: true });
    expect(await run(config, { ...ctx, attempt: 2 })).toMatchObject({
      status: "succeeded",
      output: { status: 200, body: "fine" },
    });
    expect(seen.map((s) => s.headers["webhook-id"])).toEqual([
      ctx.idempotencyKey,
      ctx.idempotencyKey,
    ]);
    expect(seen[1]!.body).toBe("");
    expect(() => new Webhook(secret).verify("", seen[1]!.headers)).not.toThrow();
  });

  it("sends both signatures for 24 hours after a rotation, then only the new one", async () => {
    const t = await newTenant();
    const old = await secretOf(t.key);
    const fresh = (await call("POST", "/v1/settings/webhook-signing/rotate", { key: t.key })).body
      .secret as string;
    const seen = receiver(json({}));
    const config = { url: "https://hooks.example.com/", body: { n: 1 } };
    await run(config, guarded(t.tenantId));
    const during = seen[0]!;
    const sigs = during.headers["webhook-signature"]!.split(" ");
    expect(sigs).toHaveLength(2);
    expect(sigs.every((s) => s.startsWith("v1,"))).toBe(true);
    // A receiver that still has the old secret, and one that has the new, both verify.
    expect(() => new Webhook(old).verify(during.body, during.headers)).not.toThrow();
    expect(() => new Webhook(fresh).verify(during.body, during.headers)).not.toThrow();

    await env.DB.prepare(
      "UPDATE tenant_settings SET webhook_previous_expires_at = ? WHERE tenant_id = ?",
    )
      .bind(new Date(Date.now() - 1000).toISOString(), t.tenantId)
      .run();
    // The row was changed behind the app's back (a day passing): drop the step cache.
    forgetSettings(t.tenantId);
    await run(config, guarded(t.tenantId));
    const after = seen[1]!;
    expect(after.headers["webhook-signature"]!.split(" ")).toHaveLength(1);
    expect(() => new Webhook(fresh).verify(after.body, after.headers)).not.toThrow();
    expect(() => new Webhook(old).verify(after.body, after.headers)).toThrow();
  });

  it("creates the tenant's secret on the first call when no admin read it yet", async () => {
    const t = await newTenant();
    const seen = receiver(json({}));
    expect(await run({ url: "https://hooks.example.com/" }, guarded(t.tenantId))).toMatchObject({
      status: "succeeded",
    });
    const secret = await secretOf(t.key);
    expect(() => new Webhook(secret).verify(seen[0]!.body, seen[0]!.headers)).not.toThrow();
  });
});

describe("call_webhook outcomes", () => {
  const url = "https://hooks.example.com/x";

  it.each([
    [500, {}, undefined],
    [503, { "retry-after": "7" }, 7000],
    [429, { "retry-after": "2" }, 2000],
    [429, { "retry-after": "soon" }, undefined],
  ])("%i with %o is retried (Retry-After %s ms)", async (status, headers, after) => {
    const t = await newTenant();
    receiver(new Response("busy", { status, headers }));
    const out = await run({ url }, guarded(t.tenantId));
    expect(out).toMatchObject({ status: "failed", retryable: true, error: { code: "http_error" } });
    expect(out.status === "failed" && out.retryAfterMs).toBe(after);
    expect(out.status === "failed" && out.error.message).toContain(`answered ${status}`);
  });

  it("honours a Retry-After given as an HTTP date", async () => {
    const t = await newTenant();
    const at = new Date(Date.now() + 30_000).toUTCString();
    receiver(new Response("", { status: 429, headers: { "retry-after": at } }));
    const out = await run({ url }, guarded(t.tenantId));
    const ms = out.status === "failed" ? (out.retryAfterMs ?? 0) : 0;
    expect(ms).toBeGreaterThan(25_000);
    expect(ms).toBeLessThanOrEqual(30_000);
  });

  it.each([400, 401, 404, 410, 422])("%i fails without retry", async (status) => {
    const t = await newTenant();
    receiver(json({ error: "nope" }, status));
    const out = await run({ url }, guarded(t.tenantId));
    expect(out).toMatchObject({
      status: "failed",
      retryable: false,
      error: { code: "http_error" },
    });
    expect(out.status === "failed" && out.error.message).toContain('{"error":"nope"}');
  });

  it("a network error or the attempt's timeout is retried", async () => {
    const t = await newTenant();
    // The runtime's words for a closed port are not repeated: the message
    // says where nothing answered (it reads "could not be reached: …" in the
    // builder, issue 14).
    receiver(new TypeError("Network connection lost."));
    expect(await run({ url }, guarded(t.tenantId))).toMatchObject({
      retryable: true,
      error: { code: "network_error", message: `nothing answered at ${new URL(url).host}` },
    });
    const controller = new AbortController();
    vi.stubGlobal("fetch", (_: unknown, init: RequestInit) => {
      controller.abort();
      return Promise.reject(init.signal?.reason ?? new Error("aborted"));
    });
    expect(await run({ url }, guarded(t.tenantId, { signal: controller.signal }))).toMatchObject({
      retryable: true,
      error: { code: "timeout" },
    });
  });

  it("keeps at most 64 KiB of the answer, text when it is not JSON", async () => {
    const t = await newTenant();
    receiver(
      () => new Response("a".repeat(200_000), { headers: { "content-type": "text/plain" } }),
    );
    const out = await run({ url }, guarded(t.tenantId));
    const body = out.status === "succeeded" ? (out.output as { body: string }).body : "";
    expect(body).toHaveLength(64 * 1024);
    receiver(() => json({ big: "b".repeat(70_000) }));
    const cut = await run({ url }, guarded(t.tenantId));
    // Truncated JSON cannot be parsed: its text is kept.
    expect(typeof (cut.status === "succeeded" && (cut.output as { body: unknown }).body)).toBe(
      "string",
    );
  });

  it("refuses a bad method or a GET with a body, before any request", async () => {
    const t = await newTenant();
    const seen = receiver(json({}));
    expect(await run({ url, method: "{{ x }}" }, guarded(t.tenantId))).toMatchObject({
      retryable: false,
      error: { code: "invalid_config" },
    });
    expect(await run({ url, method: "GET", body: { a: 1 } }, guarded(t.tenantId))).toMatchObject({
      retryable: false,
      error: { code: "invalid_config" },
    });
    expect(seen).toHaveLength(0);
  });
});

describe("call_webhook and the SSRF guard", () => {
  const redirect = (location: string, status = 302) =>
    new Response(null, { status, headers: { location } });

  it.each([
    "http://127.0.0.1:8080/",
    "http://[::ffff:7f00:1]/",
    "http://169.254.169.254/latest/meta-data/",
    "http://2130706433/",
  ])("refuses %s before connecting, naming the rule", async (target) => {
    const t = await newTenant();
    const seen = receiver(json({}));
    const out = await run({ url: target }, guarded(t.tenantId));
    expect(out).toMatchObject({
      status: "failed",
      retryable: false,
      error: {
        code: "ssrf_refused",
        message: expect.stringMatching(/refused by the SSRF guard \(\w+\)/),
      },
    });
    expect(seen).toHaveLength(0);
  });

  it("checks every redirect: a hop to an internal address is refused", async () => {
    const t = await newTenant();
    const seen = receiver(
      redirect("https://elsewhere.example.com/next", 307),
      redirect("http://169.254.169.254/latest/meta-data/"),
    );
    const out = await run({ url: "https://hooks.example.com/" }, guarded(t.tenantId));
    expect(out).toMatchObject({
      retryable: false,
      error: { code: "ssrf_refused", message: expect.stringContaining("link_local") },
    });
    expect(seen.map((s) => s.url)).toEqual([
      "https://hooks.example.com/",
      "https://elsewhere.example.com/next",
    ]);
  });

  it("follows redirects as fetch would: 307 keeps the body, 303 turns into a GET", async () => {
    const t = await newTenant();
    const secret = await secretOf(t.key);
    const seen = receiver(
      redirect("/moved", 307),
      redirect("https://other.example.com/done", 303),
      json({ done: true }),
    );
    const out = await run(
      {
        url: "https://hooks.example.com/start",
        headers: { authorization: "Bearer receiver-token" },
        body: { a: 1 },
      },
      guarded(t.tenantId),
    );
    expect(out).toMatchObject({ status: "succeeded", output: { body: { done: true } } });
    expect(seen.map((s) => [s.method, s.url, s.body])).toEqual([
      ["POST", "https://hooks.example.com/start", '{"a":1}'],
      ["POST", "https://hooks.example.com/moved", '{"a":1}'],
      ["GET", "https://other.example.com/done", ""],
    ]);
    // Credentials stay with their origin; every hop is signed for what it carries.
    expect(seen[1]!.headers.authorization).toBe("Bearer receiver-token");
    expect(seen[2]!.headers.authorization).toBeUndefined();
    for (const s of seen) expect(() => new Webhook(secret).verify(s.body, s.headers)).not.toThrow();
  });

  it("gives up after 5 redirects", async () => {
    const t = await newTenant();
    const seen = receiver(redirect("https://hooks.example.com/again"));
    const out = await run({ url: "https://hooks.example.com/" }, guarded(t.tenantId));
    expect(out).toMatchObject({ retryable: false, error: { code: "too_many_redirects" } });
    expect(seen).toHaveLength(6);
  });
});

describe("call_webhook headers", () => {
  it("a header value that cannot be sent fails the step without retry", async () => {
    const t = await newTenant();
    const seen = receiver(json({}));
    const out = await run(
      { url: "https://hooks.example.com/", headers: { "x-bad": "a\r\nInjected: yes" } },
      guarded(t.tenantId),
    );
    expect(out).toMatchObject({ retryable: false, error: { code: "invalid_config" } });
    expect(seen).toHaveLength(0);
  });
});
