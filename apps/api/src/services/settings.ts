// Per-tenant settings (API.md, "Settings"): the secret that signs outbound
// webhooks, and the email and SMS providers. Secrets and credentials live
// only encrypted (lib/secrets.ts); the views this module hands to routes
// never carry them. Every change is one `settings.updated` audit entry,
// written in the same batch as the change.
import { and, eq, isNull, sql } from "drizzle-orm";
import type { Actor } from "../auth/principal.ts";
import type { Db } from "../db/client.ts";
import { tenantSettings } from "../db/schema.ts";
import type { Env } from "../env.ts";
import { ApiError, ErrorCode } from "../errors.ts";
import { decryptSecret, encryptSecret, newWebhookSecret } from "../lib/secrets.ts";
import { AuditType, commitWithAudit, commitWithAuditIf } from "../repositories/audit.ts";
import { RequiredSecret, requiredSecret } from "../required-secrets.ts";
import { auditKeyOf } from "./context.ts";

const encryptionKeyOf = (env: Env): string => requiredSecret(env, RequiredSecret.encryptionKey);

/** After a rotation the previous secret keeps signing this long (API.md). */
export const SIGNING_GRACE_MS = 24 * 60 * 60 * 1000;

export type SettingsRow = typeof tenantSettings.$inferSelect;

export async function settingsRow(db: Db, tenantId: string): Promise<SettingsRow | undefined> {
  const rows = await db
    .select()
    .from(tenantSettings)
    .where(eq(tenantSettings.tenantId, tenantId))
    .limit(1);
  return rows[0];
}

/**
 * What executors read on every step (providers, the signing secret) comes
 * from a per-isolate copy at most SETTINGS_CACHE_MS old, so a step does not
 * read D1. A change made here is seen at once in this isolate and within
 * that window in others: a provider switch may send one more message
 * through the previous provider; a rotated signing secret is covered by
 * its 24-hour grace.
 */
export const SETTINGS_CACHE_MS = 10_000;
const cached = new Map<string, { row: SettingsRow | undefined; until: number }>();

export async function cachedSettingsRow(
  db: Db,
  tenantId: string,
): Promise<SettingsRow | undefined> {
  const now = Date.now();
  const hit = cached.get(tenantId);
  if (hit && hit.until > now) return hit.row;
  const row = await settingsRow(db, tenantId);
  if (cached.size >= 10_000) cached.clear();
  cached.set(tenantId, { row, until: now + SETTINGS_CACHE_MS });
  return row;
}

/** After a write: this isolate reads the new settings at once. */
export function forgetSettings(tenantId: string): void {
  cached.delete(tenantId);
}

export interface SigningSecrets {
  current: string;
  /** The secret before the last rotation, while its grace lasts. */
  previous: string | null;
  previousExpiresAt: string | null;
}

/**
 * The tenant's outbound signing secrets, the first one created on first use
 * (by an admin reading it, or by the first webhook call).
 * @example const { current, previous } = await signingSecrets(db, env, tenantId, actor, now)
 */
export async function signingSecrets(
  db: Db,
  env: Env,
  tenantId: string,
  actor: Actor,
  now: string,
): Promise<SigningSecrets> {
  let row = await cachedSettingsRow(db, tenantId);
  if (!row?.webhookSecretEnc) {
    const enc = await encryptSecret(encryptionKeyOf(env), newWebhookSecret());
    await commitWithAudit(
      db,
      auditKeyOf(env),
      tenantId,
      now,
      () => [
        // Two first uses at once: the secret written first wins, both read it back.
        db
          .insert(tenantSettings)
          .values({ tenantId, webhookSecretEnc: enc, updatedAt: now })
          .onConflictDoUpdate({
            target: tenantSettings.tenantId,
            set: { webhookSecretEnc: enc, updatedAt: now },
            setWhere: isNull(tenantSettings.webhookSecretEnc),
          }),
      ],
      [
        {
          type: AuditType.settingsUpdated,
          actor,
          subject: "webhook-signing",
          details: { webhookSigning: "created" },
        },
      ],
    );
    forgetSettings(tenantId);
    row = await settingsRow(db, tenantId);
  }
  const key = encryptionKeyOf(env);
  const current = await decryptSecret(key, row!.webhookSecretEnc!);
  const graceLasts =
    row!.webhookPreviousSecretEnc !== null &&
    row!.webhookPreviousExpiresAt !== null &&
    row!.webhookPreviousExpiresAt > now;
  return {
    current,
    previous: graceLasts ? await decryptSecret(key, row!.webhookPreviousSecretEnc!) : null,
    previousExpiresAt: graceLasts ? row!.webhookPreviousExpiresAt : null,
  };
}

