// /v1/connections (issue 17, item 2): named HTTP connections — base URL,
// auth (credentials write-only), default headers, a shared rate limit —
// with their health and the workflows that use them.
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { authorize } from "../auth/authenticate.ts";
import { actorOf, type Principal } from "../auth/principal.ts";
import type { AppEnv } from "../http.ts";
import { createRouter } from "../http.ts";
import { nowIso } from "../lib/time.ts";
import { ConnectionName, ConnectionPatch, NewConnection } from "../services/connection-input.ts";
import {
  createConnection,
  deleteConnection,
  getConnection,
  listConnections,
  updateConnection,
} from "../services/connections.ts";
import { errors, jsonBody, jsonResponse, Timestamp } from "./common.ts";

const Connection = z
  .object({
    name: z.string().openapi({ example: "erp" }),
    description: z.string().nullable(),
    baseUrl: z.string().openapi({ example: "https://erp.example.com/api/v2" }),
    auth: z
      .object({
        type: z.enum(["none", "bearer", "basic", "api_key", "oauth2_client_credentials"]),
        username: z.string().optional(),
        in: z.enum(["header", "query"]).optional(),
        name: z.string().optional(),
        tokenUrl: z.string().optional(),
        clientId: z.string().optional(),
        scope: z.string().optional(),
        audience: z.string().optional(),
        clientAuth: z.enum(["basic", "body"]).optional(),
      })
      .openapi({ description: "The kind of auth and its public fields: never a credential" }),
    credentialsSet: z.boolean().openapi({
      description: "The credentials are stored (sealed): they are never shown",
    }),
    headers: z.record(z.string(), z.string()),
    rateLimit: z.object({ limit: z.number().int(), period: z.string() }).nullable(),
    health: z
      .object({
        status: z.enum(["ok", "failing", "unused"]).openapi({
          description:
            "`unused`: no call since it was made or its URL or credentials changed; `failing`: the last failure is newer than the last success",
        }),
        lastSuccessAt: Timestamp.nullable(),
        lastFailureAt: Timestamp.nullable(),
        lastError: z.string().nullable(),
      })
      .openapi({
        description:
          "A call is a success when the target answered and took the credentials (2xx, 3xx, 4xx other than 401, 403, 408, 429); a failure is a network error or timeout, 401, 403, 408, 429, 5xx, a refused token request, or a URL outside the base URL",
      }),
    usedBy: z
      .array(z.object({ workflowId: z.string(), name: z.string(), live: z.boolean() }))
      .openapi({
        description: "Workflows that name it: in their live version (`live`), or only in a draft",
      }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    updatedBy: z.string(),
  })
  .openapi("Connection");

const NameParam = z.object({ name: ConnectionName });
const DeleteQuery = z.object({
  force: z
    .enum(["true", "false"])
    .optional()
    .openapi({ description: "Delete even while live workflows use it (their steps then fail)" }),
});

function deps(c: Context<AppEnv>, p: Principal) {
  return { env: c.env, db: c.var.db, tenantId: p.tenantId, actor: actorOf(p), at: nowIso() };
}

export const connectionRoutes = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/connections",
      tags: ["Connections"],
      summary: "List connections with their health and the workflows that use them",
      responses: {
        200: jsonResponse(
          z.object({ items: z.array(Connection), nextCursor: z.null() }),
          "Connections, by name",
        ),
        ...errors(401, 403),
      },
    }),
    async (c) => {
      const p = authorize(c, "read");
      return c.json({ items: await listConnections(deps(c, p)), nextCursor: null }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/connections",
      tags: ["Connections"],
      summary: "Create a connection (its credentials are stored sealed and never shown again)",
      request: { body: jsonBody(NewConnection) },
      responses: {
        201: jsonResponse(Connection, "The connection"),
        ...errors(400, 401, 403, 409, 413, 415),
      },
    }),
    async (c) => {
      const p = authorize(c, "admin");
      return c.json(await createConnection(deps(c, p), c.req.valid("json")), 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/connections/{name}",
      tags: ["Connections"],
      summary: "Get a connection",
      request: { params: NameParam },
      responses: { 200: jsonResponse(Connection, "The connection"), ...errors(400, 401, 403, 404) },
    }),
    async (c) => {
      const p = authorize(c, "read");
      return c.json(await getConnection(deps(c, p), c.req.valid("param").name), 200);
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/v1/connections/{name}",
      tags: ["Connections"],
      summary:
        "Change a connection: what is left out is kept, credentials included; a new kind of auth needs all of its fields",
      description:
        "Workflows use connections by name, so a change applies to their next calls without a new version.",
      request: { params: NameParam, body: jsonBody(ConnectionPatch) },
      responses: {
        200: jsonResponse(Connection, "The connection"),
        ...errors(400, 401, 403, 404, 413, 415),
      },
    }),
    async (c) => {
      const p = authorize(c, "admin");
      const { name } = c.req.valid("param");
      return c.json(await updateConnection(deps(c, p), name, c.req.valid("json")), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/v1/connections/{name}",
      tags: ["Connections"],
      summary:
        "Delete a connection; 409 `in_use` (naming them) while live workflows use it, unless ?force=true",
      request: { params: NameParam, query: DeleteQuery },
      responses: { 204: { description: "Deleted" }, ...errors(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const p = authorize(c, "admin");
      const { name } = c.req.valid("param");
      await deleteConnection(deps(c, p), name, c.req.valid("query").force === "true");
      return c.body(null, 204);
    },
  );
