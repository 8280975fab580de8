// The delivery ledger (DESIGN.md, promise 3): for providers outside our
// storage, a recorded success is never sent again. A retried attempt, a
// queue redelivery or a stale attempt that reaches the provider step after
// the message went out answers with the recorded message instead. The
// ledger lives in the tenant's store (store/deliveries.ts).
import type { SentMessage } from "../store/deliveries.ts";
import { HttpErrorCode } from "./http-outcome.ts";
import type { MessageProvider } from "./message-providers.ts";
import { type ExecutionContext, type ExecutionOutcome, permanentFailure } from "./types.ts";

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
    status: "sent",
    createdAt: ctx.now,
  });
}

/** Failures after which a provider may have taken the message anyway (no answer came). */
const NO_ANSWER: ReadonlySet<string> = new Set([HttpErrorCode.timeout, HttpErrorCode.networkError]);

/**
 * `provider` behind the ledger: looked up before sending, written after a
 * success. Email (Resend) closes the window between the provider's answer
 * and our write with its Idempotency-Key. SMS (Twilio) has no such key, so
 * the ledger says `sending` first: an attempt that got no answer (a
 * timeout, a dropped connection, a crash) leaves the mark, and a later
 * attempt fails as `delivery_unknown` instead of sending a second SMS. An
 * answer that says no (a 4xx, 429 or 5xx) clears it, and a retry sends.
 * @example withLedger("sms", twilioProvider(settings))
 */
export function withLedger<M>(
  channel: "email" | "sms",
  provider: MessageProvider<M>,
): MessageProvider<M> {
  return {
    name: provider.name,
    async send(message, ctx): Promise<ExecutionOutcome> {
      if (channel === "sms") {
        const begun = await ctx.store.beginDelivery(ctx.tenantId, {
          idempotencyKey: ctx.idempotencyKey,
          channel,
          provider: provider.name,
          createdAt: ctx.now,
        });
        if (begun.state === "sent") return { status: "succeeded", output: begun.sent };
        if (begun.state === "sending") {
          return permanentFailure(
            "delivery_unknown",
            `an earlier attempt handed this SMS to ${provider.name} at ${begun.since} and got no answer: it may have been sent, so it is not sent again (check ${provider.name}'s log)`,
          );
        }
      } else {
        const recorded = await ctx.store.recordedDelivery(ctx.tenantId, ctx.idempotencyKey);
        if (recorded) return { status: "succeeded", output: recorded };
      }
      const outcome = await provider.send(message, ctx);
      if (outcome.status !== "succeeded") {
        // A deferral sent nothing either.
        if (
          channel === "sms" &&
          (outcome.status === "deferred" || !NO_ANSWER.has(outcome.error.code))
        )
          await ctx.store.abandonDelivery(ctx.tenantId, ctx.idempotencyKey);
        return outcome;
      }
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
