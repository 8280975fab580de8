import { createRoute, z } from "@hono/zod-openapi";
import { and, desc, eq, gt, ne } from "drizzle-orm";
import { deleteCookie } from "hono/cookie";
import { authorize, SESSION_COOKIE, unauthorized } from "../auth/authenticate.ts";
import { checkLoginAllowed, clearLoginFailures, recordLoginFailure } from "../auth/login-limit.ts";
import { newChallenge } from "../auth/mfa-challenge.ts";
import { SessionMethod } from "../auth/principal.ts";
import { openSession } from "../auth/sign-in.ts";
import { memberships, sessions, tenants, users } from "../db/schema.ts";
import { ApiError, ErrorCode } from "../errors.ts";
import { createRouter } from "../http.ts";
import { hashPassword, verifyPassword } from "../lib/crypto.ts";
import { nowIso } from "../lib/time.ts";
import { AuditType, commitWithAudit } from "../repositories/audit.ts";
import { findUserByEmail, getUser, tenantsOfUser } from "../repositories/users.ts";
import { auditKeyOf } from "../services/context.ts";
import { assertMaySwitch, tenantsOpenToPassword } from "../services/sso-policy.ts";
import { getTenant } from "../services/tenants.ts";
import { hasTwoFactor } from "../services/two-factor.ts";
import { errors, IdParam, jsonBody, jsonResponse, Timestamp } from "./common.ts";
import { Password } from "./tenants.ts";

const LoginBody = z
  .object({ email: z.string().max(254), password: z.string().max(200) })
  .strict()
  .openapi("Login");

/** A password was right and a second factor is on: send the code with the challenge. */
export const TwoFactorAsked = z
  .object({
    twoFactor: z.object({
      challenge: z.string().openapi({
        description: "Send with the code to POST /v1/auth/login/2fa; 5 minutes, 5 tries",
      }),
      expiresAt: z.string(),
    }),
  })
  .openapi("TwoFactorAsked");

const TenantRef = z.object({ id: z.string(), name: z.string(), role: z.string().optional() });
export const Me = z
  .object({
    user: z.object({ id: z.string(), email: z.string(), name: z.string() }).nullable(),
    apiKey: z.object({ id: z.string(), scopes: z.array(z.string()) }).optional(),
    tenant: TenantRef,
    role: z.string().nullable(),
    tenants: z.array(TenantRef),
    csrfToken: z.string().optional().openapi({
      description: "Send as the x-csrf-token header on cookie-authenticated writes",
    }),
    twoFactorRequired: z.boolean().optional().openapi({
      description:
        "The tenant asks every member for a second factor and this person has none yet: until they turn it on (POST /v1/auth/2fa/enrol), only /v1/auth/* answers",
    }),
  })
  .openapi("Me");

/**
 * A session's public id: a prefix of the hash of its token (the token
 * itself is never stored), enough to tell a person's sessions apart.
 */
const sessionId = (idHash: string) => `se_${idHash.slice(0, 24)}`;

const SessionView = z
  .object({
    id: z.string(),
    tenant: z.object({ id: z.string(), name: z.string() }),
    createdAt: Timestamp,
    expiresAt: Timestamp,
    current: z.boolean(),
  })
  .openapi("Session");

/** The caller as a signed-in person (an API key has no sessions). */
function ownSession(c: Parameters<typeof authorize>[0]) {
  const p = authorize(c, "read");
  if (p.kind !== "user") {
    throw new ApiError(403, ErrorCode.forbidden, "Only a signed-in person has sessions");
  }
  return p;
}

