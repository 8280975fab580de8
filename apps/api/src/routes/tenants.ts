import { createRoute, z } from "@hono/zod-openapi";
import { requirePlatform } from "../auth/authenticate.ts";
import { createRouter } from "../http.ts";
import { nowIso } from "../lib/time.ts";
import { auditKeyOf } from "../services/context.ts";
import { createTenant } from "../services/tenants.ts";
import { errors, jsonBody, jsonResponse } from "./common.ts";

export const Password = z.string().min(10, "use at least 10 characters").max(200);
export const Email = z.email().max(254);

const NewTenantBody = z
  .object({
    name: z.string().trim().min(1).max(100).openapi({ example: "Acme" }),
    admin: z.object({ email: Email, password: Password, name: z.string().max(100).optional() }),
  })
  .strict()
  .openapi("NewTenant");

const CreatedTenant = z
  .object({
    tenant: z.object({ id: z.string(), name: z.string() }),
    apiKey: z.string().openapi({ description: "Has every scope; shown only here" }),
  })
  .openapi("CreatedTenant");

export const tenantRoutes = createRouter().openapi(
  createRoute({
    method: "post",
    path: "/v1/tenants",
    tags: ["Tenants"],
    summary: "Create a tenant (platform token only)",
    security: [{ platformToken: [] }],
    request: { body: jsonBody(NewTenantBody) },
    responses: {
      201: jsonResponse(CreatedTenant, "The tenant, with its first API key"),
      ...errors(400, 401, 409, 413, 415),
    },
  }),
  async (c) => {
    requirePlatform(c);
    const body = c.req.valid("json");
    const created = await createTenant(
      c.var.db,
      auditKeyOf(c.env),
      { name: body.name, admin: body.admin },
      { type: "platform", id: "platform" },
      nowIso(),
    );
    return c.json({ tenant: created.tenant, apiKey: created.apiKey }, 201);
  },
);
