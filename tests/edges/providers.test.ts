import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorker, type WorkerHandle } from "../support/worker.ts";
import { type Client, eventually, type Json, newTenant, runFor } from "./api.ts";
import {
  type Fake,
  type FakeProvider,
  startFake,
  startFakeResend,
  startFakeTwilio,
} from "./fakes.ts";

// The real Resend and Twilio clients in `wrangler dev`, pointed at fake APIs
// by SWITCHYARD_RESEND_API_URL / SWITCHYARD_TWILIO_API_URL (tests only).
// What counts is what the fakes actually sent: never twice per step.

const RESEND_KEY = "re_edges_0123456789abcdef";
const TWILIO_SID = "ACedges0123456789abcdef0123456789";
const TWILIO_TOKEN = "edges-twilio-token-0123456789";

let w: WorkerHandle;
let c: Client;
let resend: FakeProvider;
let twilio: FakeProvider;
let hooks: Fake;
const hookScript = new Map<string, number>();

beforeAll(async () => {
  resend = await startFakeResend(RESEND_KEY);
  twilio = await startFakeTwilio(TWILIO_SID, TWILIO_TOKEN);
  hooks = await startFake((req) => ({ status: hookScript.get(req.path) ?? 200, body: {} }));
  w = await startWorker({
    vars: {
      SWITCHYARD_RESEND_API_URL: resend.url,
      SWITCHYARD_TWILIO_API_URL: twilio.url,
    },
  });
  c = await newTenant(w, "Edges providers");
  const put = await c.call("PUT", "/v1/settings/providers", {
    email: { provider: "resend", from: "Acme <ops@acme.example>", apiKey: RESEND_KEY },
    sms: {
      provider: "twilio",
      from: "+15005550006",
      accountSid: TWILIO_SID,
      authToken: TWILIO_TOKEN,
    },
  });
  expect(put.status).toBe(200);
  const retry = { attempts: 3, initial: "1s", max: "1s" };
  const wf = await c.call("POST", "/v1/workflows", {
    name: "Notify",
    trigger: { event: "notice.sent" },
    steps: [
      {
        id: "email",
        action: "send_email",
        config: { to: "{{ notice.email }}", subject: "Notice {{ notice.n }}", body: "Hello" },
        retry,
        timeout: "3s",
      },
      {
        id: "sms",
        action: "send_sms",
        config: { to: "{{ notice.phone }}", body: "Notice {{ notice.n }}" },
        retry,
      },
      {
        id: "after",
        action: "call_webhook",
        config: { url: "{{ notice.hook }}" },
        retry: { attempts: 1 },
      },
    ],
  });
  expect(wf.status).toBe(201);
}, 120_000);

afterAll(async () => {
  await w?.stop();
  await Promise.all([resend?.close(), twilio?.close(), hooks?.close()]);
});

const notice = (n: number) => ({
  n,
  email: `person${n}@edges.example`,
  phone: `+1555000000${n}`,
  hook: `${hooks.url}/hook${n}`,
});
const step = (run: Json, id: string) => run.steps.find((s: Json) => s.id === id);
const sentTo = (fake: FakeProvider, to: string) => fake.sent.filter((m) => m.to === to);
const requestsTo = (fake: FakeProvider, to: string) =>
  fake.requests.filter((r) => r.body.includes(to) || r.body.includes(encodeURIComponent(to)));

describe("Resend and Twilio against fake APIs", () => {
  it("retries a Resend 500 with the same Idempotency-Key and sends one email", async () => {
    const d = notice(1);
    resend.script.add(d.email, {
      status: 500,
      body: { statusCode: 500, name: "internal_server_error", message: "boom" },
    });
    const run = await runFor(c, "notice.sent", d);
    expect(run.status).toBe("succeeded");
    expect(step(run, "email")).toMatchObject({
      attempts: 2,
      output: { provider: "resend", messageId: sentTo(resend, d.email)[0]!.id },
    });
    const seen = requestsTo(resend, d.email);
    expect(seen.map((r) => r.headers["idempotency-key"])).toEqual([
      `${run.id}:email`,
      `${run.id}:email`,
    ]);
    expect(sentTo(resend, d.email)).toHaveLength(1);
    expect(sentTo(twilio, d.phone)).toHaveLength(1);
    expect(step(run, "sms").output).toEqual({
      provider: "twilio",
      messageId: sentTo(twilio, d.phone)[0]!.id,
    });
    expect(JSON.stringify(run)).not.toContain(RESEND_KEY);
    expect(JSON.stringify(run)).not.toContain(TWILIO_TOKEN);
  });

  it("waits out a Twilio 429's Retry-After, then sends once", async () => {
    const d = notice(2);
    twilio.script.add(d.phone, {
      status: 429,
      headers: { "retry-after": "3" },
      body: { code: 20429, message: "Too Many Requests", status: 429 },
    });
    const run = await runFor(c, "notice.sent", d);
    expect(run.status).toBe("succeeded");
    const [first, second] = requestsTo(twilio, d.phone);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(2900);
    expect(sentTo(twilio, d.phone)).toHaveLength(1);
  });

  it("a Resend answer that comes after the timeout: retried, still one email", async () => {
    const d = notice(3);
    resend.script.add(d.email, { late: 4500 });
    const run = await runFor(c, "notice.sent", d);
    expect(run.status).toBe("succeeded");
    // Under load a queue delay can cost one more attempt; never one more email.
    expect(step(run, "email").attempts).toBeGreaterThanOrEqual(2);
    expect(requestsTo(resend, d.email).length).toBeGreaterThanOrEqual(2);
    expect(sentTo(resend, d.email)).toHaveLength(1);
  });

  it("fails a Twilio 400 at once with Twilio's message", async () => {
    const d = notice(4);
    twilio.script.add(d.phone, {
      status: 400,
      body: { code: 21211, message: "The 'To' number is not a valid phone number.", status: 400 },
    });
    const run = await runFor(c, "notice.sent", d);
    expect(run.status).toBe("failed");
    expect(step(run, "sms")).toMatchObject({
      status: "failed",
      attempts: 1,
      error: { message: "Twilio answered 400: 21211 The 'To' number is not a valid phone number." },
    });
    expect(sentTo(twilio, d.phone)).toHaveLength(0);
  });

  it("retrying a run that failed later sends no message again", async () => {
    const d = notice(5);
    hookScript.set("/hook5", 404);
    const run = await runFor(c, "notice.sent", d);
    expect(run.status).toBe("failed");
    expect(step(run, "after").status).toBe("failed");
    hookScript.set("/hook5", 200);
    expect((await c.call("POST", `/v1/runs/${run.id}/retry`, {})).status).toBe(202);
    const done = await eventually(
      () => c.call("GET", `/v1/runs/${run.id}`),
      (r) => r.body.status === "succeeded",
    );
    expect(step(done.body, "after").status).toBe("succeeded");
    expect(requestsTo(resend, d.email)).toHaveLength(1);
    expect(requestsTo(twilio, d.phone)).toHaveLength(1);
    expect(sentTo(resend, d.email)).toHaveLength(1);
    expect(sentTo(twilio, d.phone)).toHaveLength(1);
  });
});
