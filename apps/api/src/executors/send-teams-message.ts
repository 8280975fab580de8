// `send_teams_message`: one Adaptive Card posted to a Microsoft Teams
// "Workflows" webhook (Power Automate's "When a Teams webhook request is
// received"), which answers 202 Accepted. Teams has no idempotency key, so
// the delivery ledger keeps a retry from posting twice (chat-post.ts).
import { asText, postJson, postOnce, webhookTarget } from "./chat-post.ts";
import { ExecutorErrorCode, parseConfig } from "./config.ts";
import { excerpt, failureForStatus } from "./http-outcome.ts";
import { type Executor, permanentFailure } from "./types.ts";

interface TeamsConfig {
  webhookUrl: string;
  title?: string;
  text: string;
  facts?: Record<string, string> | string;
}

/** The Adaptive Card schema the card declares (what Teams renders: 1.4). */
export const ADAPTIVE_CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json";

/**
 * The message a Workflows webhook expects: one attachment holding an
 * Adaptive Card with the title (large, bold), the text (wrapped) and the
 * facts as a FactSet.
 * @example teamsPayload({ title: "Order 7", text: "Shipped", facts: { Carrier: "DHL" } })
 */
export function teamsPayload(m: {
  title?: string | undefined;
  text: string;
  facts?: Record<string, string> | undefined;
}): Record<string, unknown> {
  const body: Array<Record<string, unknown>> = [];
  if (m.title !== undefined) {
    body.push({ type: "TextBlock", text: m.title, weight: "Bolder", size: "Large", wrap: true });
  }
  body.push({ type: "TextBlock", text: m.text, wrap: true });
  const facts = Object.entries(m.facts ?? {});
  if (facts.length > 0) {
    body.push({ type: "FactSet", facts: facts.map(([title, value]) => ({ title, value })) });
  }
  return {
    type: "message",
    attachments: [
      {
        contentType: "application/vnd.microsoft.card.adaptive",
        contentUrl: null,
        content: { $schema: ADAPTIVE_CARD_SCHEMA, type: "AdaptiveCard", version: "1.4", body },
      },
    ],
  };
}

export const sendTeamsMessageExecutor: Executor = {
  action: "send_teams_message",
  async execute(config, ctx) {
    const parsed = parseConfig<TeamsConfig>(
      "send_teams_message",
      asText(config, ["title", "text"], "facts"),
    );
    if (!parsed.ok) return parsed.outcome;
    const m = parsed.value;
    if (typeof m.facts === "string") {
      return permanentFailure(
        ExecutorErrorCode.invalidConfig,
        "config.facts: expected a map of labels to text, the template gave text",
      );
    }
    const url = webhookTarget(m.webhookUrl, ctx);
    if (!(url instanceof URL)) return url;
    const payload = teamsPayload({ title: m.title, text: m.text, facts: m.facts });
    return postOnce(ctx, "Teams", async () => {
      const answer = await postJson(url, payload, ctx, "Teams");
      if ("outcome" in answer) return answer;
      const { res, text } = answer;
      if (res.ok) return { outcome: { status: "succeeded", output: { status: res.status } } };
      return { outcome: failureForStatus(res, "Teams", excerpt(text), Date.now()) };
    });
  },
};
