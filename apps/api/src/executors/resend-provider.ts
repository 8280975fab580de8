// Email through Resend's REST API (POST /emails) with plain fetch. Resend
// keeps an Idempotency-Key for 24 hours, so a retried attempt whose first
// try did reach Resend gets the same email back instead of a second send.
import { excerpt, failureForFetchError, failureForStatus, readCapped } from "./http-outcome.ts";
import type { EmailMessage, MessageProvider } from "./message-providers.ts";
import { type ExecutionOutcome, transientFailure } from "./types.ts";

export const RESEND_API_URL = "https://api.resend.com";

export interface ResendSettings {
  apiKey: string;
  from: string;
  /** SWITCHYARD_RESEND_API_URL in tests; production leaves it unset. */
  baseUrl?: string | undefined;
}

/**
 * A provider that sends through Resend with the tenant's key and sender.
 * @example resendProvider({ apiKey: "re_…", from: "Acme <ops@acme.example>" })
 */
export function resendProvider(settings: ResendSettings): MessageProvider<EmailMessage> {
  const base = (settings.baseUrl || RESEND_API_URL).replace(/\/+$/, "");
  return {
    name: "resend",
    async send(m, ctx): Promise<ExecutionOutcome> {
      const payload = {
        from: settings.from,
        to: [m.to],
        subject: m.subject,
        text: m.body,
        ...(m.cc ? { cc: [m.cc] } : {}),
        ...(m.replyTo ? { reply_to: m.replyTo } : {}),
      };
      let res: Response;
      try {
        res = await fetch(`${base}/emails`, {
          method: "POST",
          headers: {
            authorization: `Bearer ${settings.apiKey}`,
            "content-type": "application/json",
            "idempotency-key": ctx.idempotencyKey,
            "user-agent": "Switchyard/1",
          },
          body: JSON.stringify(payload),
          signal: ctx.signal,
        });
      } catch (err) {
        return failureForFetchError(err, ctx.signal, "Resend");
      }
      const { text } = await readCapped(res, 16 * 1024);
      const answer = parse(text);
      if (res.ok && typeof answer?.id === "string") {
        return { status: "succeeded", output: { messageId: answer.id, provider: "resend" } };
      }
      const detail = redact(
        answer?.message ? `${answer.name ?? "error"}: ${answer.message}` : excerpt(text),
        settings.apiKey,
      );
      // The same key still in flight at Resend: wait and ask again.
      if (res.status === 409 && answer?.name === "concurrent_idempotent_requests") {
        return transientFailure("http_error", `Resend answered 409: ${detail}`);
      }
      if (res.ok)
        return transientFailure("http_error", `Resend answered ${res.status} without an id`);
      return failureForStatus(res, "Resend", detail, Date.now());
    },
  };
}

function parse(text: string): { id?: unknown; name?: string; message?: string } | null {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === "object" && v !== null ? (v as Record<string, string>) : null;
  } catch {
    return null;
  }
}

/** Never let a credential reach a step's error (it is shown in the builder). */
export function redact(text: string, ...secrets: string[]): string {
  let out = text;
  for (const s of secrets) if (s) out = out.replaceAll(s, "[redacted]");
  return out;
}
