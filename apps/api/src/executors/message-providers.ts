// Where send_email and send_sms hand their message over. The built-in outbox
// is the default; issue 6 adds Resend and Twilio, chosen by the tenant's
// provider settings in `emailProviderFor` / `smsProviderFor`, without
// touching the executors.
import { outboxEmailProvider, outboxSmsProvider } from "./outbox-provider.ts";
import type { ExecutionContext, ExecutionOutcome } from "./types.ts";

export interface EmailMessage {
  to: string;
  subject: string;
  body: string;
  cc?: string | undefined;
  replyTo?: string | undefined;
}

export interface SmsMessage {
  to: string;
  body: string;
}

/**
 * One way of delivering a message. A success's output is `{ messageId,
 * provider }`; `ctx.idempotencyKey` is the provider's idempotency key where
 * it has one, so a retried attempt does not send twice.
 */
export interface MessageProvider<M> {
  /** Reported as `output.provider`: "outbox", "resend", "twilio". */
  name: string;
  send(message: M, ctx: ExecutionContext): Promise<ExecutionOutcome>;
}

/** The tenant's email provider; the outbox until settings say otherwise. */
export async function emailProviderFor(
  _ctx: ExecutionContext,
): Promise<MessageProvider<EmailMessage>> {
  return outboxEmailProvider;
}

/** The tenant's SMS provider; the outbox until settings say otherwise. */
export async function smsProviderFor(_ctx: ExecutionContext): Promise<MessageProvider<SmsMessage>> {
  return outboxSmsProvider;
}

/** Deliberately loose: providers do the strict checks; this catches what rendering got wrong. */
export const EMAIL_ADDRESS = /^[^\s@<>,;]+@[^\s@<>,;]+$/;
export const PHONE_NUMBER = /^\+?[0-9][0-9 ().-]{3,30}$/;
