import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { executorFor } from "../src/executors/registry.ts";
import type { ExecutionContext } from "../src/executors/types.ts";
import { attempt, call, newTenant, storeSql } from "./helpers.ts";

// The real Resend and Twilio clients with fetch stubbed in this isolate;
// tests/edges runs them against fake APIs over real HTTP.

const RESEND_KEY = "re_live_0123456789abcdef";
const TWILIO_SID = "AC0123456789abcdef0123456789abcdef";
const TWILIO_TOKEN = "twilio-auth-token-0123456789";

const send = (action: "send_email" | "send_sms", config: unknown, ctx: ExecutionContext) =>
  executorFor(action)!.execute(config, ctx);

interface Seen {
  url: string;
  headers: Record<string, string>;
  body: string;
}

function api(...answers: Response[]): Seen[] {
  const seen: Seen[] = [];
  let i = 0;
  vi.stubGlobal("fetch", async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    seen.push({ url: req.url, headers: Object.fromEntries(req.headers), body: await req.text() });
    return answers[Math.min(i++, answers.length - 1)]!.clone();
  });
  return seen;
}

const json = (value: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(value), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });

async function tenantWithProviders(): Promise<{ tenantId: string; key: string }> {
  const t = await newTenant();
  const res = await call("PUT", "/v1/settings/providers", {
    key: t.key,
    body: {
      email: { provider: "resend", from: "Acme <ops@acme.example>", apiKey: RESEND_KEY },
      sms: {
        provider: "twilio",
        from: "+15005550006",
        accountSid: TWILIO_SID,
        authToken: TWILIO_TOKEN,
      },
    },
  });
  expect(res.status).toBe(200);
  return t;
}

const email = { to: "ann@example.com", subject: "Order 1", body: "Thanks!", cc: "bo@example.com" };
const sms = { to: "+15551234567", body: "Your order shipped" };

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("Resend", () => {
  it("sends with the key, the step's idempotency key and Resend's shape; never twice", async () => {
    const t = await tenantWithProviders();
    const seen = api(json({ id: "re_msg_1" }));
    const ctx = attempt(t.tenantId);
    const first = await send("send_email", email, ctx);
    expect(first).toEqual({
      status: "succeeded",
      output: { messageId: "re_msg_1", provider: "resend" },
    });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.url).toBe("https://api.resend.com/emails");
    expect(seen[0]!.headers).toMatchObject({
      authorization: `Bearer ${RESEND_KEY}`,
      "content-type": "application/json",
      "idempotency-key": ctx.idempotencyKey,
    });
    expect(JSON.parse(seen[0]!.body)).toEqual({
      from: "Acme <ops@acme.example>",
      to: ["ann@example.com"],
      cc: ["bo@example.com"],
      subject: "Order 1",
      text: "Thanks!",
    });
    // A redelivered or retried attempt: the ledger answers, nothing is sent.
    const again = await send("send_email", email, { ...ctx, attempt: 2 });
    expect(again).toEqual(first);
    expect(seen).toHaveLength(1);
    const rows = await storeSql(
      t.tenantId,
      "SELECT channel, provider, provider_message_id m FROM deliveries WHERE tenant_id = ? AND idempotency_key = ?",
      t.tenantId,
      ctx.idempotencyKey,
    );
    expect(rows).toEqual([{ channel: "email", provider: "resend", m: "re_msg_1" }]);
  });

  it("maps Resend's errors: 5xx and 429 retried with Retry-After, 4xx failed with its message", async () => {
    const t = await tenantWithProviders();
    api(json({ statusCode: 500, name: "internal_server_error", message: "boom" }, 500));
    expect(await send("send_email", email, attempt(t.tenantId))).toMatchObject({
      retryable: true,
      error: { message: "Resend answered 500: internal_server_error: boom" },
    });
    api(json({ name: "rate_limit_exceeded", message: "Too many" }, 429, { "retry-after": "3" }));
    expect(await send("send_email", email, attempt(t.tenantId))).toMatchObject({
      retryable: true,
      retryAfterMs: 3000,
    });
    api(json({ name: "concurrent_idempotent_requests", message: "in progress" }, 409));
    expect(await send("send_email", email, attempt(t.tenantId))).toMatchObject({
      retryable: true,
    });
    api(json({ name: "validation_error", message: `Invalid from (key ${RESEND_KEY})` }, 422));
    const bad = await send("send_email", email, attempt(t.tenantId));
    expect(bad).toMatchObject({
      status: "failed",
      retryable: false,
      error: { message: "Resend answered 422: validation_error: Invalid from (key [redacted])" },
    });
    expect(JSON.stringify(bad)).not.toContain(RESEND_KEY);
    const none = await storeSql<{ n: number }>(
      t.tenantId,
      "SELECT count(*) n FROM deliveries WHERE tenant_id = ?",
      t.tenantId,
    );
    expect(none[0]!.n).toBe(0);
  });

  it("uses SWITCHYARD_RESEND_API_URL when set (tests only)", async () => {
    const t = await tenantWithProviders();
    const seen = api(json({ id: "x" }));
    const ctx = attempt(t.tenantId, {
      env: { ...env, SWITCHYARD_RESEND_API_URL: "http://127.0.0.1:9/fake/" },
    });
    await send("send_email", email, ctx);
    expect(seen[0]!.url).toBe("http://127.0.0.1:9/fake/emails");
  });
});

