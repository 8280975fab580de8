import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { attempt, call, eventually, execute, type Json, newTenant } from "./helpers.ts";

// Issue 14, item 2: what a call_webhook body puts on the wire. An object is
// sent as that JSON; text is sent as exactly those bytes, labelled with the
// step's content type (JSON by default, and then it must be JSON). The
// stubbed global fetch is the receiver: it sees what would go on the wire
// (a real receiver over HTTP, through the builder and the API:
// tests/builder/webhook-body.test.ts).

interface Seen {
  headers: Record<string, string>;
  body: string;
}

function receiver(): Seen[] {
  const seen: Seen[] = [];
  vi.stubGlobal("fetch", async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    seen.push({ headers: Object.fromEntries(req.headers), body: await req.text() });
    return new Response('{"ok":true}', { headers: { "content-type": "application/json" } });
  });
  return seen;
}

const guarded = (tenantId: string) =>
  attempt(tenantId, { env: { ...env, SWITCHYARD_ALLOW_PRIVATE_WEBHOOKS: undefined } });
const url = "https://hooks.example.com/in";

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("a call_webhook body", () => {
  it("given as an object, arrives as that JSON object", async () => {
    const t = await newTenant();
    const seen = receiver();
    const out = await execute(
      "call_webhook",
      { url, body: { payment: "pay_9004", amount: 12000, tags: ["a"] } },
      guarded(t.tenantId),
    );
    expect(out.status).toBe("succeeded");
    expect(seen[0]!.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(seen[0]!.body)).toEqual({ payment: "pay_9004", amount: 12000, tags: ["a"] });
  });

  it("given as JSON text, is sent as exactly those bytes, not encoded again", async () => {
    const t = await newTenant();
    const seen = receiver();
    const text = '{"payment": "pay_9004",\n  "amount": 12000}';
    const out = await execute("call_webhook", { url, body: text }, guarded(t.tenantId));
    expect(out.status).toBe("succeeded");
    expect(seen[0]!.body).toBe(text);
    expect(seen[0]!.headers["content-type"]).toBe("application/json");
  });

  it("given as text that is not JSON with the JSON content type, fails clearly and sends nothing", async () => {
    const t = await newTenant();
    const seen = receiver();
    for (const config of [
      { url, body: '{"payment": "pay_9004" "amount": 12000}' },
      { url, body: "pay_9004", contentType: "application/json; charset=utf-8" },
      { url, body: "a=1", headers: { "Content-Type": "application/vnd.api+json" } },
    ]) {
      const out = await execute("call_webhook", config, guarded(t.tenantId));
      expect(out).toMatchObject({
        status: "failed",
        retryable: false,
        error: { code: "invalid_json_body" },
      });
      expect(out.status === "failed" && out.error.message).toMatch(
        /^The body is not valid JSON after filling in the data: .+ at line \d+, column \d+ \(position \d+\)$/,
      );
    }
    const first = await execute(
      "call_webhook",
      { url, body: '{"payment": "pay_9004" "amount": 12000}' },
      guarded(t.tenantId),
    );
    expect(first.status === "failed" && first.error.message).toBe(
      "The body is not valid JSON after filling in the data: expected a comma (,) or a closing } at line 1, column 24 (position 23)",
    );
    expect(seen).toHaveLength(0);
  });

  it.each([
    ["text/plain; charset=utf-8", "Payment pay_9004 arrived"],
    ["application/x-www-form-urlencoded", "payment=pay_9004&amount=12000"],
  ])("given as text with content type %s, is sent as is", async (contentType, text) => {
    const t = await newTenant();
    const seen = receiver();
    const out = await execute(
      "call_webhook",
      { url, body: text, contentType },
      guarded(t.tenantId),
    );
    expect(out.status).toBe("succeeded");
    expect(seen[0]!.body).toBe(text);
    expect(seen[0]!.headers["content-type"]).toBe(contentType);
  });

  it("a content type in the headers is the step's content type; contentType wins over it", async () => {
    const t = await newTenant();
    const seen = receiver();
    const headers = { "Content-Type": "text/plain" };
    expect(
      (await execute("call_webhook", { url, body: "hi", headers }, guarded(t.tenantId))).status,
    ).toBe("succeeded");
    expect(
      (
        await execute(
          "call_webhook",
          { url, body: "[1]", headers, contentType: "application/json" },
          guarded(t.tenantId),
        )
      ).status,
    ).toBe("succeeded");
    expect(seen.map((s) => [s.headers["content-type"], s.body])).toEqual([
      ["text/plain", "hi"],
      ["application/json", "[1]"],
    ]);
  });
});

