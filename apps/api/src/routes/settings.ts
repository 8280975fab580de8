import { createRoute, z } from "@hono/zod-openapi";
import { authorize } from "../auth/authenticate.ts";
import { actorOf } from "../auth/principal.ts";
import { createRouter } from "../http.ts";
import { nowIso } from "../lib/time.ts";
import {
  providersView,
  putProviders,
  rotateSigningSecret,
  settingsRow,
  signingSecrets,
} from "../services/settings.ts";
import { errors, jsonBody, jsonResponse } from "./common.ts";

const From = z.string().trim().min(1).max(320);
// Credentials are write-only: accepted here, stored encrypted, never answered.
const Credential = z.string().trim().min(1).max(500);

const Providers = z
  .object({
    email: z.object({
      provider: z.enum(["outbox", "resend"]),
      from: z.string().nullable().openapi({ example: "Acme <ops@acme.example>" }),
    }),
    sms: z.object({
      provider: z.enum(["outbox", "twilio"]),
      from: z.string().nullable().openapi({ example: "+15005550006" }),
    }),
  })
  .openapi("ProviderSettings");

const ProvidersUpdate = z
  .object({
    email: z
      .discriminatedUnion("provider", [
        z.strictObject({ provider: z.literal("outbox"), from: From.nullable().optional() }),
        z.strictObject({
          provider: z.literal("resend"),
          from: From,
          apiKey: Credential.optional().openapi({
            description: "Resend API key; leave out to keep the stored one",
          }),
        }),
      ])
      .optional(),
    sms: z
      .discriminatedUnion("provider", [
        z.strictObject({ provider: z.literal("outbox"), from: From.nullable().optional() }),
        z.strictObject({
          provider: z.literal("twilio"),
          from: From.openapi({ description: "A Twilio number, or a Messaging Service SID (MG…)" }),
          accountSid: Credential.optional(),
          authToken: Credential.optional().openapi({
            description: "With accountSid; leave both out to keep the stored ones",
          }),
        }),
      ])
      .optional(),
  })
  .strict()
  .openapi("ProviderSettingsUpdate");

const SigningSecret = z
  .object({ secret: z.string().openapi({ example: "whsec_…" }) })
  .openapi("WebhookSigningSecret");

export const settingsRoutes = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/settings/providers",
      tags: ["Settings"],
      summary: "The email and SMS providers (never their credentials)",
      responses: { 200: jsonResponse(Providers, "The providers"), ...errors(401, 403) },
    }),
    async (c) => {
      const p = authorize(c, "read");
      return c.json(providersView(await settingsRow(c.var.db, p.tenantId)), 200);
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/v1/settings/providers",
      tags: ["Settings"],
      summary: "Choose the email and SMS providers; credentials are stored encrypted",
      description:
        "A channel left out stays as it is. Credentials left out keep the stored ones of the same provider; switching to the outbox deletes them.",
      request: { body: jsonBody(ProvidersUpdate) },
      responses: { 200: jsonResponse(Providers, "The providers"), ...errors(400, 401, 403) },
    }),
    async (c) => {
      const p = authorize(c, "admin");
      const view = await putProviders(
        c.var.db,
        c.env,
        p.tenantId,
        actorOf(p),
        c.req.valid("json"),
        nowIso(),
      );
      return c.json(view, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/settings/webhook-signing",
      tags: ["Settings"],
      summary: "The secret that signs outbound webhooks (created on first use)",
      responses: { 200: jsonResponse(SigningSecret, "The secret"), ...errors(401, 403) },
    }),
    async (c) => {
      const p = authorize(c, "admin");
      const s = await signingSecrets(c.var.db, c.env, p.tenantId, actorOf(p), nowIso());
      return c.json({ secret: s.current }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/settings/webhook-signing/rotate",
      tags: ["Settings"],
      summary: "A new signing secret; both sign outbound webhooks for 24 hours",
      responses: {
        200: jsonResponse(
          SigningSecret.extend({ previousSecretExpiresAt: z.string() }),
          "The new secret",
        ),
        ...errors(401, 403),
      },
    }),
    async (c) => {
      const p = authorize(c, "admin");
      const r = await rotateSigningSecret(c.var.db, c.env, p.tenantId, actorOf(p), nowIso());
      return c.json(r, 200);
    },
  );
