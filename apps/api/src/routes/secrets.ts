import { createRoute, z } from "@hono/zod-openapi";
import { SECRET_NAME_PATTERN } from "@switchyard/engine";
import type { Context } from "hono";
import { authorize } from "../auth/authenticate.ts";
import { actorOf, type Principal } from "../auth/principal.ts";
import { type AppEnv, createRouter } from "../http.ts";
import { nowIso } from "../lib/time.ts";
import {
  deleteSecret,
  getSecret,
  listSecrets,
  putSecret,
  rotateDataKey,
} from "../services/secrets.ts";
import { errors, jsonBody, jsonResponse } from "./common.ts";

/** The longest value a secret may hold (characters). */
export const MAX_SECRET_LENGTH = 16_384;

const SecretUser = z
  .object({ workflowId: z.string(), name: z.string(), live: z.boolean() })
  .openapi("SecretUser", {
    description: "A workflow that reads the secret: in its live version, or only in its draft",
  });

const Secret = z
  .object({
    name: z.string().openapi({ example: "erp_token" }),
    createdAt: z.string(),
    updatedAt: z.string(),
    updatedBy: z.string().openapi({ description: "The user or API key that last set it" }),
    usedBy: z.array(SecretUser),
  })
  .openapi("Secret", {
    description:
      "A secret's name and where it is used — never its value, to anyone. Referenced in an action's field as {{ secrets.<name> }}.",
  });

const NameParam = z.object({
  name: z
    .string()
    .regex(SECRET_NAME_PATTERN, {
      message: "a letter or _, then letters, digits or _ (at most 64 characters)",
    })
    .openapi({ param: { name: "name", in: "path" }, example: "erp_token" }),
});

const SecretValue = z
  .object({
    value: z
      .string()
      .min(1, { message: "a secret's value may not be empty" })
      .max(MAX_SECRET_LENGTH, { message: `at most ${MAX_SECRET_LENGTH} characters` }),
  })
  .strict()
  .openapi("SecretValue", { description: "Write-only: it is never shown again" });

const DeleteQuery = z.object({
  force: z.enum(["true", "false"]).optional().openapi({
    description: "true deletes it even while live workflows use it (their runs will fail)",
  }),
});

function deps(c: Context<AppEnv>, p: Principal) {
  return { env: c.env, db: c.var.db, tenantId: p.tenantId, actor: actorOf(p), at: nowIso() };
}

export const secretRoutes = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/secrets",
      tags: ["Secrets"],
      summary: "List secrets: names, times and the workflows that use them (never a value)",
      responses: {
        200: jsonResponse(z.object({ items: z.array(Secret), nextCursor: z.null() }), "Secrets"),
        ...errors(401, 403),
      },
    }),
    async (c) => {
      const p = authorize(c, "read");
      return c.json({ items: await listSecrets(deps(c, p)), nextCursor: null }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/secrets/rotate-key",
      tags: ["Secrets"],
      summary:
        "Rotate the tenant's data key: a new key version, and every secret and credential re-sealed under it",
      responses: {
        200: jsonResponse(
          z.object({
            version: z.number().int().openapi({ description: "The data key version now in use" }),
            resealed: z.number().int().openapi({ description: "Values re-sealed under it" }),
          }),
          "The new key version",
        ),
        ...errors(401, 403),
      },
    }),
    async (c) => {
      const p = authorize(c, "admin");
      return c.json(await rotateDataKey(deps(c, p)), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/secrets/{name}",
      tags: ["Secrets"],
      summary: "Get a secret's name, times and users (never its value)",
      request: { params: NameParam },
      responses: { 200: jsonResponse(Secret, "The secret"), ...errors(400, 401, 403, 404) },
    }),
    async (c) => {
      const p = authorize(c, "read");
      return c.json(await getSecret(deps(c, p), c.req.valid("param").name), 200);
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/v1/secrets/{name}",
      tags: ["Secrets"],
      summary: "Create or replace a secret's value (write-only; the answer never carries it)",
      request: { params: NameParam, body: jsonBody(SecretValue) },
      responses: {
        200: jsonResponse(Secret, "Replaced"),
        201: jsonResponse(Secret, "Created"),
        ...errors(400, 401, 403, 413, 415),
      },
    }),
    async (c) => {
      const p = authorize(c, "admin");
      const { name } = c.req.valid("param");
      const { created, secret } = await putSecret(deps(c, p), name, c.req.valid("json").value);
      return created ? c.json(secret, 201) : c.json(secret, 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/v1/secrets/{name}",
      tags: ["Secrets"],
      summary:
        "Delete a secret; 409 in_use while live workflows use it (details.usedBy), unless ?force=true",
      request: { params: NameParam, query: DeleteQuery },
      responses: { 204: { description: "Deleted" }, ...errors(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const p = authorize(c, "admin");
      const force = c.req.valid("query").force === "true";
      await deleteSecret(deps(c, p), c.req.valid("param").name, force);
      return c.body(null, 204);
    },
  );
