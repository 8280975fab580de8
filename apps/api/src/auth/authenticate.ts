import { and, eq, gt, isNull, lt, or } from "drizzle-orm";
import type { Context, MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import { apiKeys, memberships, sessions, tenantSettings, users, userTotp } from "../db/schema.ts";
import { ApiError, ErrorCode } from "../errors.ts";
import type { AppEnv } from "../http.ts";
import { sha256Hex, timingSafeEqual } from "../lib/crypto.ts";
import { nowIso } from "../lib/time.ts";
import { RequiredSecret, requiredSecret } from "../required-secrets.ts";
import { cachedKey, dueForLastUsed, LAST_USED_EVERY_MS, rememberKey } from "./key-cache.ts";
import {
  allows,
  isTwoStep,
  type Permission,
  type Principal,
  type Scope,
  type SessionMethod,
} from "./principal.ts";

export const SESSION_COOKIE = "sy_session";
export const CSRF_HEADER = "x-csrf-token";
export const API_KEY_PREFIX = "sy_";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Resolves who is calling, from `Authorization: Bearer sy_…` or the session
 * cookie, and leaves it in `c.var.principal`. Credentials that are present
 * but wrong answer 401 at once; routes decide what anonymous callers get.
 */
export const authenticate: MiddlewareHandler<AppEnv> = async (c, next) => {
  const principal = await resolvePrincipal(c);
  if (
    principal?.kind === "user" &&
    principal.needsTwoFactor &&
    !OPEN_WITHOUT_2FA.test(c.req.path)
  ) {
    throw new ApiError(
      403,
      ErrorCode.twoFactorRequired,
      "This workspace asks everyone to use two-step sign-in. Turn it on under Your account first.",
    );
  }
  c.set("principal", principal);
  return next();
};

/** What a member who still has to set up a second factor may use: their own account, invitations. */
const OPEN_WITHOUT_2FA = /^\/v1\/(auth\/|invitations\/(inspect|accept)$)/;

async function resolvePrincipal(c: Context<AppEnv>): Promise<Principal | undefined> {
  const db = c.var.db;
  const auth = c.req.header("authorization");
  if (auth !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (!match) throw unauthorized("Use 'Authorization: Bearer <api key>'");
    const token = match[1]!;
    // The platform token is not a tenant credential; platform routes check it themselves.
    if (!token.startsWith(API_KEY_PREFIX)) return undefined;
    const hash = await sha256Hex(token);
    const now = Date.now();
    let cached = cachedKey(hash, now);
    if (!cached) {
      const rows = await db.select().from(apiKeys).where(eq(apiKeys.keyHash, hash)).limit(1);
      const key = rows[0];
      if (!key || key.revokedAt !== null) throw unauthorized("The API key is not valid");
      cached = { tenantId: key.tenantId, keyId: key.id, scopes: JSON.parse(key.scopes) as Scope[] };
      rememberKey(hash, cached, now);
    }
    if (dueForLastUsed(cached.keyId, now)) {
      // After the answer, and only when a minute has passed in D1 too (other isolates).
      const at = new Date(now).toISOString();
      const minuteAgo = new Date(now - LAST_USED_EVERY_MS).toISOString();
      c.executionCtx.waitUntil(
        db
          .update(apiKeys)
          .set({ lastUsedAt: at })
          .where(
            and(
              eq(apiKeys.id, cached.keyId),
              or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, minuteAgo)),
            ),
          )
          .then(
            () => undefined,
            (err) => console.error("last_used_at not written", err),
          ),
      );
    }
    return { kind: "api_key", ...cached };
  }
  const token = getCookie(c, SESSION_COOKIE);
  if (!token) return undefined;
  const idHash = await sha256Hex(token);
  const rows = await db
    .select({
      tenantId: sessions.tenantId,
      userId: sessions.userId,
      csrfToken: sessions.csrfToken,
      method: sessions.method,
      email: users.email,
      role: memberships.role,
      require2fa: tenantSettings.require2fa,
      totpConfirmedAt: userTotp.confirmedAt,
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .innerJoin(
      memberships,
      and(eq(memberships.userId, sessions.userId), eq(memberships.tenantId, sessions.tenantId)),
    )
    .leftJoin(tenantSettings, eq(tenantSettings.tenantId, sessions.tenantId))
    .leftJoin(userTotp, eq(userTotp.userId, sessions.userId))
    .where(and(eq(sessions.idHash, idHash), gt(sessions.expiresAt, nowIso())))
    .limit(1);
  const s = rows[0];
  if (!s) return undefined;
  if (!SAFE_METHODS.has(c.req.method)) {
    // Cookie-authenticated writes need the session's CSRF token in a header:
    // a cross-site form or fetch cannot read it, so it cannot send it.
    const sent = c.req.header(CSRF_HEADER) ?? "";
    if (!timingSafeEqual(sent, s.csrfToken)) {
      throw new ApiError(
        403,
        ErrorCode.forbidden,
        `Cookie-authenticated writes need the '${CSRF_HEADER}' header from GET /v1/auth/me`,
      );
    }
  }
  const { require2fa, totpConfirmedAt, ...rest } = s;
  const method = s.method as SessionMethod;
  return {
    kind: "user",
    sessionIdHash: idHash,
    ...rest,
    method,
    needsTwoFactor: require2fa === true && totpConfirmedAt === null && !isTwoStep(method),
  };
}

export function unauthorized(message = "Sign in or send an API key"): ApiError {
  return new ApiError(401, ErrorCode.unauthorized, message);
}

/**
 * The caller, who must be allowed `permission` (API.md roles and scopes).
 * @example const p = authorize(c, "write");
 */
export function authorize(c: Context<AppEnv>, permission: Permission): Principal {
  const p = c.var.principal;
  if (!p) throw unauthorized();
  if (!allows(p, permission)) {
    const what = p.kind === "user" ? `your role (${p.role})` : "this API key's scopes";
    throw new ApiError(
      403,
      ErrorCode.forbidden,
      `This needs '${permission}' rights, which ${what} do not include`,
    );
  }
  return p;
}

/**
 * Platform operators' routes: the Worker secret SWITCHYARD_PLATFORM_TOKEN.
 * Unset, no caller can pass, so the answer is 503 naming it (not a 401 that
 * would send the operator hunting for a token that does not exist).
 */
export function requirePlatform(c: Context<AppEnv>): void {
  const expected = requiredSecret(c.env, RequiredSecret.platformToken);
  const auth = c.req.header("authorization") ?? "";
  const token = /^Bearer\s+(\S+)\s*$/i.exec(auth)?.[1] ?? "";
  if (!timingSafeEqual(token, expected)) {
    throw unauthorized("This needs the platform token");
  }
}
