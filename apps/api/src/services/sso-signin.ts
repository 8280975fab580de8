// Signing in by single sign-on (OpenID Connect, authorization code with
// PKCE and nonce). `start` finds the tenant by the email's verified domain
// and sends the browser to the identity provider; `finish` takes the code
// back, checks everything the browser brought against what `start` kept
// (bound to that browser by a cookie), verifies the id token, and opens an
// `sso` session: a new person gets an account without a usable password
// and, like a person new to the tenant, a membership with the connection's
// default role (just in time). Failures are coded values, never a 500:
// the route turns each into a redirect the builder puts into words.
import { and, eq, isNull, lt } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { type Actor, SessionMethod } from "../auth/principal.ts";
import { newSession } from "../auth/sessions.ts";
import type { Db } from "../db/client.ts";
import { memberships, ssoLogins, users } from "../db/schema.ts";
import type { Env } from "../env.ts";
import { newId, randomBytes, sha256Hex, timingSafeEqual, toBase64Url } from "../lib/crypto.ts";
import {
  authorizationUrl,
  type Discovery,
  discover,
  exchangeCode,
  newAuthRequestSecrets,
  OidcError,
  OidcFailure,
  verifyIdToken,
} from "../lib/oidc.ts";
import { decryptSecret, encryptSecret } from "../lib/secrets.ts";
import { type AuditInput, AuditType, commitWithAudit } from "../repositories/audit.ts";
import { connectionForDomain, domainVerifiedFor, getConnection } from "../repositories/sso.ts";
import { findUserByEmail, getMember, normalizeEmail } from "../repositories/users.ts";
import { RequiredSecret } from "../required-secrets.ts";
import { auditKeyOf } from "./context.ts";
import { guardOf, redirectUriOf } from "./sso.ts";

/** How long a sign-in may stay at the identity provider. */
export const SSO_LOGIN_MINUTES = 10;

/**
 * The password hash of an account made by single sign-on: not a
 * `pbkdf2-sha256$…` hash, so `verifyPassword` refuses every password for
 * it. "Forgot your password?" can give the person one later.
 */
export const NO_PASSWORD = "sso-only$no-password";

/** Why a single sign-on did not sign anyone in: `?sso_error=` on the sign-in page. */
export const SsoFailure = {
  invalidEmail: "invalid_email",
  noSso: "no_sso",
  expired: "expired",
  mismatch: "mismatch",
  denied: "denied",
  provider: "provider_failed",
  idToken: "id_token_invalid",
  emailUnverified: "email_unverified",
  wrongDomain: "wrong_domain",
  unavailable: "unavailable",
} as const;
export type SsoFailure = (typeof SsoFailure)[keyof typeof SsoFailure];

export class SsoSignInError extends Error {
  constructor(
    readonly failure: SsoFailure,
    message: string,
  ) {
    super(message);
    this.name = "SsoSignInError";
  }
}

const fail = (failure: SsoFailure, message: string) => new SsoSignInError(failure, message);

const EMAIL = /^[^\s@]{1,64}@([^\s@]{1,253})$/;

/** The email's domain, lower-cased, or null when it is not an email address. */
function domainOf(email: string): string | null {
  const m = EMAIL.exec(normalizeEmail(email));
  return m ? m[1]!.replace(/\.$/, "") : null;
}

async function discovered(env: Env, issuer: string): Promise<Discovery> {
  try {
    return await discover(issuer, guardOf(env));
  } catch (err) {
    if (err instanceof OidcError) throw fail(SsoFailure.provider, err.message);
    throw err;
  }
}

function encryptionKey(env: Env): string {
  const key = env[RequiredSecret.encryptionKey];
  if (!key) throw fail(SsoFailure.unavailable, `${RequiredSecret.encryptionKey} is not set`);
  return key;
}

/**
 * Begins a sign-in for `email`: the provider's authorization URL, and the
 * token for the browser's cookie (only its SHA-256 is kept).
 */
export async function startSignIn(
  env: Env,
  db: Db,
  email: string,
  requestUrl: string,
  now: number,
): Promise<{ location: string; browserToken: string }> {
  const domain = email.length <= 320 ? domainOf(email) : null;
  if (!domain) throw fail(SsoFailure.invalidEmail, "not an email address");
  const connection = await connectionForDomain(db, domain);
  if (!connection) throw fail(SsoFailure.noSso, `no single sign-on for ${domain}`);
  const d = await discovered(env, connection.issuer);
  const secrets = newAuthRequestSecrets();
  const browserToken = toBase64Url(randomBytes(32));
  const at = new Date(now).toISOString();
  const location = await authorizationUrl(d, {
    clientId: connection.clientId,
    redirectUri: redirectUriOf(env, requestUrl),
    loginHint: normalizeEmail(email),
    ...secrets,
  });
  await db.batch([
    // Sign-ins abandoned at the provider are swept as new ones begin.
    db.delete(ssoLogins).where(lt(ssoLogins.expiresAt, at)),
    db.insert(ssoLogins).values({
      browserHash: await sha256Hex(browserToken),
      tenantId: connection.tenantId,
      state: secrets.state,
      nonce: secrets.nonce,
      codeVerifierEnc: await encryptSecret(encryptionKey(env), secrets.codeVerifier),
      createdAt: at,
      expiresAt: new Date(now + SSO_LOGIN_MINUTES * 60_000).toISOString(),
    }),
  ]);
  return { location, browserToken };
}

/** What the provider's redirect brought back, and the browser's cookie. */
export interface CallbackInput {
  browserToken: string | undefined;
  code: string | undefined;
  state: string | undefined;
  iss: string | undefined;
  error: string | undefined;
}