/**
 * A new signing secret; the one it replaces keeps signing for 24 hours so
 * receivers can switch without downtime. One conditional UPDATE: the
 * previous secret becomes what the row holds, and only while it holds the
 * secret read here (fresh from D1, never the isolate's copy). A rotation
 * that loses the race to another changes nothing, writes no entry and is
 * a 409: retrying it would push the winner's secret, already handed out,
 * out of the previous slot, and every secret answered must keep signing.
 */
export async function rotateSigningSecret(
  db: Db,
  env: Env,
  tenantId: string,
  actor: Actor,
  now: string,
): Promise<{ secret: string; previousSecretExpiresAt: string }> {
  // Creates the first secret when there is none yet.
  await signingSecrets(db, env, tenantId, actor, now);
  const read = (await settingsRow(db, tenantId))!.webhookSecretEnc!;
  const secret = newWebhookSecret();
  const expires = new Date(Date.parse(now) + SIGNING_GRACE_MS).toISOString();
  const currentEnc = await encryptSecret(encryptionKeyOf(env), secret);
  const [rotated] = await commitWithAuditIf(
    db,
    auditKeyOf(env),
    tenantId,
    now,
    () => [
      db
        .update(tenantSettings)
        .set({
          webhookSecretEnc: currentEnc,
          webhookPreviousSecretEnc: sql`${tenantSettings.webhookSecretEnc}`,
          webhookPreviousExpiresAt: expires,
          updatedAt: now,
        })
        .where(
          and(eq(tenantSettings.tenantId, tenantId), eq(tenantSettings.webhookSecretEnc, read)),
        )
        .returning({ tenantId: tenantSettings.tenantId }),
    ],
    [
      {
        type: AuditType.settingsUpdated,
        actor,
        subject: "webhook-signing",
        details: { webhookSigning: "rotated", previousSecretExpiresAt: expires },
      },
    ],
    {
      onlyIf: sql`EXISTS (SELECT 1 FROM ${tenantSettings} WHERE ${and(
        eq(tenantSettings.tenantId, tenantId),
        eq(tenantSettings.webhookSecretEnc, currentEnc),
      )})`,
    },
  );
  forgetSettings(tenantId);
  if ((rotated as unknown[]).length === 0) {
    throw new ApiError(
      409,
      ErrorCode.conflict,
      "Another rotation of the signing secret finished first; its secret is the current one. Rotate again for a new one",
    );
  }
  return { secret, previousSecretExpiresAt: expires };
}

export const EmailProviderName = { outbox: "outbox", resend: "resend" } as const;
export type EmailProviderName = (typeof EmailProviderName)[keyof typeof EmailProviderName];
export const SmsProviderName = { outbox: "outbox", twilio: "twilio" } as const;
export type SmsProviderName = (typeof SmsProviderName)[keyof typeof SmsProviderName];

/** What anyone with read rights sees: never credentials. */
export interface ProvidersView {
  email: { provider: EmailProviderName; from: string | null };
  sms: { provider: SmsProviderName; from: string | null };
}

export type ProvidersInput = {
  email?:
    | { provider: "outbox"; from?: string | null | undefined }
    | { provider: "resend"; from: string; apiKey?: string | undefined };
  sms?:
    | { provider: "outbox"; from?: string | null | undefined }
    | {
        provider: "twilio";
        from: string;
        accountSid?: string | undefined;
        authToken?: string | undefined;
      };
};

export interface ResendCredentials {
  apiKey: string;
}
export interface TwilioCredentials {
  accountSid: string;
  authToken: string;
}

type Channel = "email" | "sms";
type Stored = { provider: string; from: string | null };

const OUTBOX: Stored = { provider: "outbox", from: null };

function storedOf(text: string | null | undefined): Stored {
  if (!text) return OUTBOX;
  const v = JSON.parse(text) as Stored;
  return { provider: v.provider, from: v.from ?? null };
}

