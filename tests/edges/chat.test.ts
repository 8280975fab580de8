import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorker, type WorkerHandle } from "../support/worker.ts";
import { type Client, eventually, type Json, newTenant, runFor } from "./api.ts";
import {
  type ChatFake,
  startFakeGoogleChat,
  startFakeSlack,
  startFakeTeams,
} from "./chat-fakes.ts";
import { type Fake, startFake } from "./fakes.ts";

// The chat executors in `wrangler dev`, posting to fake Slack, Teams and
// Google Chat servers on 127.0.0.1 (SWITCHYARD_ALLOW_PRIVATE_WEBHOOKS lets
// the SSRF guard pass them). What counts is what the fakes really posted:
// never twice per step, whatever the retries.

const SLACK_HOOK = "/services/T0EDGES/B0EDGES/edgeshooksecret0123";
const SLACK_BOT_TOKEN = "xoxb-edges-0123456789";
const TEAMS_PATH = "/workflows/edges0123/triggers/manual/paths/invoke?sig=edgessig";
const GCHAT_SPACE = "AAAAedges";
const GCHAT_KEY = "gchat-edges-key";
const GCHAT_TOKEN = "gchat-edges-token";

let w: WorkerHandle;
let c: Client;
let slack: ChatFake;
let teams: ChatFake;
let gchat: ChatFake;
let hooks: Fake;
const hookStatus = new Map<string, number>();

const retry = { attempts: 3, initial: "1s", max: "1s" };

beforeAll(async () => {
  slack = await startFakeSlack([SLACK_HOOK], SLACK_BOT_TOKEN, { "#ops": "C0EDGES1" });
  teams = await startFakeTeams(TEAMS_PATH);
  gchat = await startFakeGoogleChat(GCHAT_SPACE, GCHAT_KEY, GCHAT_TOKEN);
  hooks = await startFake((req) => ({ status: hookStatus.get(req.path) ?? 200, body: {} }));
  w = await startWorker();
  c = await newTenant(w, "Edges chat");
  // What a workspace keeps: the webhook URL as a secret, the bot token in a connection.
  const secret = await c.call("PUT", "/v1/secrets/slack_webhook", { value: slackHook() });
  expect(secret.status).toBe(201);
  const conn = await c.call("POST", "/v1/connections", {
    name: "slack",
    baseUrl: `${slack.url}/api`,
    auth: { type: "bearer", token: SLACK_BOT_TOKEN },
  });
  expect(conn.status).toBe(201);
  const workflows = [
    {
      name: "Slack",
      trigger: { event: "chat.slack" },
      steps: [
        {
          id: "post",
          action: "send_slack_message",
          config: {
            webhookUrl: "{{ chat.hook }}",
            text: "{{ chat.text }}",
            blocks: [{ type: "section", text: { type: "mrkdwn", text: "*{{ chat.text }}*" } }],
            threadTs: "{{ chat.thread }}",
          },
          retry,
          timeout: "3s",
        },
      ],
    },
    {
      name: "Slack through a secret",
      trigger: { event: "chat.secret" },
      steps: [
        {
          id: "post",
          action: "send_slack_message",
          config: { webhookUrl: "{{ secrets.slack_webhook }}", text: "{{ chat.text }}" },
        },
      ],
    },
    {
      name: "Slack bot",
      trigger: { event: "chat.bot" },
      steps: [
        {
          id: "post",
          action: "send_slack_message",
          config: {
            connection: "slack",
            channel: "{{ chat.channel }}",
            text: "{{ chat.text }}",
            threadTs: "{{ chat.thread }}",
          },
          retry,
          timeout: "3s",
        },
      ],
    },
    {
      name: "Teams",
      trigger: { event: "chat.teams" },
      steps: [
        {
          id: "card",
          action: "send_teams_message",
          config: {
            webhookUrl: "{{ chat.hook }}",
            title: "Order {{ chat.order }}",
            text: "{{ chat.text }}",
            facts: { Amount: "{{ chat.amount }}", Customer: "Ada" },
          },
          retry,
          timeout: "3s",
        },
      ],
    },
    {
      name: "Google Chat",
      trigger: { event: "chat.google" },
      steps: [
        {
          id: "gchat",
          action: "send_google_chat_message",
          config: {
            webhookUrl: "{{ chat.hook }}",
            text: "{{ chat.text }}",
            threadKey: "{{ chat.key }}",
          },
          retry,
          timeout: "3s",
        },
      ],
    },
    {
      name: "All three, then a webhook",
      trigger: { event: "chat.all" },
      steps: [
        {
          id: "s",
          action: "send_slack_message",
          config: { webhookUrl: "{{ chat.slack }}", text: "{{ chat.text }}" },
        },
        {
          id: "t",
          action: "send_teams_message",
          config: { webhookUrl: "{{ chat.teams }}", text: "{{ chat.text }}" },
        },
        {
          id: "g",
          action: "send_google_chat_message",
          config: { webhookUrl: "{{ chat.google }}", text: "{{ chat.text }}" },
        },
        {
          id: "after",
          action: "call_webhook",
          config: { url: "{{ chat.after }}" },
          retry: { attempts: 1 },
        },
      ],
    },
  ];
  for (const wf of workflows) expect((await c.call("POST", "/v1/workflows", wf)).status).toBe(201);
}, 120_000);