export const authRoutes = createRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/auth/login",
      tags: ["Auth"],
      summary: "Sign in with email and password; sets the session cookie",
      request: { body: jsonBody(LoginBody) },
      responses: {
        200: jsonResponse(
          z.union([Me, TwoFactorAsked]),
          "Signed in, or (with two-step sign-in on) asked for a code",
        ),
        ...errors(400, 401, 403, 429),
      },
    }),
    async (c) => {
      const { email, password } = c.req.valid("json");
      const db = c.var.db;
      const ip = c.req.header("cf-connecting-ip") ?? "local";
      const now = Date.now();
      await checkLoginAllowed(db, email, ip, now);
      const user = await findUserByEmail(db, email);
      const ok = user ? await verifyPassword(password, user.passwordHash) : false;
      const tenantList = user ? await tenantsOfUser(db, user.id) : [];
      if (!user || !ok || tenantList.length === 0) {
        await recordLoginFailure(db, email, ip, now);
        // A known person's failed sign-in is in each of their tenants' logs.
        if (user && !ok) {
          for (const t of tenantList) {
            await commitWithAudit(db, auditKeyOf(c.env), t.id, nowIso(), () => [], [
              {
                type: AuditType.signInFailed,
                actor: { type: "user", id: user.id },
                subject: user.id,
                details: { ip },
              },
            ]);
          }
        }
        throw unauthorized("Email or password is wrong");
      }
      // Single sign-on: tenants requiring it are not entered by password (403 when none is left).
      const openTenants = await tenantsOpenToPassword(db, user.id, tenantList);
      if (await hasTwoFactor(db, user.id)) {
        // The failures count on until the code is right too (POST /v1/auth/login/2fa).
        return c.json({ twoFactor: await newChallenge(db, user.id, now) }, 200);
      }
      await clearLoginFailures(db, email);
      return c.json(await openSession(c, user, openTenants, SessionMethod.password, now), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/auth/logout",
      tags: ["Auth"],
      summary: "Sign out: ends the session",
      responses: { 204: { description: "Signed out" }, ...errors(401, 403) },
    }),
    async (c) => {
      const p = c.var.principal;
      if (p?.kind === "user") {
        await c.var.db.delete(sessions).where(eq(sessions.idHash, p.sessionIdHash));
      }
      deleteCookie(c, SESSION_COOKIE, { path: "/", secure: true });
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/auth/me",
      tags: ["Auth"],
      summary: "Who is calling: user, tenant, role, tenants, CSRF token",
      responses: { 200: jsonResponse(Me, "The caller"), ...errors(401) },
    }),
    async (c) => {
      const p = authorize(c, "read");
      const db = c.var.db;
      const tenant = await getTenant(db, p.tenantId);
      if (!tenant) throw unauthorized();
      const tenantRef = { id: tenant.tenantId, name: tenant.name };
      if (p.kind === "api_key") {
        return c.json(
          {
            user: null,
            apiKey: { id: p.keyId, scopes: p.scopes },
            tenant: tenantRef,
            role: null,
            tenants: [tenantRef],
          },
          200,
        );
      }
      const user = await getUser(db, p.userId);
      if (!user) throw unauthorized();
      return c.json(
        {
          user: { id: user.id, email: user.email, name: user.name },
          tenant: tenantRef,
          role: p.role,
          // Single sign-on: the session belongs to this tenant only.
          tenants:
            p.method === SessionMethod.sso
              ? [{ ...tenantRef, role: p.role }]
              : await tenantsOfUser(db, p.userId),
          csrfToken: p.csrfToken,
          ...(p.needsTwoFactor ? { twoFactorRequired: true } : {}),
        },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/auth/switch-tenant",
      tags: ["Auth"],
      summary: "Move the session to another tenant the user belongs to",
      request: { body: jsonBody(z.object({ tenantId: z.string().max(100) }).strict()) },
      responses: { 200: jsonResponse(Me, "Switched"), ...errors(400, 401, 403, 404) },
    }),
    async (c) => {
      const p = authorize(c, "read");
      if (p.kind !== "user") {
        throw new ApiError(403, ErrorCode.forbidden, "API keys belong to one tenant");
      }
      const { tenantId } = c.req.valid("json");
      const db = c.var.db;
      const member = await db
        .select({ role: memberships.role })
        .from(memberships)
        .where(and(eq(memberships.tenantId, tenantId), eq(memberships.userId, p.userId)))
        .limit(1);
      const tenant = await getTenant(db, tenantId);
      if (!member[0] || !tenant) throw new ApiError(404, ErrorCode.notFound, "Tenant not found");
      await assertMaySwitch(db, p, tenantId);
      await commitWithAudit(
        db,
        auditKeyOf(c.env),
        tenantId,
        nowIso(),
        () => [
          db.update(sessions).set({ tenantId }).where(eq(sessions.idHash, p.sessionIdHash)),
          db.update(users).set({ lastTenantId: tenantId }).where(eq(users.id, p.userId)),
        ],
        [
          {
            type: AuditType.tenantSwitched,
            actor: { type: "user", id: p.userId },
            subject: p.userId,
            details: { from: p.tenantId },
          },
        ],
      );
      const user = await getUser(db, p.userId);
      return c.json(
        {
          user: { id: p.userId, email: p.email, name: user?.name ?? p.email },
          tenant: { id: tenant.tenantId, name: tenant.name },
          role: member[0].role,
          tenants: await tenantsOfUser(db, p.userId),
          csrfToken: p.csrfToken,
        },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/auth/password",
      tags: ["Auth"],
      summary: "Change your own password; your other sessions end",
      request: {
        body: jsonBody(z.object({ current: z.string().max(200), new: Password }).strict()),
      },
      responses: { 204: { description: "Changed" }, ...errors(400, 401, 403, 429) },
    }),
    async (c) => {
      const p = authorize(c, "read");
      if (p.kind !== "user") {
        throw new ApiError(
          403,
          ErrorCode.forbidden,
          "Only a signed-in person changes their password",
        );
      }
      const body = c.req.valid("json");
      const db = c.var.db;
      const ip = c.req.header("cf-connecting-ip") ?? "local";
      const now = Date.now();
      // Wrong current passwords count like failed sign-ins (a stolen session cannot guess it).
      await checkLoginAllowed(db, p.email, ip, now);
      const user = await getUser(db, p.userId);
      if (!user || !(await verifyPassword(body.current, user.passwordHash))) {
        await recordLoginFailure(db, p.email, ip, now);
        throw new ApiError(400, ErrorCode.validationFailed, "The current password is wrong", [
          { path: "current", message: "wrong password" },
        ]);
      }
      await clearLoginFailures(db, p.email);
      const passwordHash = await hashPassword(body.new);
      await commitWithAudit(
        db,
        auditKeyOf(c.env),
        p.tenantId,
        nowIso(),
        () => [
          db.update(users).set({ passwordHash }).where(eq(users.id, p.userId)),
          // Every other session of the person, in every tenant, ends.
          db
            .delete(sessions)
            .where(and(eq(sessions.userId, p.userId), ne(sessions.idHash, p.sessionIdHash))),
        ],
        [
          {
            type: AuditType.passwordChanged,
            actor: { type: "user", id: p.userId },
            subject: p.userId,
          },
        ],
      );
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/auth/sessions",
      tags: ["Auth"],
      summary: "Your sessions, in every tenant (the current one marked)",
      responses: {
        200: jsonResponse(
          z.object({ items: z.array(SessionView), nextCursor: z.null() }),
          "Sessions",
        ),
        ...errors(401, 403),
      },
    }),
    async (c) => {
      const p = ownSession(c);
      const rows = await c.var.db
        .select({
          idHash: sessions.idHash,
          tenantId: sessions.tenantId,
          tenantName: tenants.name,
          createdAt: sessions.createdAt,
          expiresAt: sessions.expiresAt,
        })
        .from(sessions)
        .innerJoin(tenants, eq(tenants.tenantId, sessions.tenantId))
        .where(and(eq(sessions.userId, p.userId), gt(sessions.expiresAt, nowIso())))
        .orderBy(desc(sessions.createdAt))
        .limit(100);
      return c.json(
        {
          items: rows.map((r) => ({
            id: sessionId(r.idHash),
            tenant: { id: r.tenantId, name: r.tenantName },
            createdAt: r.createdAt,
            expiresAt: r.expiresAt,
            current: r.idHash === p.sessionIdHash,
          })),
          nextCursor: null,
        },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/v1/auth/sessions/{id}",
      tags: ["Auth"],
      summary: "End one of your sessions (signs that browser out)",
      request: { params: IdParam },
      responses: { 204: { description: "Ended" }, ...errors(401, 403, 404) },
    }),
    async (c) => {
      const p = ownSession(c);
      const { id } = c.req.valid("param");
      const db = c.var.db;
      const mine = await db
        .select({ idHash: sessions.idHash })
        .from(sessions)
        .where(eq(sessions.userId, p.userId));
      const target = mine.find((s) => sessionId(s.idHash) === id);
      if (!target) throw new ApiError(404, ErrorCode.notFound, "Session not found");
      await db.delete(sessions).where(eq(sessions.idHash, target.idHash));
      return c.body(null, 204);
    },
  );
