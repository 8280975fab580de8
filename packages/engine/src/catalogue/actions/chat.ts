// Actions that post to the chat tools operations teams live in: Slack,
// Microsoft Teams and Google Chat. Each is a thin executor over HTTP in
// apps/api (executors/send-*-message.ts); the shapes here are the contract
// the builder renders forms from.
import { z } from "zod";
import { connectionField } from "../connection.ts";
import { defineAction, hasPlaceholder, jsonValue, text } from "../define-action.ts";

/**
 * An http(s) URL a chat tool gave out, or a template (usually a secret:
 * `{{ secrets.slack_webhook }}`). The executor checks the rendered URL
 * again and sends it through the SSRF guard.
 */
function webhookUrl(description: string): z.ZodString {
  return text(description).refine(
    (url) => hasPlaceholder(url) || /^https?:\/\/[^\s/]+/i.test(url.trim()),
    { message: "expected an http(s) URL or a {{ template }} such as {{ secrets.slack_webhook }}" },
  );
}

/** A JSON list, or a template that renders one. */
const jsonList = z.union([
  z.array(jsonValue),
  z.string().refine(hasPlaceholder, { message: "expected a JSON list or a {{ template }}" }),
]);

/** Text fields (label → value) such as "Amount: {{ order.amount }}", or a template that renders a map. */
const textMap = z.union(
  [
    z.record(z.string().min(1), z.string()),
    z.string().refine(hasPlaceholder, { message: "expected a map of labels to text" }),
  ],
  { message: "expected a map of labels to text, or a {{ template }}" },
);

/** Why a delivery ledger keeps these actions from posting twice; their descriptions say so. */
const AT_MOST_ONCE =
  "Posted at most once per step: a retry after a recorded success posts nothing, and an attempt that got no answer is not sent again (the step fails as delivery_unknown).";

/**
 * The config's shape and its one rule: exactly one of an incoming webhook
 * or a bot-token connection (with a channel).
 */
export const slackConfig = z
  .strictObject({
    webhookUrl: webhookUrl(
      "Slack incoming webhook URL. It is a credential: keep it as a secret and write {{ secrets.slack_webhook }} here",
    ).optional(),
    connection: connectionField(
      "Or a Slack connection (Settings → Connections: base URL https://slack.com/api, bearer auth with the bot token): posts with chat.postMessage to a channel",
    ).optional(),
    channel: text(
      "Channel id or name for a connection, e.g. C0123456789 or #ops (an incoming webhook posts to its own channel)",
    ).optional(),
    text: text("Message text (Slack mrkdwn); with blocks, the text of the notification"),
    blocks: jsonList.optional().describe("Block Kit blocks: a JSON list of blocks"),
    threadTs: text("Reply in a thread: the ts of its parent message").optional(),
  })
  .superRefine((config, ctx) => {
    const hook = config.webhookUrl !== undefined;
    const conn = config.connection !== undefined;
    if (hook === conn) {
      ctx.addIssue({
        code: "custom",
        path: [hook ? "connection" : "webhookUrl"],
        message: hook
          ? "give either a webhook URL or a connection, not both"
          : "give a webhook URL (an incoming webhook) or a connection (a bot token)",
      });
      return;
    }
    if (conn && config.channel === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["channel"],
        message: "a connection needs a channel to post to",
      });
    }
    if (hook && config.channel !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["channel"],
        message: "an incoming webhook always posts to the channel it was made for: leave it empty",
      });
    }
  });

export const sendSlackMessage = defineAction({
  name: "send_slack_message",
  title: "Send a Slack message",
  description: `Posts a message to Slack, through an incoming webhook (keep its URL as a secret) or a bot-token connection (chat.postMessage to a channel). ${AT_MOST_ONCE}`,
  config: slackConfig,
  output: z.object({
    ok: z.literal(true),
    channel: z.string().optional().describe("The channel's id (with a connection)"),
    ts: z
      .string()
      .optional()
      .describe("The message's ts, to reply in its thread (with a connection)"),
  }),
  sampleOutput: { ok: true, channel: "C0123456789", ts: "1767225600.000100" },
});

export const sendTeamsMessage = defineAction({
  name: "send_teams_message",
  title: "Send a Microsoft Teams message",
  description: `Posts a card to a Teams channel or chat through a Workflows webhook ("When a Teams webhook request is received"): a bold title, the text and a list of facts. ${AT_MOST_ONCE}`,
  config: z.strictObject({
    webhookUrl: webhookUrl(
      "The Workflows webhook URL. It is a credential: keep it as a secret and write {{ secrets.teams_webhook }} here",
    ),
    title: text("Card title, shown large and bold").optional(),
    text: text("Message text"),
    facts: textMap
      .optional()
      .describe("Facts shown as a list of label: value, e.g. Amount: {{ order.amount }}"),
  }),
  output: z.object({ status: z.number().int().describe("The webhook's HTTP status (200 or 202)") }),
  sampleOutput: { status: 202 },
});

export const sendGoogleChatMessage = defineAction({
  name: "send_google_chat_message",
  title: "Send a Google Chat message",
  description:
    "Posts a message to a Google Chat space through its incoming webhook, optionally into a thread. Each step's message has its own id, so a retry never posts it twice.",
  config: z.strictObject({
    webhookUrl: webhookUrl(
      "The space's webhook URL (it carries a key and token: keep it as a secret and write {{ secrets.chat_webhook }} here)",
    ),
    text: text("Message text"),
    threadKey: text(
      "Group messages into a thread: messages with the same key (e.g. {{ ticket.id }}) reply to one thread",
    ).optional(),
  }),
  output: z.object({
    name: z.string().describe("The message's resource name, spaces/…/messages/…"),
    thread: z.string().optional().describe("The thread's resource name, spaces/…/threads/…"),
  }),
  sampleOutput: {
    name: "spaces/AAAA1234/messages/client-3f2a9c1b7d4e6f80",
    thread: "spaces/AAAA1234/threads/BBBB5678",
  },
});