afterAll(async () => {
  await w?.stop();
  await Promise.all([slack?.close(), teams?.close(), gchat?.close(), hooks?.close()]);
});

const step = (run: Json, id: string) => run.steps.find((s: Json) => s.id === id);
const slackHook = () => `${slack.url}${SLACK_HOOK}`;
const gchatHook = () =>
  `${gchat.url}/v1/spaces/${GCHAT_SPACE}/messages?key=${GCHAT_KEY}&token=${GCHAT_TOKEN}`;
const requestsWith = (fake: ChatFake, text: string) =>
  fake.requests.filter((r) => r.body.includes(text));
const postedWith = (fake: ChatFake, text: string) =>
  fake.posted.filter((p) => JSON.stringify(p.body).includes(text));

describe("Slack incoming webhooks", () => {
  it("posts Slack's payload (text, blocks, thread_ts) as JSON and answers { ok: true }", async () => {
    const text = "Order 1001 shipped";
    const run = await runFor(c, "chat.slack", {
      hook: slackHook(),
      text,
      thread: "1767225600.000100",
    });
    expect(run.status).toBe("succeeded");
    expect(step(run, "post")).toMatchObject({ attempts: 1, output: { ok: true } });
    const [req] = requestsWith(slack, text);
    expect(req!.method).toBe("POST");
    expect(req!.path).toBe(SLACK_HOOK);
    expect(req!.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(JSON.parse(req!.body)).toEqual({
      text,
      blocks: [{ type: "section", text: { type: "mrkdwn", text: `*${text}*` } }],
      thread_ts: "1767225600.000100",
    });
    expect(postedWith(slack, text)).toHaveLength(1);
  });

  it("waits out a 429's Retry-After, then posts once", async () => {
    const text = "Slack is busy";
    slack.script.add(text, { status: 429, headers: { "retry-after": "2" }, body: "rate_limited" });
    const run = await runFor(c, "chat.slack", { hook: slackHook(), text, thread: "1.2" });
    expect(run.status).toBe("succeeded");
    expect(step(run, "post").attempts).toBe(2);
    const [first, second] = requestsWith(slack, text);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(1900);
    expect(postedWith(slack, text)).toHaveLength(1);
  });

  it("fails at once on Slack's 4xx word (channel_is_archived)", async () => {
    const text = "To an archived channel";
    slack.script.add(text, { status: 410, body: "channel_is_archived" });
    const run = await runFor(c, "chat.slack", { hook: slackHook(), text, thread: "1.2" });
    expect(run.status).toBe("failed");
    expect(step(run, "post")).toMatchObject({
      attempts: 1,
      error: { code: "http_error", message: "Slack answered 410: channel_is_archived" },
    });
    expect(postedWith(slack, text)).toHaveLength(0);
  });

  it("an unknown hook is Slack's no_service, and a hook that is not an http(s) URL never leaves", async () => {
    const gone = await runFor(c, "chat.slack", {
      hook: `${slack.url}/services/T0/B0/gone`,
      text: "Nobody home",
      thread: "1.2",
    });
    expect(step(gone, "post")).toMatchObject({
      attempts: 1,
      error: { message: "Slack answered 404: no_service" },
    });
    const before = slack.requests.length;
    const bad = await runFor(c, "chat.slack", {
      hook: "file:///etc/passwd",
      text: "x",
      thread: "1",
    });
    // The SSRF guard's refusals are in apps/api/test/chat.test.ts (this Worker allows 127.0.0.1).
    expect(step(bad, "post")).toMatchObject({ attempts: 1, error: { code: "invalid_config" } });
    expect(slack.requests.length).toBe(before);
  });

  it("an attempt that got no answer is not posted again: the step fails as delivery_unknown", async () => {
    const text = "Slack answers too late";
    slack.script.add(text, { late: 4500 });
    const run = await runFor(c, "chat.slack", { hook: slackHook(), text, thread: "1.2" });
    expect(run.status).toBe("failed");
    const s = step(run, "post");
    expect(s.error.code).toBe("delivery_unknown");
    expect(s.error.message).toContain("it may have been posted, so it is not posted again");
    expect(requestsWith(slack, text)).toHaveLength(1);
    expect(postedWith(slack, text)).toHaveLength(1);
  });
});

describe("Slack with the URL in a secret, and through a bot-token connection", () => {
  it("posts to the webhook URL a secret holds; the URL appears nowhere in the run", async () => {
    const text = "Posted through a secret";
    const run = await runFor(c, "chat.secret", { text });
    expect(run.status).toBe("succeeded");
    expect(step(run, "post").input.webhookUrl).toBe("{{ secrets.slack_webhook }}");
    expect(requestsWith(slack, text)[0]!.path).toBe(SLACK_HOOK);
    expect(postedWith(slack, text)).toHaveLength(1);
    expect(JSON.stringify(run)).not.toContain("edgeshooksecret0123");
  });

  it("posts with chat.postMessage and the bot token, answering channel and ts", async () => {
    const text = "From the bot";
    const run = await runFor(c, "chat.bot", { channel: "#ops", text, thread: "1767225600.000100" });
    expect(run.status).toBe("succeeded");
    const [req] = requestsWith(slack, text);
    expect(req!.path).toBe("/api/chat.postMessage");
    expect(req!.headers.authorization).toBe(`Bearer ${SLACK_BOT_TOKEN}`);
    expect(req!.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(JSON.parse(req!.body)).toEqual({
      channel: "#ops",
      text,
      thread_ts: "1767225600.000100",
    });
    const ts = postedWith(slack, text)[0]!;
    expect(step(run, "post").output).toEqual({
      ok: true,
      channel: "C0EDGES1",
      ts: expect.stringMatching(/^\d+\.000100$/),
    });
    expect(ts.to).toBe("C0EDGES1");
    expect(JSON.stringify(run)).not.toContain(SLACK_BOT_TOKEN);
  });

  it("Slack's ok: false fails the step at once, naming Slack's error", async () => {
    const text = "To nowhere";
    const run = await runFor(c, "chat.bot", { channel: "#nowhere", text, thread: "1.2" });
    expect(run.status).toBe("failed");
    expect(step(run, "post")).toMatchObject({
      attempts: 1,
      error: { code: "slack_error", message: "Slack refused the message: channel_not_found" },
    });
    expect(requestsWith(slack, text)).toHaveLength(1);
  });

  it("waits out a 429 ratelimited with its Retry-After, then posts once", async () => {
    const text = "The bot is rate limited";
    slack.script.add(text, {
      status: 429,
      headers: { "retry-after": "2" },
      body: { ok: false, error: "ratelimited" },
    });
    const run = await runFor(c, "chat.bot", { channel: "#ops", text, thread: "1.2" });
    expect(run.status).toBe("succeeded");
    const [first, second] = requestsWith(slack, text);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(1900);
    expect(postedWith(slack, text)).toHaveLength(1);
  });
});

describe("Microsoft Teams Workflows webhooks", () => {
  it("posts one Adaptive Card (title, text, facts) and answers the status", async () => {
    const text = "Order 1002 needs a look";
    const run = await runFor(c, "chat.teams", {
      hook: `${teams.url}${TEAMS_PATH}`,
      order: "1002",
      text,
      amount: 12500,
    });
    expect(run.status).toBe("succeeded");
    expect(step(run, "card").output).toEqual({ status: 202 });
    const [req] = requestsWith(teams, text);
    expect(req!.path).toBe(TEAMS_PATH);
    expect(req!.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(JSON.parse(req!.body)).toEqual({
      type: "message",
      attachments: [
        {
          contentType: "application/vnd.microsoft.card.adaptive",
          contentUrl: null,
          content: {
            $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
            type: "AdaptiveCard",
            version: "1.4",
            body: [
              {
                type: "TextBlock",
                text: "Order 1002",
                weight: "Bolder",
                size: "Large",
                wrap: true,
              },
              { type: "TextBlock", text, wrap: true },
              {
                type: "FactSet",
                facts: [
                  { title: "Amount", value: "12500" },
                  { title: "Customer", value: "Ada" },
                ],
              },
            ],
          },
        },
      ],
    });
    expect(postedWith(teams, text)).toHaveLength(1);
  });

  it("retries a 5xx and posts once", async () => {
    const text = "Teams stumbles once";
    teams.script.add(text, { status: 502, body: { error: { code: "BadGateway", message: "x" } } });
    const run = await runFor(c, "chat.teams", {
      hook: `${teams.url}${TEAMS_PATH}`,
      order: "1003",
      text,
      amount: 1,
    });
    expect(run.status).toBe("succeeded");
    expect(step(run, "card").attempts).toBe(2);
    expect(requestsWith(teams, text)).toHaveLength(2);
    expect(postedWith(teams, text)).toHaveLength(1);
  });
});

describe("Google Chat webhooks", () => {
  it("names the message after the step, replies in the thread, and answers name and thread", async () => {
    const text = "Invoice 77 is overdue";
    const run = await runFor(c, "chat.google", { hook: gchatHook(), text, key: "invoice-77" });
    expect(run.status).toBe("succeeded");
    const id = `client-${createHash("sha256").update(`${run.id}:gchat`).digest("hex").slice(0, 32)}`;
    const [req] = requestsWith(gchat, text);
    const url = new URL(req!.path, "http://fake");
    expect(url.pathname).toBe(`/v1/spaces/${GCHAT_SPACE}/messages`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      key: GCHAT_KEY,
      token: GCHAT_TOKEN,
      messageId: id,
      messageReplyOption: "REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD",
    });
    expect(JSON.parse(req!.body)).toEqual({ text, thread: { threadKey: "invoice-77" } });
    expect(step(run, "gchat").output).toEqual({
      name: `spaces/${GCHAT_SPACE}/messages/${id}`,
      thread: gchat.posted.find((p) => p.body.text === text)!.to,
    });
  });

  it("a retry after a lost answer finds the message already there (409): one message", async () => {
    const text = "Google answers too late";
    gchat.script.add(text, { late: 4500 });
    const run = await runFor(c, "chat.google", { hook: gchatHook(), text, key: "late" });
    expect(run.status).toBe("succeeded");
    expect(step(run, "gchat").attempts).toBeGreaterThanOrEqual(2);
    const ids = requestsWith(gchat, text).map((r) =>
      new URL(r.path, "http://fake").searchParams.get("messageId"),
    );
    expect(new Set(ids).size).toBe(1);
    expect(postedWith(gchat, text)).toHaveLength(1);
    expect(step(run, "gchat").output.name).toBe(`spaces/${GCHAT_SPACE}/messages/${ids[0]}`);
  });

  it("a bad token is a permanent failure with Google's words", async () => {
    const run = await runFor(c, "chat.google", {
      hook: `${gchat.url}/v1/spaces/${GCHAT_SPACE}/messages?key=${GCHAT_KEY}&token=wrong`,
      text: "Wrong token",
      key: "k",
    });
    expect(step(run, "gchat")).toMatchObject({
      attempts: 1,
      error: { message: "Google Chat answered 401: UNAUTHENTICATED: Invalid webhook token." },
    });
  });
});

describe("retrying a run", () => {
  it("that failed after its chat steps posts nothing again", async () => {
    const text = "Posted once, whatever happens later";
    hookStatus.set("/after-1", 404);
    const run = await runFor(c, "chat.all", {
      slack: slackHook(),
      teams: `${teams.url}${TEAMS_PATH}`,
      google: gchatHook(),
      after: `${hooks.url}/after-1`,
      text,
    });
    expect(run.status).toBe("failed");
    expect(step(run, "after").status).toBe("failed");
    hookStatus.set("/after-1", 200);
    expect((await c.call("POST", `/v1/runs/${run.id}/retry`, {})).status).toBe(202);
    await eventually(
      () => c.call("GET", `/v1/runs/${run.id}`),
      (r) => r.body.status === "succeeded",
    );
    for (const fake of [slack, teams, gchat]) {
      expect(requestsWith(fake, text)).toHaveLength(1);
      expect(postedWith(fake, text)).toHaveLength(1);
    }
  });
});