describe("Twilio", () => {
  it("posts the form with Basic auth to the account's Messages; never twice", async () => {
    const t = await tenantWithProviders();
    const seen = api(json({ sid: "SM123", status: "queued" }, 201));
    const ctx = attempt(t.tenantId);
    const first = await send("send_sms", sms, ctx);
    expect(first).toEqual({
      status: "succeeded",
      output: { messageId: "SM123", provider: "twilio" },
    });
    expect(seen[0]!.url).toBe(
      `https://api.twilio.com/2010-04-01/Accounts/${TWILIO_SID}/Messages.json`,
    );
    expect(seen[0]!.headers).toMatchObject({
      authorization: `Basic ${btoa(`${TWILIO_SID}:${TWILIO_TOKEN}`)}`,
      "content-type": "application/x-www-form-urlencoded",
    });
    expect(Object.fromEntries(new URLSearchParams(seen[0]!.body))).toEqual({
      To: "+15551234567",
      From: "+15005550006",
      Body: "Your order shipped",
    });
    expect(await send("send_sms", sms, { ...ctx, attempt: 2 })).toEqual(first);
    expect(seen).toHaveLength(1);
  });

  it("maps Twilio's errors", async () => {
    const t = await tenantWithProviders();
    api(
      json(
        { code: 21211, message: "The 'To' number +1555 is not a valid phone number.", status: 400 },
        400,
      ),
    );
    expect(await send("send_sms", sms, attempt(t.tenantId))).toMatchObject({
      retryable: false,
      error: {
        message: "Twilio answered 400: 21211 The 'To' number +1555 is not a valid phone number.",
      },
    });
    api(json({ code: 20429, message: "Too Many Requests" }, 429, { "retry-after": "5" }));
    expect(await send("send_sms", sms, attempt(t.tenantId))).toMatchObject({
      retryable: true,
      retryAfterMs: 5000,
    });
    api(new Response("Service Unavailable", { status: 503 }));
    expect(await send("send_sms", sms, attempt(t.tenantId))).toMatchObject({ retryable: true });
  });
  it("sends an SMS at most once: an attempt that got no answer leaves 'sending', and no later attempt sends again", async () => {
    const t = await tenantWithProviders();
    // Twilio takes the message but the attempt's time runs out before the answer.
    const seen: Seen[] = [];
    const controller = new AbortController();
    vi.stubGlobal("fetch", async (input: RequestInfo | URL, init?: RequestInit) => {
      const req = new Request(input, init);
      seen.push({ url: req.url, headers: {}, body: await req.text() });
      const answer = new Promise<Response>((_resolve, reject) =>
        init?.signal?.addEventListener("abort", () => reject(init.signal?.reason)),
      );
      // The time runs out once Twilio has the message (a timer started
      // before the send could fire first on a busy machine, and nothing
      // would ever abort the request).
      controller.abort(new DOMException("timed out", "TimeoutError"));
      return answer;
    });
    const ctx = attempt(t.tenantId, { signal: controller.signal });
    expect(await send("send_sms", sms, ctx)).toMatchObject({
      status: "failed",
      retryable: true,
      error: { code: "timeout" },
    });
    const marked = await storeSql(
      t.tenantId,
      "SELECT status FROM deliveries WHERE idempotency_key = ?",
      ctx.idempotencyKey,
    );
    expect(marked).toEqual([{ status: "sending" }]);
    // The retry: Twilio may have sent it, so it is not sent again, visibly.
    const retried = await send("send_sms", sms, {
      ...ctx,
      attempt: 2,
      signal: new AbortController().signal,
    });
    expect(retried).toMatchObject({
      status: "failed",
      retryable: false,
      error: { code: "delivery_unknown" },
    });
    expect(seen).toHaveLength(1);
  });

  it("a definite refusal (Twilio answered 503) clears the mark, so the retry sends", async () => {
    const t = await tenantWithProviders();
    const seen = api(
      new Response("Service Unavailable", { status: 503 }),
      json({ sid: "SM9", status: "queued" }, 201),
    );
    const ctx = attempt(t.tenantId);
    expect(await send("send_sms", sms, ctx)).toMatchObject({ retryable: true });
    expect(await send("send_sms", sms, { ...ctx, attempt: 2 })).toMatchObject({
      status: "succeeded",
      output: { messageId: "SM9" },
    });
    expect(seen).toHaveLength(2);
    const rows = await storeSql(
      t.tenantId,
      "SELECT status, provider_message_id m FROM deliveries WHERE idempotency_key = ?",
      ctx.idempotencyKey,
    );
    expect(rows).toEqual([{ status: "sent", m: "SM9" }]);
  });

  it("sends from a Messaging Service when the sender is one", async () => {
    const t = await tenantWithProviders();
    const service = `MG${"a".repeat(32)}`;
    await call("PUT", "/v1/settings/providers", {
      key: t.key,
      body: { sms: { provider: "twilio", from: service } },
    });
    const seen = api(json({ sid: "SM9" }, 201));
    await send("send_sms", sms, attempt(t.tenantId));
    expect(new URLSearchParams(seen[0]!.body).get("MessagingServiceSid")).toBe(service);
    expect(new URLSearchParams(seen[0]!.body).has("From")).toBe(false);
  });
});

describe("the outbox stays the default", () => {
  it("sends nothing over the network without provider settings", async () => {
    const t = await newTenant();
    const seen = api(json({}));
    expect(await send("send_sms", sms, attempt(t.tenantId))).toMatchObject({
      status: "succeeded",
      output: { provider: "outbox" },
    });
    expect(seen).toHaveLength(0);
  });

  it("a provider whose credentials cannot be decrypted fails without retry", async () => {
    const t = await tenantWithProviders();
    const seen = api(json({}));
    const ctx = attempt(t.tenantId, { env: { ...env, SWITCHYARD_ENCRYPTION_KEY: "another-key" } });
    expect(await send("send_email", email, ctx)).toMatchObject({
      retryable: false,
      error: { code: "provider_misconfigured" },
    });
    expect(seen).toHaveLength(0);
  });
});
