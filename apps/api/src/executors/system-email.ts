// Emails the platform sends on a tenant's behalf (invitations): through
// the tenant's own email provider, like send_email, so they land in its
// outbox until the tenant configures Resend. Not a run: no run or step.

import { rootCausation } from "@switchyard/engine";
import type { Db } from "../db/client.ts";
import type { Env } from "../env.ts";
import { nowIso } from "../lib/time.ts";
import { storeFor } from "../store/client.ts";
import { type EmailMessage, emailProviderFor } from "./message-providers.ts";
import type { ExecutionOutcome } from "./types.ts";

/** Sends once per `idempotencyKey` (a replay answers like the first send). */
export async function sendSystemEmail(
  env: Env,
  db: Db,
  tenantId: string,
  message: EmailMessage,
  idempotencyKey: string,
): Promise<ExecutionOutcome> {
  const ctx = {
    env,
    db,
    store: storeFor(env, tenantId),
    tenantId,
    workflowId: "",
    runId: "",
    stepId: "",
    attempt: 1,
    idempotencyKey,
    timeoutMs: 15_000,
    signal: AbortSignal.timeout(15_000),
    now: nowIso(),
    emit: { causation: rootCausation(idempotencyKey), eventId: idempotencyKey },
  };
  return (await emailProviderFor(ctx)).send(message, ctx);
}
