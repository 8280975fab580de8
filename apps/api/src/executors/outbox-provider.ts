import { newId } from "../lib/crypto.ts";
import type { OutboxRow } from "../store/outbox.ts";
import type { EmailMessage, MessageProvider, SmsMessage } from "./message-providers.ts";
import type { ExecutionContext, ExecutionOutcome } from "./types.ts";

const PROVIDER = "outbox";

/**
 * The built-in provider: messages land in the tenant store's `outbox` (GET
 * /v1/outbox) instead of leaving the building. One message per idempotency
 * key, ever: a replay answers with the first message's id.
 */
async function store(
  ctx: ExecutionContext,
  message: Pick<OutboxRow, "channel" | "to" | "subject" | "body"> &
    Partial<Pick<OutboxRow, "cc" | "replyTo">>,
): Promise<ExecutionOutcome> {
  const row = await ctx.store.storeMessage(ctx.tenantId, {
    tenantId: ctx.tenantId,
    id: newId("msg"),
    cc: null,
    replyTo: null,
    ...message,
    // The platform's own emails (invitations) come from no run.
    runId: ctx.runId || null,
    stepId: ctx.stepId || null,
    idempotencyKey: ctx.idempotencyKey,
    createdAt: ctx.now,
  });
  return { status: "succeeded", output: { messageId: row.id, provider: PROVIDER } };
}

export const outboxEmailProvider: MessageProvider<EmailMessage> = {
  name: PROVIDER,
  send: (m, ctx) =>
    store(ctx, {
      channel: "email",
      to: m.to,
      subject: m.subject,
      body: m.body,
      cc: m.cc ?? null,
      replyTo: m.replyTo ?? null,
    }),
};

export const outboxSmsProvider: MessageProvider<SmsMessage> = {
  name: PROVIDER,
  send: (m, ctx) => store(ctx, { channel: "sms", to: m.to, subject: null, body: m.body }),
};
