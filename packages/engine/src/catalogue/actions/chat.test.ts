import { describe, expect, it } from "vitest";
import { getAction, listActions } from "../registry.ts";

const slack = getAction("send_slack_message")!;
const teams = getAction("send_teams_message")!;
const gchat = getAction("send_google_chat_message")!;

const issues = (r: {
  success: boolean;
  error?: { issues: Array<{ path: PropertyKey[]; message: string }> };
}) => (r.error?.issues ?? []).map((i) => `${i.path.join(".")}: ${i.message}`);

describe("chat actions in the catalogue", () => {
  it("are listed with forms for the builder", () => {
    const names = listActions().map((a) => a.name);
    expect(names).toEqual(
      expect.arrayContaining([
        "send_slack_message",
        "send_teams_message",
        "send_google_chat_message",
      ]),
    );
    const info = listActions().find((a) => a.name === "send_slack_message")!;
    expect(info.configSchema).toMatchObject({ type: "object", required: ["text"] });
    const props = info.configSchema.properties as Record<string, Record<string, unknown>>;
    expect(props.connection?.["x-widget"]).toBe("connection");
    expect(String(props.webhookUrl?.description)).toContain("{{ secrets.slack_webhook }}");
    expect(slack.description).toContain("at most once");
    expect(teams.description).toContain("at most once");
  });

  it("Slack: exactly one of a webhook URL and a connection; a connection needs a channel", () => {
    expect(
      slack.config.safeParse({ webhookUrl: "{{ secrets.slack_webhook }}", text: "hi" }).success,
    ).toBe(true);
    expect(
      slack.config.safeParse({ connection: "slack", channel: "#ops", text: "hi", threadTs: "1.2" })
        .success,
    ).toBe(true);
    expect(issues(slack.config.safeParse({ text: "hi" }))).toEqual([
      "webhookUrl: give a webhook URL (an incoming webhook) or a connection (a bot token)",
    ]);
    expect(
      issues(
        slack.config.safeParse({
          webhookUrl: "https://hooks.slack.com/x",
          connection: "s",
          text: "hi",
        }),
      ),
    ).toEqual(["connection: give either a webhook URL or a connection, not both"]);
    expect(issues(slack.config.safeParse({ connection: "slack", text: "hi" }))).toEqual([
      "channel: a connection needs a channel to post to",
    ]);
    expect(
      issues(
        slack.config.safeParse({
          webhookUrl: "https://hooks.slack.com/x",
          channel: "#a",
          text: "hi",
        }),
      ),
    ).toEqual([
      "channel: an incoming webhook always posts to the channel it was made for: leave it empty",
    ]);
    expect(
      issues(slack.config.safeParse({ webhookUrl: "hooks.slack.com/x", text: "hi" }))[0],
    ).toContain("expected an http(s) URL");
  });

  it("Slack blocks are a JSON list or a template", () => {
    const hook = { webhookUrl: "https://hooks.slack.com/services/T/B/X", text: "hi" };
    expect(slack.config.safeParse({ ...hook, blocks: [{ type: "divider" }] }).success).toBe(true);
    expect(slack.config.safeParse({ ...hook, blocks: "{{ order.blocks }}" }).success).toBe(true);
    expect(slack.config.safeParse({ ...hook, blocks: { type: "divider" } }).success).toBe(false);
    expect(slack.config.safeParse({ ...hook, blocks: "[]" }).success).toBe(false);
  });

  it("Teams facts are a map of text; Google Chat takes an optional thread key", () => {
    const url = "https://prod.westeurope.logic.azure.com/workflows/x";
    expect(
      teams.config.safeParse({
        webhookUrl: url,
        title: "T",
        text: "x",
        facts: { Amount: "{{ o.a }}" },
      }).success,
    ).toBe(true);
    expect(
      teams.config.safeParse({ webhookUrl: url, text: "x", facts: { Amount: 5 } }).success,
    ).toBe(false);
    expect(
      teams.config.safeParse({ webhookUrl: url, text: "x", facts: "{{ o.facts }}" }).success,
    ).toBe(true);
    expect(
      gchat.config.safeParse({ webhookUrl: url, text: "x", threadKey: "{{ t.id }}" }).success,
    ).toBe(true);
    expect(gchat.config.safeParse({ webhookUrl: url, text: "" }).success).toBe(false);
  });

  it("sample outputs satisfy the output schemas", () => {
    for (const a of [slack, teams, gchat])
      expect(a.output.safeParse(a.sampleOutput).success).toBe(true);
  });
});
