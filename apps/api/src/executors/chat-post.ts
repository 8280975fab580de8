// What the chat executors (Slack, Teams, Google Chat) share: a webhook URL
// judged by the SSRF guard, one JSON POST under the attempt's signal, and,
// for the tools that cannot de-duplicate (Slack, Teams), the delivery
// ledger: `sending` before the call, the success after it, so a recorded
// success is never posted again and an attempt that got no answer is not
// posted twice (DESIGN.md, promise 3; the same rule as SMS).
import { checkOutboundUrl } from "../lib/ssrf.ts";
import { guardSettingsOf, WebhookErrorCode } from "./call-webhook.ts";
import { ExecutorErrorCode } from "./config.ts";
import { failureForFetchError, HttpErrorCode, readCapped } from "./http-outcome.ts";
import { type ExecutionContext, type ExecutionOutcome, permanentFailure } from "./types.ts";

/** How much of a chat tool's answer is read: its answers are a word or a small JSON. */
export const MAX_CHAT_ANSWER_BYTES = 16 * 1024;

/** Codes the chat executors add to the HTTP ones (http-outcome.ts). */
export const ChatErrorCode = {
  deliveryUnknown: "delivery_unknown",
  redirect: "unexpected_redirect",
} as const;

/**
 * The rendered webhook URL, checked by the SSRF guard: a parsed URL, or the
 * refusal as a permanent failure. The message names the host only: the
 * path and query of a chat webhook are its credential.
 * @example const url = webhookTarget(config.webhookUrl, ctx); if (!(url instanceof URL)) return url;
 */
export function webhookTarget(raw: string, ctx: ExecutionContext): URL | ExecutionOutcome {
  let parsed: URL;
  try {
    parsed = new URL(raw.trim());
  } catch {
    return permanentFailure(
      ExecutorErrorCode.invalidConfig,
      "config.webhookUrl: the rendered value is not a URL",
    );
  }
  const check = checkOutboundUrl(parsed, guardSettingsOf(ctx.env));
  if (!check.ok) return permanentFailure(WebhookErrorCode.ssrfRefused, check.message);
  return check.url;
}

/**
 * The rendered config with the named fields as text: a lone placeholder
 * keeps its value's type, so `{{ ticket.id }}` may render a number where the
 * message wants text. Numbers and booleans become their text; anything else
 * is left for the schema to judge. With `map`, the same for each value of a
 * map field (null as empty text, lists and maps as compact JSON).
 * @example asText({ threadKey: 77 }, ["threadKey"]) // { threadKey: "77" }
 */
export function asText(config: unknown, fields: string[], map?: string): unknown {
  if (typeof config !== "object" || config === null || Array.isArray(config)) return config;
  const out: Record<string, unknown> = { ...(config as Record<string, unknown>) };
  for (const f of fields) {
    const v = out[f];
    if (typeof v === "number" || typeof v === "boolean") out[f] = String(v);
  }
  const m = map === undefined ? undefined : out[map];
  if (map !== undefined && typeof m === "object" && m !== null && !Array.isArray(m)) {
    out[map] = Object.fromEntries(
      Object.entries(m).map(([k, v]) => [
        k,
        typeof v === "string"
          ? v
          : v === null
            ? ""
            : typeof v === "object"
              ? JSON.stringify(v)
              : String(v),
      ]),
    );
  }
  return out;
}

/** An answer read in full (capped), or the outcome of a request that got none. */
export type ChatAnswer = { res: Response; text: string } | { outcome: ExecutionOutcome };

/**
 * POSTs `body` as JSON to a chat webhook under the attempt's signal. Never
 * follows a redirect (a webhook that moves is a misconfiguration, and the
 * guard judged only this URL). `who` names the tool in messages, never the URL.
 * @example const a = await postJson(url, { text: "hi" }, ctx, "Slack")
 */
export async function postJson(
  url: URL,
  body: unknown,
  ctx: ExecutionContext,
  who: string,
): Promise<ChatAnswer> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json; charset=utf-8", "user-agent": "Switchyard/1" },
      body: JSON.stringify(body),
      redirect: "manual",
      signal: ctx.signal,
    });
  } catch (err) {
    return { outcome: failureForFetchError(err, ctx.signal, who) };
  }
  if (res.status >= 300 && res.status < 400) {
    await res.body?.cancel().catch(() => {});
    return {
      outcome: permanentFailure(
        ChatErrorCode.redirect,
        `${who} answered ${res.status} (a redirect): check the webhook URL`,
      ),
    };
  }
  try {
    const { text } = await readCapped(res, MAX_CHAT_ANSWER_BYTES);
    return { res, text };
  } catch (err) {
    return { outcome: failureForFetchError(err, ctx.signal, who) };
  }
}

/** One post's result; `maybeSent` when the tool may have posted without saying so. */
export interface ChatAttempt {
  outcome: ExecutionOutcome;
  maybeSent?: boolean;
}

/** Failures after which the tool may have posted anyway: no answer came. */
const NO_ANSWER: ReadonlySet<string> = new Set([HttpErrorCode.timeout, HttpErrorCode.networkError]);

/**
 * Runs `post` at most once per step behind the delivery ledger. A recorded
 * success answers again with its output and posts nothing; a `sending` mark
 * left by an attempt that got no answer fails the step as
 * `delivery_unknown` rather than risk a second message; an answer that says
 * no clears the mark, so a retry posts.
 * @example return postOnce(ctx, "Slack", () => sendViaWebhook(url, body, ctx))
 */
export async function postOnce(
  ctx: ExecutionContext,
  tool: string,
  post: () => Promise<ChatAttempt>,
): Promise<ExecutionOutcome> {
  const provider = tool.toLowerCase();
  const begun = await ctx.store.beginDelivery(ctx.tenantId, {
    idempotencyKey: ctx.idempotencyKey,
    channel: "chat",
    provider,
    createdAt: ctx.now,
  });
  if (begun.state === "sent") {
    return { status: "succeeded", output: JSON.parse(begun.sent.messageId) as unknown };
  }
  if (begun.state === "sending") {
    return permanentFailure(
      ChatErrorCode.deliveryUnknown,
      `an earlier attempt posted this message to ${tool} at ${begun.since} and got no answer: it may have been posted, so it is not posted again (look in ${tool})`,
    );
  }
  const { outcome, maybeSent } = await post();
  if (outcome.status !== "succeeded") {
    // A deferral (a connection's rate limit) sent nothing; a failure without an answer may have.
    const noAnswer = outcome.status === "failed" && NO_ANSWER.has(outcome.error.code);
    if (!maybeSent && !noAnswer) {
      await ctx.store.abandonDelivery(ctx.tenantId, ctx.idempotencyKey);
    }
    return outcome;
  }
  const row = {
    tenantId: ctx.tenantId,
    idempotencyKey: ctx.idempotencyKey,
    channel: "chat" as const,
    provider,
    // The output itself, so a replay answers exactly as the first success did.
    providerMessageId: JSON.stringify(outcome.output),
    status: "sent" as const,
    createdAt: ctx.now,
  };
  try {
    await ctx.store.recordDelivery(ctx.tenantId, row);
  } catch {
    // Once more: failing the step now would leave the mark, and the message is out.
    await ctx.store
      .recordDelivery(ctx.tenantId, row)
      .catch((err) => console.error(`delivery ledger write failed for ${ctx.idempotencyKey}`, err));
  }
  return outcome;
}
