import { createRoute, z } from "@hono/zod-openapi";
import { authorize } from "../auth/authenticate.ts";
import { createRouter } from "../http.ts";
import { deleteSso, putSso, ssoSettings } from "../services/sso.ts";
import {
  addDomain,
  PENDING_CLAIM_HOURS,
  removeDomain,
  verifyDomain,
} from "../services/sso-domains.ts";
import { errors, jsonBody, jsonResponse, Timestamp } from "./common.ts";

// A tenant's single sign-on (OpenID Connect): admins only, the client
// secret write-only. The sign-in itself is in sso-signin.ts.

const SsoRoleSchema = z.enum(["admin", "editor", "viewer"]).openapi({
  description: "The role of a person who joins the tenant by signing in for the first time",
});

const SsoConnection = z
  .object({
    issuer: z.string().openapi({ example: "https://login.acme.example" }),
    clientId: z.string(),
    clientSecretSet: z.literal(true),
    defaultRole: SsoRoleSchema,
    enabled: z.boolean(),
    required: z.boolean().openapi({
      description: "Members sign in by single sign-on only: password sign-in is refused here",
    }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .openapi("SsoConnection");

const SsoDomain = z
  .object({
    domain: z.string().openapi({ example: "acme.example" }),
    status: z.enum(["pending", "verified"]),
    verifiedAt: Timestamp.nullable(),
    createdAt: Timestamp,
    txt: z
      .object({
        name: z.string().openapi({ example: "_switchyard-verify.acme.example" }),
        type: z.literal("TXT"),
        value: z.string().openapi({ example: "switchyard-verify=3Xf…" }),
      })
      .openapi({ description: "The DNS record that proves the tenant controls the domain" }),
  })
  .openapi("SsoDomain");

const SsoSettings = z
  .object({
    connection: SsoConnection.nullable(),
    redirectUri: z.string().openapi({
      example: "https://app.switchyard.example/v1/auth/sso/callback",
      description: "Register this as the redirect URI at the identity provider",
    }),
    domains: z.array(SsoDomain),
  })
  .openapi("SsoSettings");

const SsoUpdate = z
  .strictObject({
    issuer: z.string().trim().min(1).max(500).openapi({ example: "https://login.acme.example" }),
    clientId: z.string().trim().min(1).max(500),
    clientSecret: z.string().min(1).max(2000).optional().openapi({
      description: "Write-only; leave out to keep the stored one",
    }),
    defaultRole: SsoRoleSchema,
    enabled: z.boolean(),
    required: z.boolean(),
  })
  .openapi("SsoUpdate");

const DomainParam = z.object({ domain: z.string().min(1).max(260) });

export const ssoRoutes = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/settings/sso",
      tags: ["Single sign-on"],
      summary: "The tenant's single sign-on: connection (no secret), redirect URI, domains",
      responses: { 200: jsonResponse(SsoSettings, "The settings"), ...errors(401, 403) },
    }),
    async (c) => {
      const p = authorize(c, "admin");
      return c.json(await ssoSettings(c.env, c.var.db, p.tenantId, c.req.url), 200);
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/v1/settings/sso",
      tags: ["Single sign-on"],
      summary: "Set up or change single sign-on (the issuer is checked by its discovery document)",
      description:
        "Turning `required` on ends the tenant's sessions not opened by single sign-on; from the builder it needs a session opened by single sign-on, so its settings are known to work.",
      request: { body: jsonBody(SsoUpdate) },
      responses: {
        200: jsonResponse(SsoConnection, "The connection"),
        ...errors(400, 401, 403, 409, 422),
      },
    }),
    async (c) => {
      const p = authorize(c, "admin");
      return c.json(await putSso(c.env, c.var.db, p, c.req.valid("json")), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/v1/settings/sso",
      tags: ["Single sign-on"],
      summary: "Turn single sign-on off and forget its connection and domains",
      responses: { 204: { description: "Removed" }, ...errors(401, 403, 404) },
    }),
    async (c) => {
      const p = authorize(c, "admin");
      await deleteSso(c.env, c.var.db, p);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/settings/sso/domains",
      tags: ["Single sign-on"],
      summary: "Add an email domain to verify (the answer names the DNS TXT record to set)",
      description: `A domain belongs to one tenant: 409 when another verified it, or is verifying it (an unverified claim gives way after ${PENDING_CLAIM_HOURS} hours).`,
      request: {
        body: jsonBody(
          z.strictObject({ domain: z.string().max(260).openapi({ example: "acme.example" }) }),
        ),
      },
      responses: {
        200: jsonResponse(SsoDomain, "Already added"),
        201: jsonResponse(SsoDomain, "Added, pending"),
        ...errors(400, 401, 403, 409, 422),
      },
    }),
    async (c) => {
      const p = authorize(c, "admin");
      const { view, created } = await addDomain(c.env, c.var.db, p, c.req.valid("json").domain);
      return created ? c.json(view, 201) : c.json(view, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/settings/sso/domains/{domain}/verify",
      tags: ["Single sign-on"],
      summary: "Look the domain's TXT record up; verified when it holds the token",
      request: { params: DomainParam },
      responses: {
        200: jsonResponse(SsoDomain, "Verified"),
        ...errors(401, 403, 404, 422),
      },
    }),
    async (c) => {
      const p = authorize(c, "admin");
      return c.json(await verifyDomain(c.env, c.var.db, p, c.req.valid("param").domain), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/v1/settings/sso/domains/{domain}",
      tags: ["Single sign-on"],
      summary: "Remove an email domain: its people no longer sign in here by single sign-on",
      request: { params: DomainParam },
      responses: { 204: { description: "Removed" }, ...errors(401, 403, 404) },
    }),
    async (c) => {
      const p = authorize(c, "admin");
      await removeDomain(c.env, c.var.db, p, c.req.valid("param").domain);
      return c.body(null, 204);
    },
  );
