import { afterEach, describe, expect, it, vi } from "vitest";
import { attempt, call, execute, newTenant, storeSql } from "./helpers.ts";

// The chat executors' delivery ledger with fetch stubbed in this isolate:
// a redelivered or retried attempt after a recorded success posts nothing,
// an attempt that got no answer is not posted again, and an answer that
// says no lets a retry post. tests/edges/chat.test.ts runs the executors
// against fake Slack, Teams and Google Chat servers over real HTTP.

interface Seen {
  url: string;
  body: string;
}

function answers(...replies: Array<Response | Error>): Seen[] {
  const seen: Seen[] = [];
  let i = 0;
  vi.stubGlobal("fetch", async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    seen.push({ url: req.url, body: await req.text() });
    const reply = replies[Math.min(i++, replies.length - 1)]!;
    if (reply instanceof Error) throw reply;
    return reply.clone();
  });
  return seen;
}

const SLACK = {
  webhookUrl: "https://hooks.slack.com/services/T0/B0/secret",
  text: "Order 7 shipped",
};
const TEAMS = { webhookUrl: "https://example.logic.azure.com/workflows/x/invoke", text: "Order 7" };

afterEach(() => {
  vi.unstubAllGlobals();
});

const ledgerRows = (tenantId: string) =>
  storeSql<{ status: string; channel: string; provider: string }>(
    tenantId,
    "SELECT status, channel, provider FROM deliveries WHERE tenant_id = ?",
    tenantId,
  );

describe("chat posts and the delivery ledger", () => {
  it("a redelivered attempt after a recorded success posts nothing and answers the same", async () => {
    const t = await newTenant();
    const seen = answers(new Response("ok", { status: 200 }));
    const ctx = attempt(t.tenantId);
    const first = await execute("send_slack_message", SLACK, ctx);
    expect(first).toEqual({ status: "succeeded", output: { ok: true } });
    const again = await execute("send_slack_message", SLACK, { ...ctx, attempt: 2 });
    expect(again).toEqual(first);
    expect(seen).toHaveLength(1);
    expect(JSON.parse(seen[0]!.body)).toEqual({ text: "Order 7 shipped" });
    expect(await ledgerRows(t.tenantId)).toEqual([
      { status: "sent", channel: "chat", provider: "slack" },
    ]);
  });

  it("an attempt that got no answer is not posted again: delivery_unknown", async () => {
    const t = await newTenant();
    const seen = answers(
      new TypeError("Network connection lost."),
      new Response("", { status: 202 }),
    );
    const ctx = attempt(t.tenantId);
    const first = await execute("send_teams_message", TEAMS, ctx);
    expect(first).toMatchObject({
      status: "failed",
      retryable: true,
      error: { code: "network_error" },
    });
    const second = await execute("send_teams_message", TEAMS, { ...ctx, attempt: 2 });
    expect(second).toMatchObject({
      status: "failed",
      retryable: false,
      error: { code: "delivery_unknown" },
    });
    expect((second as { error: { message: string } }).error.message).toContain(
      "it may have been posted, so it is not posted again",
    );
    expect(seen).toHaveLength(1);
  });

  it("an answer that says no clears the mark, so the retry posts", async () => {
    const t = await newTenant();
    const seen = answers(
      new Response("", { status: 503, headers: { "retry-after": "7" } }),
      new Response("", { status: 202 }),
    );
    const ctx = attempt(t.tenantId);
    expect(await execute("send_teams_message", TEAMS, ctx)).toEqual({
      status: "failed",
      error: { code: "http_error", message: "Teams answered 503" },
      retryable: true,
      retryAfterMs: 7000,
    });
    expect(await execute("send_teams_message", TEAMS, { ...ctx, attempt: 2 })).toEqual({
      status: "succeeded",
      output: { status: 202 },
    });
    expect(seen).toHaveLength(2);
  });

  it("a config that cannot be sent marks nothing and sends nothing", async () => {
    const t = await newTenant();
    const seen = answers(new Response("ok"));
    const ctx = attempt(t.tenantId);
    const refused = await execute(
      "send_slack_message",
      { ...SLACK, webhookUrl: "http://169.254.169.254/latest" },
      ctx,
    );
    expect(refused).toMatchObject({
      status: "failed",
      retryable: false,
      error: { code: "ssrf_refused" },
    });
    const text = await execute("send_slack_message", { ...SLACK, blocks: "not blocks" }, ctx);
    expect(text).toMatchObject({ status: "failed", error: { code: "invalid_config" } });
    expect(seen).toHaveLength(0);
    expect(await ledgerRows(t.tenantId)).toEqual([]);
  });

  it("Slack's bot: ok false is permanent, and after internal_error nothing is posted again", async () => {
    const t = await newTenant();
    const conn = await call("POST", "/v1/connections", {
      key: t.key,
      body: {
        name: "slack",
        baseUrl: "https://slack.example/api",
        auth: { type: "bearer", token: "xoxb-1" },
      },
    });
    expect(conn.status).toBe(201);
    const bot = { connection: "slack", channel: "C1", text: "Hi" };
    const seen = answers(
      Response.json({ ok: false, error: "not_in_channel" }),
      Response.json({ ok: false, error: "internal_error" }),
      Response.json({ ok: true, channel: "C1", ts: "1.2" }),
    );
    const refused = await execute("send_slack_message", bot, attempt(t.tenantId));
    expect(refused).toEqual({
      status: "failed",
      error: { code: "slack_error", message: "Slack refused the message: not_in_channel" },
      retryable: false,
    });
    const ctx = attempt(t.tenantId);
    const maybe = await execute("send_slack_message", bot, ctx);
    expect(maybe).toMatchObject({
      status: "failed",
      retryable: false,
      error: { code: "slack_error" },
    });
    const again = await execute("send_slack_message", bot, { ...ctx, attempt: 2 });
    expect(again).toMatchObject({ status: "failed", error: { code: "delivery_unknown" } });
    expect(seen.map((r) => r.url)).toEqual([
      "https://slack.example/api/chat.postMessage",
      "https://slack.example/api/chat.postMessage",
    ]);
    expect(JSON.parse(seen[0]!.body)).toEqual({ channel: "C1", text: "Hi" });
  });

  it("numbers a lone placeholder rendered become text (facts, thread keys)", async () => {
    const t = await newTenant();
    const seen = answers(new Response("", { status: 202 }));
    const out = await execute(
      "send_teams_message",
      { ...TEAMS, facts: { Amount: 12500, Paid: true, Note: null } },
      attempt(t.tenantId),
    );
    expect(out.status).toBe("succeeded");
    const card = JSON.parse(seen[0]!.body).attachments[0].content;
    expect(card.body.at(-1)).toEqual({
      type: "FactSet",
      facts: [
        { title: "Amount", value: "12500" },
        { title: "Paid", value: "true" },
        { title: "Note", value: "" },
      ],
    });
  });
});
