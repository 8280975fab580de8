// `send_google_chat_message`: a text message posted to a Google Chat
// space's incoming webhook. Google de-duplicates by a client-assigned
// message id, so each step's message is named after its idempotency key
// (`messageId=client-<hash>`): a retry that finds the message already
// created (409 ALREADY_EXISTS) has nothing left to do and succeeds.
import { sha256Hex } from "../lib/crypto.ts";
import { asText, postJson, webhookTarget } from "./chat-post.ts";
import { parseConfig } from "./config.ts";
import { excerpt, failureForStatus, HttpErrorCode } from "./http-outcome.ts";
import { type ExecutionOutcome, type Executor, transientFailure } from "./types.ts";

interface GoogleChatConfig {
  webhookUrl: string;
  text: string;
  threadKey?: string;
}

/**
 * Google Chat's custom message id for one step: `client-` and 32 hex
 * digits of the SHA-256 of its idempotency key (Google allows 63
 * characters: lower-case letters, digits and hyphens).
 * @example await googleChatMessageId("run_1:tell") // "client-5f0c…"
 */
export async function googleChatMessageId(idempotencyKey: string): Promise<string> {
  return `client-${(await sha256Hex(idempotencyKey)).slice(0, 32)}`;
}

interface GoogleAnswer {
  name?: unknown;
  thread?: { name?: unknown };
  error?: { status?: unknown; message?: unknown };
}

function parse(text: string): GoogleAnswer | null {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === "object" && v !== null ? (v as GoogleAnswer) : null;
  } catch {
    return null;
  }
}

/** `spaces/AAAA` from a webhook's path `/v1/spaces/AAAA/messages`. */
function spaceOf(url: URL): string | null {
  const m = /\/(spaces\/[^/]+)\/messages\/?$/.exec(url.pathname);
  return m?.[1] ?? null;
}

export const sendGoogleChatMessageExecutor: Executor = {
  action: "send_google_chat_message",
  async execute(config, ctx): Promise<ExecutionOutcome> {
    const parsed = parseConfig<GoogleChatConfig>(
      "send_google_chat_message",
      asText(config, ["text", "threadKey"]),
    );
    if (!parsed.ok) return parsed.outcome;
    const m = parsed.value;
    const url = webhookTarget(m.webhookUrl, ctx);
    if (!(url instanceof URL)) return url;
    const messageId = await googleChatMessageId(ctx.idempotencyKey);
    url.searchParams.set("messageId", messageId);
    const body: Record<string, unknown> = { text: m.text };
    if (m.threadKey !== undefined) {
      body.thread = { threadKey: m.threadKey };
      url.searchParams.set("messageReplyOption", "REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD");
    }
    const answer = await postJson(url, body, ctx, "Google Chat");
    if ("outcome" in answer) return answer.outcome;
    const { res, text } = answer;
    const reply = parse(text);
    if (res.ok && typeof reply?.name === "string") {
      const thread = typeof reply.thread?.name === "string" ? reply.thread.name : undefined;
      return {
        status: "succeeded",
        output: { name: reply.name, ...(thread !== undefined ? { thread } : {}) },
      };
    }
    // An earlier attempt created it (its answer was lost): the message is there.
    if (res.status === 409 && reply?.error?.status === "ALREADY_EXISTS") {
      const space = spaceOf(url);
      return {
        status: "succeeded",
        output: { name: space ? `${space}/messages/${messageId}` : messageId },
      };
    }
    if (res.ok) {
      // Safe to ask again: the message id makes a second create a no-op.
      return transientFailure(
        HttpErrorCode.httpError,
        `Google Chat answered ${res.status} without a message name`,
      );
    }
    const detail =
      typeof reply?.error?.message === "string"
        ? `${typeof reply.error.status === "string" ? `${reply.error.status}: ` : ""}${reply.error.message}`
        : excerpt(text);
    return failureForStatus(res, "Google Chat", detail, Date.now());
  },
};
