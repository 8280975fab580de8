// Where send_email and send_sms hand their message over. The built-in outbox
// is the default; Resend and Twilio are chosen by the tenant's provider
// settings (GET/PUT /v1/settings/providers) in `emailProviderFor` /
// `smsProviderFor`, without touching the executors. External providers sit
// behind the delivery ledger; the outbox is exactly-once on its own.
import {
  providerConfig,
  type ResendCredentials,
  type TwilioCredentials,
} from "../services/settings.ts";
import { withLedger } from "./delivery-ledger.ts";
import { outboxEmailProvider, outboxSmsProvider } from "./outbox-provider.ts";
import { resendProvider } from "./resend-provider.ts";
import { twilioProvider } from "./twilio-provider.ts";
import { type ExecutionContext, type ExecutionOutcome, permanentFailure } from "./types.ts";

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
  ctx: ExecutionContext,
): Promise<MessageProvider<EmailMessage>> {
  const cfg = await configOf<ResendCredentials>(ctx, "email");
  if (cfg === null) return misconfigured("email");
  if (cfg.provider !== "resend") return outboxEmailProvider;
  if (!cfg.credentials || !cfg.from) return misconfigured("email");
  return withLedger(
    "email",
    resendProvider({
      apiKey: cfg.credentials.apiKey,
      from: cfg.from,
      baseUrl: ctx.env.SWITCHYARD_RESEND_API_URL,
    }),
  );
}

/** The tenant's SMS provider; the outbox until settings say otherwise. */
export async function smsProviderFor(ctx: ExecutionContext): Promise<MessageProvider<SmsMessage>> {
  const cfg = await configOf<TwilioCredentials>(ctx, "sms");
  if (cfg === null) return misconfigured("sms");
  if (cfg.provider !== "twilio") return outboxSmsProvider;
  if (!cfg.credentials || !cfg.from) return misconfigured("sms");
  return withLedger(
    "sms",
    twilioProvider({
      ...cfg.credentials,
      from: cfg.from,
      baseUrl: ctx.env.SWITCHYARD_TWILIO_API_URL,
    }),
  );
}

/** The channel's settings, or null when its credentials cannot be decrypted. */
async function configOf<C>(ctx: ExecutionContext, channel: "email" | "sms") {
  try {
    return await providerConfig<C>(ctx.db, ctx.env, ctx.tenantId, channel);
  } catch (err) {
    // A changed SWITCHYARD_ENCRYPTION_KEY, most likely: the operator's to fix,
    // so the step says so instead of retrying. Never the credentials themselves.
    const decrypting =
      (typeof DOMException !== "undefined" && err instanceof DOMException) ||
      (err instanceof Error && /secret format|ENCRYPTION_KEY/.test(err.message));
    if (decrypting) {
      return null;
    }
    throw err;
  }
}

/** A provider that fails every send, saying the settings need fixing. */
function misconfigured<M>(channel: "email" | "sms"): MessageProvider<M> {
  return {
    name: "misconfigured",
    send: async () =>
      permanentFailure(
        "provider_misconfigured",
        `the ${channel} provider's settings are incomplete or unreadable; save them again in settings`,
      ),
  };
}

/** Deliberately loose: providers do the strict checks; this catches what rendering got wrong. */
export const EMAIL_ADDRESS = /^[^\s@<>,;]+@[^\s@<>,;]+$/;
export const PHONE_NUMBER = /^\+?[0-9][0-9 ().-]{3,30}$/;
