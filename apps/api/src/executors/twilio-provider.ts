// SMS through Twilio's REST API (POST …/Accounts/{sid}/Messages.json,
// form-encoded, Basic auth) with plain fetch. Twilio has no idempotency key
// for sending, so the delivery ledger is what keeps a retry from texting
// twice (delivery-ledger.ts).
import { excerpt, failureForFetchError, failureForStatus, readCapped } from "./http-outcome.ts";
import type { MessageProvider, SmsMessage } from "./message-providers.ts";
import { redact } from "./resend-provider.ts";
import { type ExecutionOutcome, permanentFailure } from "./types.ts";

export const TWILIO_API_URL = "https://api.twilio.com";

export interface TwilioSettings {
  accountSid: string;
  authToken: string;
  /** A sending number, or a Messaging Service SID (MG…). */
  from: string;
  /** SWITCHYARD_TWILIO_API_URL in tests; production leaves it unset. */
  baseUrl?: string | undefined;
}

/**
 * A provider that sends through Twilio with the tenant's account.
 * @example twilioProvider({ accountSid: "AC…", authToken: "…", from: "+15005550006" })
 */
export function twilioProvider(settings: TwilioSettings): MessageProvider<SmsMessage> {
  const base = (settings.baseUrl || TWILIO_API_URL).replace(/\/+$/, "");
  const url = `${base}/2010-04-01/Accounts/${encodeURIComponent(settings.accountSid)}/Messages.json`;
  return {
    name: "twilio",
    async send(m, ctx): Promise<ExecutionOutcome> {
      const form = new URLSearchParams({ To: m.to, Body: m.body });
      if (/^MG[0-9a-f]{32}$/i.test(settings.from)) form.set("MessagingServiceSid", settings.from);
      else form.set("From", settings.from);
      let res: Response;
      try {
        res = await fetch(url, {
          method: "POST",
          headers: {
            authorization: `Basic ${btoa(`${settings.accountSid}:${settings.authToken}`)}`,
            "content-type": "application/x-www-form-urlencoded",
            "user-agent": "Switchyard/1",
          },
          body: form.toString(),
          signal: ctx.signal,
        });
      } catch (err) {
        return failureForFetchError(err, ctx.signal, "Twilio");
      }
      const { text } = await readCapped(res, 16 * 1024);
      const answer = parse(text);
      if (res.ok && typeof answer?.sid === "string") {
        return { status: "succeeded", output: { messageId: answer.sid, provider: "twilio" } };
      }
      // Not retried: with no idempotency key, another try could text twice.
      if (res.ok) {
        return permanentFailure(
          "http_error",
          `Twilio answered ${res.status} without a message sid; the message may have been sent`,
        );
      }
      const detail = answer?.message
        ? `${answer.code !== undefined ? `${answer.code} ` : ""}${answer.message}`
        : excerpt(text);
      return failureForStatus(res, "Twilio", redact(detail, settings.authToken), Date.now());
    },
  };
}

function parse(text: string): { sid?: unknown; code?: unknown; message?: string } | null {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === "object" && v !== null ? (v as Record<string, string>) : null;
  } catch {
    return null;
  }
}
