// Two-step sign-in (TOTP and recovery codes): the person's own settings and
// the second step of signing in. Every change is in the log of the tenant
// the person is signed in to.

import { createRoute, z } from "@hono/zod-openapi";
import { authorize, unauthorized } from "../auth/authenticate.ts";
import { checkLoginAllowed, clearLoginFailures, recordLoginFailure } from "../auth/login-limit.ts";
import { spendChallenge, tryChallenge } from "../auth/mfa-challenge.ts";
import { SessionMethod } from "../auth/principal.ts";
import { openSession } from "../auth/sign-in.ts";
import { ApiError, ErrorCode } from "../errors.ts";
import { createRouter } from "../http.ts";
import { verifyPassword } from "../lib/crypto.ts";
import { getUser, tenantsOfUser } from "../repositories/users.ts";
import { tenantsOpenToPassword } from "../services/sso-policy.ts";
import {
  beginEnrolment,
  confirmEnrolment,
  removeTwoFactor,
  replaceRecoveryCodes,
  twoFactorStatus,
  useSecondFactor,
  wrongCode,
} from "../services/two-factor.ts";
import { Me } from "./auth.ts";
import { errors, jsonBody, jsonResponse } from "./common.ts";

const Code = z.string().min(1).max(40).openapi({
  description: "The 6 digits the authenticator app shows, or one of the recovery codes",
  example: "492039",
});

const Status = z
  .object({
    enabled: z.boolean(),
    enabledAt: z.string().nullable(),
    recoveryCodesLeft: z.number().int(),
  })
  .openapi("TwoFactorStatus");

const Enrolment = z
  .object({
    secret: z.string().openapi({ description: "Base32, for typing into the app by hand" }),
    uri: z.string().openapi({ description: "The otpauth:// URI to show as a QR code" }),
  })
  .openapi("TwoFactorEnrolment");

const RecoveryCodes = z
  .object({
    recoveryCodes: z.array(z.string()).openapi({
      description: "Ten one-time codes, shown once: each signs in instead of an app code",
    }),
  })
  .openapi("RecoveryCodes");

/** The caller as a signed-in person (an API key has no second factor). */
function person(c: Parameters<typeof authorize>[0]) {
  const p = authorize(c, "read");
  if (p.kind !== "user") {
    throw new ApiError(403, ErrorCode.forbidden, "Only a signed-in person has two-step sign-in");
  }
  return p;
}

export const twoFactorRoutes = createRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/auth/login/2fa",
      tags: ["Auth"],
      summary: "The second step of signing in: the code for the challenge from POST /v1/auth/login",
      request: {
        body: jsonBody(z.object({ challenge: z.string().min(1).max(100), code: Code }).strict()),
      },
      responses: { 200: jsonResponse(Me, "Signed in"), ...errors(400, 401, 403, 429) },
    }),
    async (c) => {
      const { challenge, code } = c.req.valid("json");
      const db = c.var.db;
      const ip = c.req.header("cf-connecting-ip") ?? "local";
      const now = Date.now();
      const userId = await tryChallenge(db, challenge, now);
      const user = await getUser(db, userId);
      if (!user) throw unauthorized();
      // Wrong codes count with wrong passwords: 10 per 15 minutes per email and address.
      await checkLoginAllowed(db, user.email, ip, now);
      const used = await useSecondFactor(db, c.env, user.id, code, now);
      if (!used) {
        await recordLoginFailure(db, user.email, ip, now);
        throw wrongCode();
      }
      await spendChallenge(db, challenge, now);
      await clearLoginFailures(db, user.email);
      const all = await tenantsOfUser(db, user.id);
      if (all.length === 0) throw unauthorized("Email or password is wrong");
      // The same tenants as the password step: not those that require single sign-on.
      const tenants = await tenantsOpenToPassword(db, user.id, all);
      return c.json(await openSession(c, user, tenants, SessionMethod.passwordTotp, now), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/auth/2fa",
      tags: ["Auth"],
      summary: "Whether your two-step sign-in is on, and how many recovery codes are left",
      responses: { 200: jsonResponse(Status, "Status"), ...errors(401, 403) },
    }),
    async (c) => {
      const p = person(c);
      return c.json(await twoFactorStatus(c.var.db, p.userId), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/auth/2fa/enrol",
      tags: ["Auth"],
      summary: "Start turning on two-step sign-in: a secret for your authenticator app",
      description:
        "Nothing changes at sign-in until a code from the app confirms it (POST /v1/auth/2fa/confirm). Starting again replaces an unconfirmed secret.",
      responses: { 200: jsonResponse(Enrolment, "Scan this"), ...errors(401, 403, 409) },
    }),
    async (c) => {
      const p = person(c);
      return c.json(await beginEnrolment(c.var.db, c.env, p, Date.now()), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/auth/2fa/confirm",
      tags: ["Auth"],
      summary: "Turn two-step sign-in on with a code from the app; returns recovery codes",
      description: "Your other sessions end: they were opened with the password alone.",
      request: { body: jsonBody(z.object({ code: Code }).strict()) },
      responses: { 200: jsonResponse(RecoveryCodes, "On"), ...errors(400, 401, 403, 409) },
    }),
    async (c) => {
      const p = person(c);
      const { code } = c.req.valid("json");
      return c.json(await confirmEnrolment(c.var.db, c.env, p, code, Date.now()), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/auth/2fa/recovery-codes",
      tags: ["Auth"],
      summary: "Ten new recovery codes (the old ones stop working); needs a current code",
      request: { body: jsonBody(z.object({ code: Code }).strict()) },
      responses: { 200: jsonResponse(RecoveryCodes, "New codes"), ...errors(400, 401, 403, 409) },
    }),
    async (c) => {
      const p = person(c);
      const { code } = c.req.valid("json");
      const db = c.var.db;
      const now = Date.now();
      if (!(await twoFactorStatus(db, p.userId)).enabled) {
        throw new ApiError(409, ErrorCode.conflict, "Two-step sign-in is not on");
      }
      if (!(await useSecondFactor(db, c.env, p.userId, code, now))) throw wrongCode();
      return c.json(await replaceRecoveryCodes(db, c.env, p, now), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/auth/2fa/disable",
      tags: ["Auth"],
      summary: "Turn two-step sign-in off; needs your password and a current code",
      request: {
        body: jsonBody(z.object({ password: z.string().max(200), code: Code }).strict()),
      },
      responses: { 204: { description: "Off" }, ...errors(400, 401, 403, 409, 429) },
    }),
    async (c) => {
      const p = person(c);
      const body = c.req.valid("json");
      const db = c.var.db;
      const ip = c.req.header("cf-connecting-ip") ?? "local";
      const now = Date.now();
      if (!(await twoFactorStatus(db, p.userId)).enabled) {
        throw new ApiError(409, ErrorCode.conflict, "Two-step sign-in is not on");
      }
      // A stolen session alone cannot take the second factor away.
      await checkLoginAllowed(db, p.email, ip, now);
      const user = await getUser(db, p.userId);
      if (!user || !(await verifyPassword(body.password, user.passwordHash))) {
        await recordLoginFailure(db, p.email, ip, now);
        throw new ApiError(400, ErrorCode.validationFailed, "The password is wrong", [
          { path: "password", message: "wrong password" },
        ]);
      }
      if (!(await useSecondFactor(db, c.env, p.userId, body.code, now))) {
        await recordLoginFailure(db, p.email, ip, now);
        throw wrongCode();
      }
      await clearLoginFailures(db, p.email);
      await removeTwoFactor(db, c.env, p, now);
      return c.body(null, 204);
    },
  );
