import { createRoute, z } from "@hono/zod-openapi";
import { TENANT_RUNNING_CAP } from "@switchyard/engine";
import { authorize } from "../auth/authenticate.ts";
import { actorOf } from "../auth/principal.ts";
import { ApiError, ErrorCode } from "../errors.ts";
import { createRouter } from "../http.ts";
import { nowIso } from "../lib/time.ts";
import { checkRecipients } from "../services/alert-settings.ts";
import {
  providersView,
  putProviders,
  rotateSigningSecret,
  settingsRow,
  signingSecrets,
} from "../services/settings.ts";
import {
  canonicalLocale,
  canonicalTimeZone,
  putTenantSettings,
  RETENTION_DAYS_MAX,
  RETENTION_DAYS_MIN,
  tenantSettingsView,
} from "../services/tenant-settings.ts";
import { hasTwoFactor } from "../services/two-factor.ts";
import { Alerts } from "./alert-schemas.ts";
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

const TimeZone = z
  .string()
  .max(100, { abort: true })
  .refine((v) => canonicalTimeZone(v) !== null, "not an IANA time zone, e.g. Europe/Berlin")
  .openapi({ example: "Europe/Berlin", description: "An IANA time zone name" });
const Locale = z
  .string()
  .max(100, { abort: true })
  .refine((v) => canonicalLocale(v) !== null, "not a BCP 47 language tag, e.g. de-CH")
  .openapi({ example: "de-CH", description: "A BCP 47 language tag" });
const RetentionDays = z.number().int().min(RETENTION_DAYS_MIN).max(RETENTION_DAYS_MAX).openapi({
  example: 30,
  description:
    "Days run history (events, runs, their steps and the run log) is kept before it is deleted",
});

const MaxRunningRuns = z
  .number()
  .int()
  .min(TENANT_RUNNING_CAP.min)
  .max(TENANT_RUNNING_CAP.max)
  .openapi({
    example: 100,
    description:
      "Flow control: how many runs of all workflows may be running at once (default 100). Beyond it new runs wait (`waitingFor.reason` `tenant_limit`) and start fairly across workflows as others end; a run waiting on a delay, an approval or an event does not count",
  });

const TenantSettings = z
  .object({
    timezone: z.string().openapi({ example: "UTC" }),
    locale: z.string().openapi({ example: "en" }),
    retentionDays: z.number().int().openapi({ example: 30 }),
    require2fa: z.boolean().openapi({
      description:
        "Every member signs in with a second factor; members without one can use only their account until they turn it on. Single sign-on counts as the identity provider's.",
    }),
    alerts: Alerts.openapi({
      description: "Failure alerts of every workflow that does not choose its own",
    }),
    maxRunningRuns: z.number().int().openapi({ example: 100 }),
  })
  .openapi("TenantSettings");

const TenantSettingsUpdate = z
  .strictObject({
    timezone: TimeZone.optional(),
    locale: Locale.optional(),
    retentionDays: RetentionDays.optional(),
    require2fa: z.boolean().optional(),
    alerts: Alerts.optional(),
    maxRunningRuns: MaxRunningRuns.optional(),
  })
  .openapi("TenantSettingsUpdate");

export const settingsRoutes = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/settings/tenant",
      tags: ["Settings"],
      summary:
        "The tenant's time zone, locale, how long run history is kept, and who is told when a run fails",
      responses: { 200: jsonResponse(TenantSettings, "The settings"), ...errors(401, 403) },
    }),
    async (c) => {
      const p = authorize(c, "read");
      return c.json(tenantSettingsView(await settingsRow(c.var.db, p.tenantId)), 200);
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/v1/settings/tenant",
      tags: ["Settings"],
      summary:
        "Change the tenant's time zone, locale, how long run history is kept, or whether a second factor is required",
      description:
        "A field left out stays as it is. After retention is shortened, run history older than the new window starts being deleted within the hour.",
      request: { body: jsonBody(TenantSettingsUpdate) },
      responses: {
        200: jsonResponse(TenantSettings, "The settings"),
        ...errors(400, 401, 403, 409, 422),
      },
    }),
    async (c) => {
      const p = authorize(c, "admin");
      const input = c.req.valid("json");
      // Whoever asks everyone for a second factor has one: else the next sign-in locks them out.
      if (
        input.require2fa === true &&
        p.kind === "user" &&
        !(await hasTwoFactor(c.var.db, p.userId))
      ) {
        throw new ApiError(
          409,
          ErrorCode.conflict,
          "Turn on two-step sign-in for yourself first (Your account), then ask it of everyone",
        );
      }
      if (input.alerts) await checkRecipients(c.var.db, p.tenantId, input.alerts, "alerts");
      const view = await putTenantSettings(
        c.var.db,
        c.env,
        p.tenantId,
        actorOf(p),
        input,
        nowIso(),
      );
      return c.json(view, 200);
    },
  )
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
      description:
        "409 `conflict` when another rotation finished between this one's read and its write: that rotation's secret is current and nothing changed here (a retry would push an answered secret out of its grace).",
      responses: {
        200: jsonResponse(
          SigningSecret.extend({ previousSecretExpiresAt: z.string() }),
          "The new secret",
        ),
        ...errors(401, 403, 409),
      },
    }),
    async (c) => {
      const p = authorize(c, "admin");
      const r = await rotateSigningSecret(c.var.db, c.env, p.tenantId, actorOf(p), nowIso());
      return c.json(r, 200);
    },
  );
