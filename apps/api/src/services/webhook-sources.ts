// Rotating an inbound webhook source's secret (POST
// /v1/webhook-sources/:id/rotate-secret).
import { and, eq, isNull, sql } from "drizzle-orm";
import type { Actor } from "../auth/principal.ts";
import type { Db } from "../db/client.ts";
import { webhookSources } from "../db/schema.ts";
import type { Env } from "../env.ts";
import { ApiError, ErrorCode } from "../errors.ts";
import { encryptSecret, newWebhookSecret } from "../lib/secrets.ts";
import { AuditType, commitWithAuditIf } from "../repositories/audit.ts";
import type { WebhookSourceRow } from "../repositories/webhook-sources.ts";
import { RequiredSecret, requiredSecret } from "../required-secrets.ts";
import { auditKeyOf } from "./context.ts";

/** After a rotation the old secret keeps verifying this long (API.md). */
export const SECRET_GRACE_MS = 24 * 60 * 60 * 1000;

/**
 * A new secret for `s` (as read by the caller); the one it replaces keeps
 * verifying for SECRET_GRACE_MS. One conditional UPDATE: the previous
 * secret becomes what the row holds, and only while it still holds the
 * secret read. Of rotations at the same moment one wins; the others change
 * nothing, write no entry and answer 409. Retrying them instead would push
 * the winner's secret, already handed out, out of the previous slot, and
 * every secret answered must verify afterwards.
 * @example const { secret } = await rotateSourceSecret(db, env, source, actor, nowIso())
 */
export async function rotateSourceSecret(
  db: Db,
  env: Env,
  s: WebhookSourceRow,
  actor: Actor,
  at: string,
): Promise<{ secret: string; previousSecretExpiresAt: string }> {
  const secret = newWebhookSecret();
  const expires = new Date(Date.parse(at) + SECRET_GRACE_MS).toISOString();
  const secretEnc = await encryptSecret(requiredSecret(env, RequiredSecret.encryptionKey), secret);
  const source = and(
    eq(webhookSources.tenantId, s.tenantId),
    eq(webhookSources.id, s.id),
    isNull(webhookSources.deletedAt),
  );
  const [rotated] = await commitWithAuditIf(
    db,
    auditKeyOf(env),
    s.tenantId,
    at,
    () => [
      db
        .update(webhookSources)
        .set({
          secretEnc,
          previousSecretEnc: sql`${webhookSources.secretEnc}`,
          previousExpiresAt: expires,
          rotatedAt: at,
        })
        .where(and(source, eq(webhookSources.secretEnc, s.secretEnc)))
        .returning({ id: webhookSources.id }),
    ],
    [
      {
        type: AuditType.webhookSourceRotated,
        actor,
        subject: s.id,
        details: { previousSecretExpiresAt: expires },
      },
    ],
    {
      // The entry only with the rotation: the row holds our new secret.
      onlyIf: sql`EXISTS (SELECT 1 FROM ${webhookSources} WHERE ${and(source, eq(webhookSources.secretEnc, secretEnc))})`,
    },
  );
  if ((rotated as unknown[]).length === 0) {
    throw new ApiError(
      409,
      ErrorCode.conflict,
      "Another rotation of this secret finished first; its secret is the current one. Rotate again for a new one",
    );
  }
  return { secret, previousSecretExpiresAt: expires };
}
