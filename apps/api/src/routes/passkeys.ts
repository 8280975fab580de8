// Passkeys: a signed-in person adds, lists and removes theirs; anyone signs
// in with one (no email, no password). services/passkeys.ts holds the
// WebAuthn checks.

import { createRoute, z } from "@hono/zod-openapi";
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from "@simplewebauthn/server";
import { authorize, unauthorized } from "../auth/authenticate.ts";
import { checkLoginAllowed, clearLoginFailures, recordLoginFailure } from "../auth/login-limit.ts";
import { SessionMethod } from "../auth/principal.ts";
import { openSession } from "../auth/sign-in.ts";
import { ApiError, ErrorCode } from "../errors.ts";
import { createRouter } from "../http.ts";
import { getUser, tenantsOfUser } from "../repositories/users.ts";
import {
  finishAddingPasskey,
  finishPasskeySignIn,
  listPasskeys,
  relyingParty,
  removePasskey,
  startAddingPasskey,
  startPasskeySignIn,
} from "../services/passkeys.ts";
import { tenantsOpenToPassword } from "../services/sso-policy.ts";
import { Me } from "./auth.ts";
import { errors, jsonBody, jsonResponse, Timestamp } from "./common.ts";

const B64 = z
  .string()
  .min(1)
  .max(2000)
  .regex(/^[A-Za-z0-9_-]+$/, "base64url");

/** What the browser's WebAuthn call answers, as @simplewebauthn/browser sends it. */
const CredentialJson = (response: z.ZodType) =>
  z.looseObject({
    id: B64,
    rawId: B64,
    type: z.literal("public-key"),
    response,
    clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
    authenticatorAttachment: z.string().max(40).optional(),
  });

const Registration = CredentialJson(
  z.looseObject({
    clientDataJSON: B64,
    attestationObject: B64,
    transports: z.array(z.string().max(20)).max(10).optional(),
  }),
);
const Assertion = CredentialJson(
  z.looseObject({
    clientDataJSON: B64,
    authenticatorData: B64,
    signature: B64,
    userHandle: B64.optional(),
  }),
);

const Ceremony = z
  .object({
    options: z.record(z.string(), z.unknown()).openapi({
      description: "Hand to the browser's WebAuthn call (e.g. @simplewebauthn/browser)",
    }),
    ticket: z.string().openapi({ description: "Send back with the browser's answer; 5 minutes" }),
  })
  .openapi("PasskeyCeremony");

const PasskeyView = z
  .object({
    id: z.string(),
    name: z.string(),
    createdAt: Timestamp,
    lastUsedAt: Timestamp.nullable(),
    synced: z.boolean().openapi({ description: "Synced between the person's devices" }),
  })
  .openapi("Passkey");

const PasskeyId = z.object({ id: B64 });

function person(c: Parameters<typeof authorize>[0]) {
  const p = authorize(c, "read");
  if (p.kind !== "user") {
    throw new ApiError(403, ErrorCode.forbidden, "Only a signed-in person has passkeys");
  }
  return p;
}

export const passkeyRoutes = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/auth/passkeys",
      tags: ["Auth"],
      summary: "Your passkeys",
      responses: {
        200: jsonResponse(z.object({ items: z.array(PasskeyView) }), "Passkeys"),
        ...errors(401, 403),
      },
    }),
    async (c) => {
      const p = person(c);
      return c.json({ items: await listPasskeys(c.var.db, p.userId) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/auth/passkeys/options",
      tags: ["Auth"],
      summary: "Start adding a passkey: options for the browser",
      responses: {
        200: jsonResponse(Ceremony, "For navigator.credentials.create"),
        ...errors(401, 403, 409),
      },
    }),
    async (c) => {
      const p = person(c);
      const rp = relyingParty(c.env, c.req.url);
      return c.json(await startAddingPasskey(c.var.db, rp, p, Date.now()), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/auth/passkeys",
      tags: ["Auth"],
      summary: "Add the passkey the browser made",
      request: {
        body: jsonBody(
          z
            .object({
              ticket: z.string().min(1).max(100),
              name: z.string().trim().min(1).max(60).openapi({ example: "Work laptop" }),
              response: Registration,
            })
            .strict(),
        ),
      },
      responses: { 201: jsonResponse(PasskeyView, "Added"), ...errors(400, 401, 403, 409) },
    }),
    async (c) => {
      const p = person(c);
      const body = c.req.valid("json");
      const rp = relyingParty(c.env, c.req.url);
      const view = await finishAddingPasskey(
        c.var.db,
        c.env,
        rp,
        p,
        { ...body, response: body.response as unknown as RegistrationResponseJSON },
        Date.now(),
      );
      return c.json(view, 201);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/v1/auth/passkeys/{id}",
      tags: ["Auth"],
      summary: "Remove one of your passkeys",
      request: { params: PasskeyId },
      responses: { 204: { description: "Removed" }, ...errors(401, 403, 404) },
    }),
    async (c) => {
      const p = person(c);
      await removePasskey(c.var.db, c.env, p, c.req.valid("param").id, Date.now());
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/auth/passkey/options",
      tags: ["Auth"],
      summary: "Start signing in with a passkey: options for the browser",
      security: [],
      responses: { 200: jsonResponse(Ceremony, "For navigator.credentials.get") },
    }),
    async (c) => {
      const rp = relyingParty(c.env, c.req.url);
      return c.json(await startPasskeySignIn(c.var.db, rp, Date.now()), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/auth/passkey/login",
      tags: ["Auth"],
      summary: "Sign in with the passkey the browser chose; sets the session cookie",
      description: "A passkey counts as two-step sign-in (the device checks a PIN or biometrics).",
      security: [],
      request: {
        body: jsonBody(
          z.object({ ticket: z.string().min(1).max(100), response: Assertion }).strict(),
        ),
      },
      responses: { 200: jsonResponse(Me, "Signed in"), ...errors(400, 401, 403, 429) },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const db = c.var.db;
      const ip = c.req.header("cf-connecting-ip") ?? "local";
      const now = Date.now();
      const key = `passkey:${body.response.id}`;
      await checkLoginAllowed(db, key, ip, now);
      let userId: string;
      try {
        ({ userId } = await finishPasskeySignIn(
          db,
          relyingParty(c.env, c.req.url),
          { ticket: body.ticket, response: body.response as unknown as AuthenticationResponseJSON },
          now,
        ));
      } catch (err) {
        if (err instanceof ApiError && err.status === 401)
          await recordLoginFailure(db, key, ip, now);
        throw err;
      }
      await clearLoginFailures(db, key);
      const user = await getUser(db, userId);
      const all = user ? await tenantsOfUser(db, userId) : [];
      if (!user || all.length === 0) throw unauthorized("That passkey's account has no workspace");
      // Like a password: not into a tenant that requires single sign-on.
      const tenants = await tenantsOpenToPassword(db, user.id, all);
      return c.json(await openSession(c, user, tenants, SessionMethod.passkey, now), 200);
    },
  );