/** Takes this browser's sign-in in flight, once: a second use finds nothing. */
async function claimLogin(db: Db, browserToken: string | undefined, at: string) {
  if (!browserToken) return undefined;
  const rows = await db
    .update(ssoLogins)
    .set({ usedAt: at })
    .where(and(eq(ssoLogins.browserHash, await sha256Hex(browserToken)), isNull(ssoLogins.usedAt)))
    .returning();
  const row = rows[0];
  return row && row.expiresAt > at ? row : undefined;
}

/**
 * Completes a sign-in: the session token for the cookie, the person and
 * the tenant. Throws SsoSignInError for everything a person could cause.
 */
export async function finishSignIn(
  env: Env,
  db: Db,
  input: CallbackInput,
  requestUrl: string,
  now: number,
): Promise<{ sessionToken: string; userId: string; tenantId: string }> {
  const at = new Date(now).toISOString();
  const login = await claimLogin(db, input.browserToken, at);
  if (!login) throw fail(SsoFailure.expired, "no sign-in in flight for this browser");
  if (!input.state || !timingSafeEqual(input.state, login.state)) {
    throw fail(SsoFailure.mismatch, "the state is not this sign-in's");
  }
  if (input.error)
    throw fail(SsoFailure.denied, `the provider answered ${input.error.slice(0, 100)}`);
  if (!input.code) throw fail(SsoFailure.denied, "the provider sent no code");
  const connection = await getConnection(db, login.tenantId);
  if (!connection?.enabled) throw fail(SsoFailure.noSso, "single sign-on was turned off");
  const d = await discovered(env, connection.issuer);
  // RFC 9207: a provider that names itself must be the one asked.
  if (input.iss !== undefined && input.iss !== d.issuer) {
    throw fail(SsoFailure.mismatch, `the answer came from ${input.iss.slice(0, 200)}`);
  }
  const key = encryptionKey(env);
  let claims: Awaited<ReturnType<typeof verifyIdToken>>;
  try {
    const idToken = await exchangeCode(
      d,
      {
        clientId: connection.clientId,
        clientSecret: await decryptSecret(key, connection.clientSecretEnc),
        redirectUri: redirectUriOf(env, requestUrl),
        code: input.code,
        codeVerifier: await decryptSecret(key, login.codeVerifierEnc),
      },
      guardOf(env),
    );
    claims = await verifyIdToken(
      d,
      idToken,
      { clientId: connection.clientId, nonce: login.nonce, now },
      guardOf(env),
    );
  } catch (err) {
    if (err instanceof OidcError) {
      throw fail(
        err.failure === OidcFailure.idTokenInvalid ? SsoFailure.idToken : SsoFailure.provider,
        err.message,
      );
    }
    throw err;
  }
  if (!claims.email || !claims.emailVerified) {
    throw fail(SsoFailure.emailUnverified, "the id token has no verified email");
  }
  const email = normalizeEmail(claims.email);
  const domain = domainOf(email);
  // Only a domain this tenant proved it controls may sign people in (or
  // link an existing account): never another company's people.
  if (!domain || !(await domainVerifiedFor(db, login.tenantId, domain))) {
    throw fail(SsoFailure.wrongDomain, `${domain ?? email} is not verified for this workspace`);
  }
  return joinAndSignIn(env, db, {
    tenantId: login.tenantId,
    email,
    name: claims.name,
    defaultRole: connection.defaultRole,
    issuer: d.issuer,
    now,
  });
}

/** Finds or makes the person, adds the membership if missing, opens the session; audited. */
async function joinAndSignIn(
  env: Env,
  db: Db,
  p: {
    tenantId: string;
    email: string;
    name: string | undefined;
    defaultRole: "admin" | "editor" | "viewer";
    issuer: string;
    now: number;
  },
): Promise<{ sessionToken: string; userId: string; tenantId: string }> {
  const at = new Date(p.now).toISOString();
  const existing = await findUserByEmail(db, p.email);
  const userId = existing?.id ?? newId("us");
  const member = existing ? await getMember(db, p.tenantId, userId) : undefined;
  const actor: Actor = { type: "user", id: userId };
  const items: BatchItem<"sqlite">[] = [];
  const entries: AuditInput[] = [];
  if (!existing) {
    items.push(
      db.insert(users).values({
        id: userId,
        email: p.email,
        name: (p.name?.trim() || p.email.split("@")[0]!).slice(0, 200),
        passwordHash: NO_PASSWORD,
        lastTenantId: p.tenantId,
        createdAt: at,
      }),
    );
    entries.push({
      type: AuditType.userCreated,
      actor,
      subject: userId,
      details: { email: p.email, via: "sso" },
    });
  }
  if (!member) {
    items.push(
      db
        .insert(memberships)
        .values({ tenantId: p.tenantId, userId, role: p.defaultRole, createdAt: at })
        .onConflictDoNothing(),
    );
    entries.push({
      type: AuditType.ssoMemberAdded,
      actor,
      subject: userId,
      details: { email: p.email, role: p.defaultRole, issuer: p.issuer },
    });
  }
  const session = await newSession(db, userId, p.tenantId, p.now, SessionMethod.sso);
  entries.push({
    type: AuditType.userSignedIn,
    actor,
    subject: userId,
    details: { method: "sso" },
  });
  try {
    await commitWithAudit(
      db,
      auditKeyOf(env),
      p.tenantId,
      at,
      () => [...items, ...session.items],
      entries,
    );
  } catch (err) {
    const text = `${String(err)} ${String((err as { cause?: unknown })?.cause ?? "")}`;
    if (text.includes("UNIQUE") && text.includes("users.email")) {
      // The same person's other sign-in made the account a moment ago.
      throw fail(SsoFailure.unavailable, "the account was being created at the same moment");
    }
    throw err;
  }
  return { sessionToken: session.token, userId, tenantId: p.tenantId };
}
