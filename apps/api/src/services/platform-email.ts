// The platform's own emails (password resets): not a tenant's, so never
// through a tenant's provider or into a tenant's outbox, where that
// tenant's admins could read another person's reset link. With
// SWITCHYARD_PLATFORM_EMAIL_FROM and SWITCHYARD_PLATFORM_RESEND_API_KEY set,
// they go by Resend; without (local development) they are kept in the
// platform outbox, readable with the platform token only.
import type { Db } from "../db/client.ts";
import { platformOutbox } from "../db/schema.ts";
import type { Env } from "../env.ts";
import type { EmailMessage } from "../executors/message-providers.ts";
import { resendProvider } from "../executors/resend-provider.ts";
import { type ExecutionContext, outcomeMessage } from "../executors/types.ts";
import { newId } from "../lib/crypto.ts";
import { nowIso } from "../lib/time.ts";

/** Sends once per `idempotencyKey`; throws when the provider refuses it. */
export async function sendPlatformEmail(
  env: Env,
  db: Db,
  message: EmailMessage,
  idempotencyKey: string,
): Promise<void> {
  const apiKey = env.SWITCHYARD_PLATFORM_RESEND_API_KEY;
  const from = env.SWITCHYARD_PLATFORM_EMAIL_FROM;
  if (!apiKey || !from) {
    await db.insert(platformOutbox).values({
      id: newId("pmsg"),
      to: message.to,
      subject: message.subject,
      body: message.body,
      createdAt: nowIso(),
    });
    return;
  }
  const provider = resendProvider({ apiKey, from, baseUrl: env.SWITCHYARD_RESEND_API_URL });
  // The provider reads only these two from an execution context.
  const ctx = { idempotencyKey, signal: AbortSignal.timeout(15_000) } as ExecutionContext;
  const outcome = await provider.send(message, ctx);
  if (outcome.status !== "succeeded") {
    throw new Error(`platform email to ${message.to} not sent: ${outcomeMessage(outcome)}`);
  }
}
