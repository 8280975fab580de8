import { createRoute, z } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { authorize } from "../auth/authenticate.ts";
import { forgetKey } from "../auth/key-cache.ts";
import { actorOf, SCOPES } from "../auth/principal.ts";
import { apiKeys } from "../db/schema.ts";
import { notFound } from "../errors.ts";
import { createRouter } from "../http.ts";
import { newId } from "../lib/crypto.ts";
import { nowIso } from "../lib/time.ts";
import { generateApiKey, getActiveApiKey, listApiKeys } from "../repositories/api-keys.ts";
import { AuditType, commitWithAudit } from "../repositories/audit.ts";
import { auditKeyOf } from "../services/context.ts";
import { errors, IdParam, jsonBody, jsonResponse } from "./common.ts";

const ScopeSchema = z.enum(SCOPES);
const ApiKey = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string(),
    scopes: z.array(ScopeSchema),
    createdAt: z.string(),
    createdBy: z.string().nullable(),
    revokedAt: z.string().nullable(),
    lastUsedAt: z.string().nullable(),
  })
  .openapi("ApiKey");

const NewKey = z
  .object({
    name: z.string().trim().min(1).max(100),
    scopes: z
      .array(ScopeSchema)
      .min(1)
      .max(3)
      .optional()
      .openapi({ description: "Default: every scope" }),
  })
  .strict();

export const apiKeyRoutes = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/api-keys",
      tags: ["API keys"],
      summary: "List API keys (prefixes only)",
      responses: {
        200: jsonResponse(z.object({ items: z.array(ApiKey), nextCursor: z.null() }), "Keys"),
        ...errors(401, 403),
      },
    }),
    async (c) => {
      const p = authorize(c, "admin");
      return c.json({ items: await listApiKeys(c.var.db, p.tenantId), nextCursor: null }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/api-keys",
      tags: ["API keys"],
      summary: "Create an API key; the key is shown only in this answer",
      request: { body: jsonBody(NewKey) },
      responses: {
        201: jsonResponse(
          z.object({
            id: z.string(),
            key: z.string(),
            prefix: z.string(),
            scopes: z.array(ScopeSchema),
          }),
          "The new key",
        ),
        ...errors(400, 401, 403),
      },
    }),
    async (c) => {
      const p = authorize(c, "admin");
      const body = c.req.valid("json");
      const scopes = [...new Set(body.scopes ?? SCOPES)];
      const db = c.var.db;
      const { key, prefix, hash } = await generateApiKey();
      const id = newId("key");
      const at = nowIso();
      const actor = actorOf(p);
      await commitWithAudit(
        db,
        auditKeyOf(c.env),
        p.tenantId,
        at,
        () => [
          db.insert(apiKeys).values({
            id,
            tenantId: p.tenantId,
            name: body.name,
            prefix,
            keyHash: hash,
            scopes: JSON.stringify(scopes),
            createdAt: at,
            createdBy: actor.id,
          }),
        ],
        [
          {
            type: AuditType.apiKeyCreated,
            actor,
            subject: id,
            details: { name: body.name, prefix, scopes },
          },
        ],
      );
      return c.json({ id, key, prefix, scopes }, 201);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/v1/api-keys/{id}",
      tags: ["API keys"],
      summary: "Revoke an API key; it answers 401 from then on",
      request: { params: IdParam },
      responses: { 204: { description: "Revoked" }, ...errors(401, 403, 404) },
    }),
    async (c) => {
      const p = authorize(c, "admin");
      const { id } = c.req.valid("param");
      const db = c.var.db;
      const key = await getActiveApiKey(db, p.tenantId, id);
      if (!key) throw notFound("API key");
      const at = nowIso();
      await commitWithAudit(
        db,
        auditKeyOf(c.env),
        p.tenantId,
        at,
        () => [
          db
            .update(apiKeys)
            .set({ revokedAt: at })
            .where(and(eq(apiKeys.tenantId, p.tenantId), eq(apiKeys.id, id))),
        ],
        [
          {
            type: AuditType.apiKeyRevoked,
            actor: actorOf(p),
            subject: id,
            details: { name: key.name, prefix: key.prefix },
          },
        ],
      );
      forgetKey(id);
      return c.body(null, 204);
    },
  );