export function providersView(row: SettingsRow | undefined): ProvidersView {
  return {
    email: storedOf(row?.emailProvider) as ProvidersView["email"],
    sms: storedOf(row?.smsProvider) as ProvidersView["sms"],
  };
}

/** A channel's provider with its credentials decrypted, for the executors only. */
export async function providerConfig<C>(
  db: Db,
  env: Env,
  tenantId: string,
  channel: Channel,
): Promise<{ provider: string; from: string | null; credentials: C | null }> {
  const row = await cachedSettingsRow(db, tenantId);
  const stored = storedOf(channel === "email" ? row?.emailProvider : row?.smsProvider);
  const enc = channel === "email" ? row?.emailCredentialsEnc : row?.smsCredentialsEnc;
  const credentials = enc
    ? (JSON.parse(await decryptSecret(encryptionKeyOf(env), enc)) as C)
    : null;
  return { ...stored, credentials };
}

/**
 * Replaces the providers of the channels given (an omitted channel stays as
 * it is). Credentials may be left out to keep the stored ones of the same
 * provider; switching to the outbox clears them.
 */
export async function putProviders(
  db: Db,
  env: Env,
  tenantId: string,
  actor: Actor,
  input: ProvidersInput,
  now: string,
): Promise<ProvidersView> {
  const row = await settingsRow(db, tenantId);
  const before = providersView(row);
  const set: Partial<SettingsRow> = {};
  const credentialsChanged: Channel[] = [];

  if (input.email) {
    const e = input.email;
    set.emailProvider = JSON.stringify({ provider: e.provider, from: e.from ?? null });
    if (e.provider === "outbox") set.emailCredentialsEnc = null;
    else if (e.apiKey !== undefined) {
      set.emailCredentialsEnc = await encryptSecret(
        encryptionKeyOf(env),
        JSON.stringify({ apiKey: e.apiKey }),
      );
      credentialsChanged.push("email");
    } else if (before.email.provider !== "resend" || !row?.emailCredentialsEnc) {
      throw missing("email.apiKey", "Resend needs an apiKey");
    }
    if (e.provider === "outbox" && row?.emailCredentialsEnc) credentialsChanged.push("email");
  }
  if (input.sms) {
    const s = input.sms;
    set.smsProvider = JSON.stringify({ provider: s.provider, from: s.from ?? null });
    if (s.provider === "outbox") set.smsCredentialsEnc = null;
    else if (s.accountSid !== undefined && s.authToken !== undefined) {
      const creds: TwilioCredentials = { accountSid: s.accountSid, authToken: s.authToken };
      set.smsCredentialsEnc = await encryptSecret(encryptionKeyOf(env), JSON.stringify(creds));
      credentialsChanged.push("sms");
    } else if (s.accountSid !== undefined || s.authToken !== undefined) {
      throw missing(
        s.accountSid === undefined ? "sms.accountSid" : "sms.authToken",
        "Twilio needs accountSid and authToken together",
      );
    } else if (before.sms.provider !== "twilio" || !row?.smsCredentialsEnc) {
      throw missing("sms.accountSid", "Twilio needs accountSid and authToken");
    }
    if (s.provider === "outbox" && row?.smsCredentialsEnc) credentialsChanged.push("sms");
  }

  const after: ProvidersView = {
    email: input.email ? storedOf(set.emailProvider) : before.email,
    sms: input.sms ? storedOf(set.smsProvider) : before.sms,
  } as ProvidersView;
  await commitWithAudit(
    db,
    auditKeyOf(env),
    tenantId,
    now,
    () => [
      db
        .insert(tenantSettings)
        .values({ tenantId, ...set, updatedAt: now })
        .onConflictDoUpdate({ target: tenantSettings.tenantId, set: { ...set, updatedAt: now } }),
    ],
    [
      {
        type: AuditType.settingsUpdated,
        actor,
        subject: "providers",
        // Which credentials changed, never what they are.
        details: { ...after, credentialsChanged },
      },
    ],
  );
  forgetSettings(tenantId);
  return after;
}

function missing(path: string, message: string): ApiError {
  return new ApiError(400, ErrorCode.badRequest, message, [{ path, message }]);
}
