// A tenant's single sign-on settings (admins): the OpenID Connect
// connection (issuer checked by discovery, client secret stored encrypted
// and never answered) and "required"; its email domains are in
// sso-domains.ts. Every change is audited in the tenant's chain, without
// the secret.
import { and, eq, ne } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { actorOf, type Principal, type Role, SessionMethod } from "../auth/principal.ts";
import type { Db } from "../db/client.ts";
import { sessions, ssoConnections, ssoDomains, ssoLogins } from "../db/schema.ts";
import type { Env } from "../env.ts";
import { ApiError, ErrorCode, notFound } from "../errors.ts";
import { discover, OidcError } from "../lib/oidc.ts";
import { encryptSecret } from "../lib/secrets.ts";
import type { GuardSettings } from "../lib/ssrf.ts";
import { nowIso } from "../lib/time.ts";
import { AuditType, commitWithAudit } from "../repositories/audit.ts";
import { getConnection, listDomains, type SsoConnectionRow } from "../repositories/sso.ts";
import { RequiredSecret, requiredSecret } from "../required-secrets.ts";
import { auditKeyOf } from "./context.ts";
import { domainView, type SsoDomainView } from "./sso-domains.ts";

/** Where the identity provider sends people back; register it there. */
export const CALLBACK_PATH = "/v1/auth/sso/callback";

export type SsoRole = Extract<Role, "admin" | "editor" | "viewer">;