describe("a call_webhook body in a run", () => {
  async function runOf(key: string, body: unknown, data: Json) {
    const wf = await call("POST", "/v1/workflows", {
      key,
      body: {
        name: "Tell the ledger",
        trigger: { event: "payment.received" },
        steps: [
          { id: "hook", action: "call_webhook", config: { url, body }, retry: { attempts: 1 } },
        ],
      },
    });
    expect(wf.status).toBe(201);
    const sent = await call("POST", "/v1/events", {
      key,
      body: { type: "payment.received", data },
    });
    const ev = await eventually(
      () => call("GET", `/v1/events/${sent.body.id}`, { key }),
      (r) => r.body.runs?.length === 1,
    );
    return eventually(
      () => call("GET", `/v1/runs/${ev.body.runs[0].id}`, { key }),
      (r) => ["succeeded", "failed"].includes(r.body.status),
    );
  }

  it("renders templates in an object's values, a lone placeholder keeping its type; the step's input is what was sent", async () => {
    const t = await newTenant();
    const seen = receiver();
    const run = await runOf(
      t.key,
      {
        payment: "{{ payment.id }}",
        amount: "{{ payment.amount }}",
        note: "Paid {{ payment.amount }}",
      },
      { id: "pay_9004", amount: 12000 },
    );
    expect(run.body.status).toBe("succeeded");
    const sent = { payment: "pay_9004", amount: 12000, note: "Paid 12000" };
    expect(JSON.parse(seen[0]!.body)).toEqual(sent);
    expect(run.body.steps[0].input.body).toEqual(sent);
  });

  it("sends a text body's rendering as is, and shows those bytes as the step's input", async () => {
    const t = await newTenant();
    const seen = receiver();
    const run = await runOf(
      t.key,
      '{"payment": "{{ payment.id }}", "amount": {{ payment.amount }}}',
      { id: "pay_9004", amount: 12000 },
    );
    expect(run.body.status).toBe("succeeded");
    expect(seen[0]!.body).toBe('{"payment": "pay_9004", "amount": 12000}');
    expect(run.body.steps[0].input.body).toBe(seen[0]!.body);
  });

  it("fails the step, never 'succeeded', when the data breaks the JSON", async () => {
    const t = await newTenant();
    const seen = receiver();
    const run = await runOf(t.key, '{"note": "{{ payment.note }}"}', {
      note: 'He said "pay now"',
    });
    expect(run.body.status).toBe("failed");
    expect(run.body.steps[0]).toMatchObject({
      status: "failed",
      input: { body: '{"note": "He said "pay now""}' },
      error: {
        code: "invalid_json_body",
        message:
          "The body is not valid JSON after filling in the data: expected a comma (,) or a closing } at line 1, column 20 (position 19)",
      },
    });
    expect(seen).toHaveLength(0);
  });

  it("refuses a definition whose text body is not JSON with 422 and the place", async () => {
    const t = await newTenant();
    const res = await call("POST", "/v1/workflows", {
      key: t.key,
      body: {
        name: "Broken body",
        trigger: { event: "payment.received" },
        steps: [{ id: "hook", action: "call_webhook", config: { url, body: '{"a": 1,}' } }],
      },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.details).toEqual([
      {
        path: "steps[0].config.body",
        message: "is not valid JSON: remove the comma before } at line 1, column 8",
        position: { offset: 7, line: 1, column: 8, length: 1 },
      },
    ]);
  });
});
