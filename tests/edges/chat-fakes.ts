// Fake Slack, Microsoft Teams and Google Chat endpoints for the chat edges
// suite: each checks what the real service checks (paths, credentials, the
// payload's shape), answers in that service's words, and counts what it
// actually posted — a replay that the service de-duplicates is not a post.
import { createHash } from "node:crypto";
import { type Answer, type Fake, Script, type SeenRequest, startFake } from "./fakes.ts";

export interface Posted {
  /** Which endpoint: the webhook path, or the channel for chat.postMessage. */
  to: string;
  body: Record<string, unknown>;
}

export interface ChatFake extends Fake {
  /** Scripted answers by the message's text (Slack, Teams) or thread key / text (Google Chat). */
  script: Script;
  posted: Posted[];
}

function json(req: SeenRequest): Record<string, unknown> | null {
  if (!req.headers["content-type"]?.startsWith("application/json")) return null;
  try {
    const v: unknown = JSON.parse(req.body);
    return typeof v === "object" && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** Slack's words, as plain text, the way incoming webhooks answer. */
const word = (status: number, text: string): Answer => ({
  status,
  headers: { "content-type": "text/html" },
  body: text,
});

/**
 * Slack: incoming webhooks at `/services/<hooks>` (answering `ok`, or
 * `invalid_payload`, `no_text`, `no_service`) and the Web API's
 * `/api/chat.postMessage` for `botToken` (200 `{ ok, channel, ts }` or
 * `{ ok: false, error }`: `invalid_auth`, `channel_not_found`).
 */
export async function startFakeSlack(
  hooks: string[],
  botToken: string,
  channels: Record<string, string>,
): Promise<ChatFake> {
  const script = new Script();
  const posted: Posted[] = [];
  let ts = 1_767_225_600;
  const fake = await startFake((req) => {
    if (req.method !== "POST") return word(405, "invalid_method");
    if (req.path.startsWith("/services/")) {
      if (!hooks.includes(req.path)) return word(404, "no_service");
      const body = json(req);
      if (body === null) return word(400, "invalid_payload");
      if (typeof body.text !== "string" && !Array.isArray(body.blocks)) {
        return word(400, "no_text");
      }
      const { answer, lateMs } = script.take(String(body.text));
      if (answer) return answer;
      posted.push({ to: req.path, body });
      return { ...word(200, "ok"), lateMs };
    }
    if (req.path === "/api/chat.postMessage") {
      if (req.headers.authorization !== `Bearer ${botToken}`) {
        return { status: 200, body: { ok: false, error: "invalid_auth" } };
      }
      const body = json(req);
      if (body === null) return { status: 200, body: { ok: false, error: "invalid_arguments" } };
      const { answer, lateMs } = script.take(String(body.text));
      if (answer) return answer;
      const channel = channels[String(body.channel)];
      if (channel === undefined) {
        return { status: 200, body: { ok: false, error: "channel_not_found" } };
      }
      posted.push({ to: channel, body });
      ts += 1;
      return {
        status: 200,
        body: { ok: true, channel, ts: `${ts}.000100`, message: { text: body.text } },
        lateMs,
      };
    }
    return word(404, "not_found");
  });
  return Object.assign(fake, { script, posted });
}

/**
 * A Teams "Workflows" webhook: one Adaptive Card attachment in a message,
 * answered 202 Accepted with no body, or 400 with Power Automate's error.
 */
export async function startFakeTeams(path: string): Promise<ChatFake> {
  const script = new Script();
  const posted: Posted[] = [];
  const fake = await startFake((req) => {
    if (req.method !== "POST" || req.path !== path) {
      return { status: 404, body: { error: { code: "TriggerNotFound", message: "Not found" } } };
    }
    const body = json(req);
    const attachments = body?.attachments as Array<Record<string, unknown>> | undefined;
    const card = attachments?.[0]?.content as Record<string, unknown> | undefined;
    if (
      body?.type !== "message" ||
      attachments?.[0]?.contentType !== "application/vnd.microsoft.card.adaptive" ||
      card?.type !== "AdaptiveCard"
    ) {
      return {
        status: 400,
        body: {
          error: { code: "InvalidRequestContent", message: "The request content is not valid" },
        },
      };
    }
    const blocks = (card.body as Array<Record<string, unknown>>) ?? [];
    const text = blocks.find((b) => b.type === "TextBlock" && b.wrap && !b.weight)?.text;
    const { answer, lateMs } = script.take(String(text));
    if (answer) return answer;
    posted.push({ to: path, body });
    return { status: 202, lateMs };
  });
  return Object.assign(fake, { script, posted });
}

const googleError = (code: number, status: string, message: string): Answer => ({
  status: code,
  body: { error: { code, message, status } },
});

/**
 * A Google Chat space's incoming webhook: `/v1/spaces/<space>/messages`
 * with `key` and `token` in the query; a client-assigned `messageId`
 * creates at most one message (409 ALREADY_EXISTS the second time); a
 * thread key puts messages in one thread.
 */
export async function startFakeGoogleChat(
  space: string,
  key: string,
  token: string,
): Promise<ChatFake> {
  const script = new Script();
  const posted: Posted[] = [];
  const ids = new Set<string>();
  const fake = await startFake((req) => {
    const url = new URL(req.path, "http://fake");
    if (req.method !== "POST" || url.pathname !== `/v1/spaces/${space}/messages`) {
      return googleError(404, "NOT_FOUND", "Requested entity was not found.");
    }
    if (url.searchParams.get("key") !== key || url.searchParams.get("token") !== token) {
      return googleError(401, "UNAUTHENTICATED", "Invalid webhook token.");
    }
    const id = url.searchParams.get("messageId") ?? "";
    if (id !== "" && !/^client-[a-z0-9-]{1,56}$/.test(id)) {
      return googleError(400, "INVALID_ARGUMENT", "Invalid custom message ID.");
    }
    const body = json(req);
    if (body === null || typeof body.text !== "string") {
      return googleError(400, "INVALID_ARGUMENT", "Message cannot be empty.");
    }
    const threadKey = (body.thread as { threadKey?: string } | undefined)?.threadKey;
    if (threadKey !== undefined) {
      const option = url.searchParams.get("messageReplyOption");
      if (option === null) {
        return googleError(400, "INVALID_ARGUMENT", "threadKey needs a messageReplyOption.");
      }
    }
    const { answer, lateMs } = script.take(body.text);
    if (answer) return answer;
    if (id !== "" && ids.has(id)) {
      return googleError(409, "ALREADY_EXISTS", `Message ${id} already exists.`);
    }
    const name = `spaces/${space}/messages/${id || `m${posted.length + 1}`}`;
    const thread = `spaces/${space}/threads/${createHash("sha256")
      .update(threadKey ?? name)
      .digest("hex")
      .slice(0, 11)}`;
    if (id !== "") ids.add(id);
    posted.push({ to: thread, body });
    return { status: 200, body: { name, text: body.text, thread: { name: thread } }, lateMs };
  });
  return Object.assign(fake, { script, posted });
}
