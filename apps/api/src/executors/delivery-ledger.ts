// The delivery ledger (DESIGN.md, promise 3): for providers outside our
// storage, a recorded success is never sent again. A retried attempt, a
// queue redelivery or a stale attempt that reaches the provider step after
// the message went out answers with the recorded message instead. The
// ledger lives in the tenant's store (store/deliveries.ts).
import type { SentMessage } from "../store/deliveries.ts";
import type { MessageProvider } from "./message-providers.ts";
import type { ExecutionContext, ExecutionOutcome } from "./types.ts";

async function record(
  ctx: ExecutionContext,
  channel: "email" | "sms",
  sent: SentMessage,
): Promise<void> {
  await ctx.store.recordDelivery(ctx.tenantId, {
    tenantId: ctx.tenantId,
    idempotencyKey: ctx.idempotencyKey,
    channel,
    provider: sent.provider,
    providerMessageId: sent.messageId,
    createdAt: ctx.now,
  });
}

/**
 * `provider` behind the ledger: looked up before sending, written after a
 * success. What is left is the window between the provider's answer and our
 * write (a crash there sends again on the next attempt); Resend closes it
 * with its Idempotency-Key, Twilio has no such key.
 * @example withLedger("sms", twilioProvider(settings))
 */
export function withLedger<M>(
  channel: "email" | "sms",
  provider: MessageProvider<M>,
): MessageProvider<M> {
  return {
    name: provider.name,
    async send(message, ctx): Promise<ExecutionOutcome> {
      const recorded = await ctx.store.recordedDelivery(ctx.tenantId, ctx.idempotencyKey);
      if (recorded) return { status: "succeeded", output: recorded };
      const outcome = await provider.send(message, ctx);
      if (outcome.status !== "succeeded") return outcome;
      const sent = outcome.output as SentMessage;
      try {
        await record(ctx, channel, sent);
      } catch {
        // Once more: failing the step now would send the message again.
        await record(ctx, channel, sent).catch((err) =>
          console.error(`delivery ledger write failed for ${ctx.idempotencyKey}`, err),
        );
      }
      return outcome;
    },
  };
}
