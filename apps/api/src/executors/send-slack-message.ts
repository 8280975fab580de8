// `send_slack_message`: a message posted to Slack through an incoming
// webhook (POST {text, blocks, thread_ts}; Slack answers the word `ok`, or
// a 4xx word such as `invalid_payload`, `no_service`,
// `channel_is_archived`) or through a bot-token connection
// (chat.postMessage, answering 200 with `{ ok, channel, ts }` or
// `{ ok: false, error }`). Slack has no idempotency key, so the delivery
// ledger keeps a retry from posting twice (chat-post.ts).
import { asText, type ChatAttempt, postJson, postOnce, webhookTarget } from "./chat-post.ts";
import { ExecutorErrorCode, parseConfig } from "./config.ts";
import { connectionRequest } from "./connection-fetch.ts";
import {
  excerpt,
  failureForStatus,
  HttpErrorCode,
  readCapped,
  retryAfterMs,
} from "./http-outcome.ts";
import {
  type ExecutionContext,
  type Executor,
  permanentFailure,
  transientFailure,
} from "./types.ts";

interface SlackConfig {
  webhookUrl?: string;
  connection?: string;
  channel?: string;
  text: string;
  blocks?: unknown[] | string;
  threadTs?: string;
}

/** Slack's own error for a refused post (ok: false), e.g. `channel_not_found`. */
export const SLACK_ERROR_CODE = "slack_error";

// Errors of chat.postMessage worth another attempt: nothing was posted.
const RETRY_ERRORS: ReadonlySet<string> = new Set(["ratelimited", "service_unavailable"]);
// Errors after which, in Slack's words, "some aspect of the operation
// succeeded" may have: not posted again.
const MAYBE_POSTED_ERRORS: ReadonlySet<string> = new Set(["internal_error", "fatal_error"]);

/**
 * The JSON Slack gets: the text, the blocks and the thread, in Slack's names.
 * @example slackPayload({ text: "hi", threadTs: "1.2" }) // { text: "hi", thread_ts: "1.2" }
 */
export function slackPayload(m: {
  channel?: string | undefined;
  text: string;
  blocks?: unknown[] | undefined;
  threadTs?: string | undefined;
}): Record<string, unknown> {
  return {
    ...(m.channel !== undefined ? { channel: m.channel } : {}),
    text: m.text,
    ...(m.blocks !== undefined ? { blocks: m.blocks } : {}),
    ...(m.threadTs !== undefined ? { thread_ts: m.threadTs } : {}),
  };
}

export const sendSlackMessageExecutor: Executor = {
  action: "send_slack_message",
  async execute(config, ctx) {
    const parsed = parseConfig<SlackConfig>(
      "send_slack_message",
      asText(config, ["channel", "text", "threadTs"]),
    );
    if (!parsed.ok) return parsed.outcome;
    const m = parsed.value;
    // A lone placeholder keeps its value's type; text is not a list of blocks.
    if (typeof m.blocks === "string") {
      return permanentFailure(
        ExecutorErrorCode.invalidConfig,
        "config.blocks: expected a list of blocks, the template gave text",
      );
    }
    const blocks = m.blocks;
    if (m.webhookUrl !== undefined) {
      const url = webhookTarget(m.webhookUrl, ctx);
      if (!(url instanceof URL)) return url;
      const payload = slackPayload({ text: m.text, blocks, threadTs: m.threadTs });
      return postOnce(ctx, "Slack", () => viaWebhook(url, payload, ctx));
    }
    // The schema let exactly one through: a connection, with its channel.
    const connection = m.connection as string;
    const payload = slackPayload({
      channel: m.channel,
      text: m.text,
      blocks,
      threadTs: m.threadTs,
    });
    return postOnce(ctx, "Slack", () => viaConnection(connection, payload, ctx));
  },
};

async function viaWebhook(
  url: URL,
  payload: Record<string, unknown>,
  ctx: ExecutionContext,
): Promise<ChatAttempt> {
  const answer = await postJson(url, payload, ctx, "Slack");
  if ("outcome" in answer) return answer;
  const { res, text } = answer;
  if (res.ok) return { outcome: { status: "succeeded", output: { ok: true } } };
  return { outcome: failureForStatus(res, "Slack", excerpt(text), Date.now()) };
}

async function viaConnection(
  name: string,
  payload: Record<string, unknown>,
  ctx: ExecutionContext,
): Promise<ChatAttempt> {
  const res = await connectionRequest(ctx, name, {
    method: "POST",
    url: "chat.postMessage",
    headers: { "content-type": "application/json; charset=utf-8" },
    body: JSON.stringify(payload),
  });
  // The connection could not be used (unknown, rate-limited, unreachable): nothing posted.
  if (!(res instanceof Response)) return { outcome: res };
  let text: string;
  try {
    ({ text } = await readCapped(res, 16 * 1024));
  } catch {
    return {
      outcome: transientFailure(HttpErrorCode.networkError, "Slack's answer was cut off"),
    };
  }
  if (!res.ok) return { outcome: failureForStatus(res, "Slack", excerpt(text), Date.now()) };
  const reply = parse(text);
  if (reply?.ok === true) {
    return {
      outcome: {
        status: "succeeded",
        output: {
          ok: true,
          ...(typeof reply.channel === "string" ? { channel: reply.channel } : {}),
          ...(typeof reply.ts === "string" ? { ts: reply.ts } : {}),
        },
      },
    };
  }
  const error = typeof reply?.error === "string" ? reply.error : null;
  if (error === null) {
    return {
      outcome: permanentFailure(
        HttpErrorCode.httpError,
        `Slack answered ${res.status} without ok: ${excerpt(text)}; the message may have been posted`,
      ),
      maybeSent: true,
    };
  }
  const message = `Slack refused the message: ${error}`;
  if (RETRY_ERRORS.has(error)) {
    const wait = retryAfterMs(res.headers.get("retry-after"), Date.now());
    return { outcome: transientFailure(SLACK_ERROR_CODE, message, wait) };
  }
  if (MAYBE_POSTED_ERRORS.has(error)) {
    return {
      outcome: permanentFailure(
        SLACK_ERROR_CODE,
        `${message}; it may have been posted, so it is not posted again`,
      ),
      maybeSent: true,
    };
  }
  return { outcome: permanentFailure(SLACK_ERROR_CODE, message) };
}

function parse(
  text: string,
): { ok?: unknown; error?: unknown; channel?: unknown; ts?: unknown } | null {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === "object" && v !== null ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