export interface SsoConnectionView {
  issuer: string;
  clientId: string;
  /** The secret is write-only: only whether one is stored. */
  clientSecretSet: true;
  defaultRole: SsoRole;
  enabled: boolean;
  required: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface SsoSettingsView {
  connection: SsoConnectionView | null;
  redirectUri: string;
  domains: SsoDomainView[];
}

/** The outbound guard of every call to an identity provider (as for call_webhook). */
export function guardOf(env: Env): GuardSettings {
  return {
    allowPrivate: env.SWITCHYARD_ALLOW_PRIVATE_WEBHOOKS,
    allowHosts: env.SWITCHYARD_WEBHOOK_ALLOW_HOSTS,
  };
}

/** This platform's callback URL: the public URL when set, else the request's origin. */
export function redirectUriOf(env: Env, requestUrl: string): string {
  const base = env.SWITCHYARD_PUBLIC_URL || new URL(requestUrl).origin;
  return `${base.replace(/\/+$/, "")}${CALLBACK_PATH}`;
}

function connectionView(row: SsoConnectionRow): SsoConnectionView {
  return {
    issuer: row.issuer,
    clientId: row.clientId,
    clientSecretSet: true,
    defaultRole: row.defaultRole,
    enabled: row.enabled,
    required: row.required,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export async function ssoSettings(
  env: Env,
  db: Db,
  tenantId: string,
  requestUrl: string,
): Promise<SsoSettingsView> {
  const [row, domains] = await Promise.all([
    getConnection(db, tenantId),
    listDomains(db, tenantId),
  ]);
  return {
    connection: row ? connectionView(row) : null,
    redirectUri: redirectUriOf(env, requestUrl),
    domains: domains.map(domainView),
  };
}

export interface SsoUpdate {
  issuer: string;
  clientId: string;
  clientSecret?: string | undefined;
  defaultRole: SsoRole;
  enabled: boolean;
  required: boolean;
}

const invalid = (path: string, message: string) =>
  new ApiError(422, ErrorCode.validationFailed, message, [{ path, message }]);

/**
 * Creates or replaces the connection. The issuer must answer its discovery
 * document; turning "required" on ends the tenant's sessions that were not
 * opened by single sign-on.
 */
export async function putSso(
  env: Env,
  db: Db,
  caller: Principal,
  body: SsoUpdate,
): Promise<SsoConnectionView> {
  const tenantId = caller.tenantId;
  const before = await getConnection(db, tenantId);
  if (!before && !body.clientSecret) {
    throw invalid("clientSecret", "Enter the client secret your identity provider gave you");
  }
  const issuer = body.issuer.trim();
  let issuerUrl: URL;
  try {
    issuerUrl = new URL(issuer);
  } catch {
    throw invalid("issuer", "The issuer is a URL, e.g. https://login.example.com");
  }
  if (issuerUrl.protocol !== "https:" && env.SWITCHYARD_ALLOW_PRIVATE_WEBHOOKS !== "true") {
    throw invalid("issuer", "The issuer must be an https:// URL");
  }
  const requiredNow = body.enabled && body.required;
  const requiredBefore = before?.enabled === true && before.required;
  if (body.required && !body.enabled) {
    throw invalid("required", "Turn single sign-on on before requiring it");
  }
  if (requiredNow && !requiredBefore) {
    const domains = await listDomains(db, tenantId);
    if (!domains.some((d) => d.verifiedAt)) {
      throw new ApiError(
        409,
        ErrorCode.conflict,
        "Verify an email domain first: nobody could sign in by single sign-on otherwise",
      );
    }
    // Whoever requires single sign-on from the builder has used it: a
    // mistake in the settings must not lock every person out at once.
    if (caller.kind === "user" && caller.method !== SessionMethod.sso) {
      throw new ApiError(
        409,
        ErrorCode.conflict,
        "Sign in with single sign-on yourself first (sign out, then 'Sign in with single sign-on'), then require it",
      );
    }
  }
  try {
    await discover(issuer, guardOf(env));
  } catch (err) {
    if (err instanceof OidcError) {
      throw invalid("issuer", `The identity provider could not be checked: ${err.message}`);
    }
    throw err;
  }
  const at = nowIso();
  const secretEnc = body.clientSecret
    ? await encryptSecret(requiredSecret(env, RequiredSecret.encryptionKey), body.clientSecret)
    : before!.clientSecretEnc;
  const values = {
    issuer,
    clientId: body.clientId,
    clientSecretEnc: secretEnc,
    defaultRole: body.defaultRole,
    enabled: body.enabled,
    required: body.required,
    updatedAt: at,
  };
  const items: BatchItem<"sqlite">[] = [
    db
      .insert(ssoConnections)
      .values({ tenantId, ...values, createdAt: at })
      .onConflictDoUpdate({ target: ssoConnections.tenantId, set: values }),
  ];
  if (requiredNow && !requiredBefore) {
    items.push(
      db
        .delete(sessions)
        .where(and(eq(sessions.tenantId, tenantId), ne(sessions.method, SessionMethod.sso))),
    );
  }
  await commitWithAudit(db, auditKeyOf(env), tenantId, at, () => items, [
    {
      type: AuditType.ssoUpdated,
      actor: actorOf(caller),
      subject: tenantId,
      details: {
        issuer,
        clientId: body.clientId,
        defaultRole: body.defaultRole,
        enabled: body.enabled,
        required: body.required,
        secretChanged: Boolean(body.clientSecret),
        ...(requiredNow && !requiredBefore ? { passwordSessionsEnded: true } : {}),
      },
    },
  ]);
  return connectionView({ tenantId, ...values, createdAt: before?.createdAt ?? at });
}

/** Removes the connection and the domains; sign-ins in flight end. */
export async function deleteSso(env: Env, db: Db, caller: Principal): Promise<void> {
  const tenantId = caller.tenantId;
  const before = await getConnection(db, tenantId);
  const domains = await listDomains(db, tenantId);
  if (!before && domains.length === 0) throw notFound("Single sign-on");
  await commitWithAudit(
    db,
    auditKeyOf(env),
    tenantId,
    nowIso(),
    () => [
      db.delete(ssoConnections).where(eq(ssoConnections.tenantId, tenantId)),
      db.delete(ssoDomains).where(eq(ssoDomains.tenantId, tenantId)),
      db.delete(ssoLogins).where(eq(ssoLogins.tenantId, tenantId)),
    ],
    [
      {
        type: AuditType.ssoDeleted,
        actor: actorOf(caller),
        subject: tenantId,
        details: { issuer: before?.issuer ?? null, domains: domains.map((d) => d.domain) },
      },
    ],
  );
}
