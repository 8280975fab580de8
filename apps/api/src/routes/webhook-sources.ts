import { createRoute, z } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { authorize } from "../auth/authenticate.ts";
import { actorOf } from "../auth/principal.ts";
import { webhookSources } from "../db/schema.ts";
import { notFound } from "../errors.ts";
import { createRouter } from "../http.ts";
import { newId } from "../lib/crypto.ts";
import { encryptSecret, newWebhookSecret } from "../lib/secrets.ts";
import { nowIso } from "../lib/time.ts";
import { AuditType, commitWithAudit } from "../repositories/audit.ts";
import { getSource, listSources, sourceView } from "../repositories/webhook-sources.ts";
import { RequiredSecret, requiredSecret } from "../required-secrets.ts";
import { auditKeyOf } from "../services/context.ts";
import { rotateSourceSecret } from "../services/webhook-sources.ts";
import { errors, IdParam, jsonBody, jsonResponse } from "./common.ts";
import { EventType } from "./events.ts";

const Source = z
  .object({
    id: z.string(),
    name: z.string(),
    eventType: z.string().nullable(),
    url: z.string().openapi({ example: "/hooks/whs_…" }),
    createdAt: z.string(),
    createdBy: z.string(),
    rotatedAt: z.string().nullable(),
    previousSecretExpiresAt: z.string().nullable(),
  })
  .openapi("WebhookSource");

const NewSource = z
  .object({
    name: z.string().trim().min(1).max(100),
    eventType: EventType.optional().openapi({
      description: "Fixed type: the body of each delivery is the event's data",
    }),
  })
  .strict();

export const webhookSourceRoutes = createRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/webhook-sources",
      tags: ["Webhook sources"],
      summary: "Create an inbound webhook source; its secret is shown only here",
      request: { body: jsonBody(NewSource) },
      responses: {
        201: jsonResponse(Source.extend({ secret: z.string() }), "The source and its secret"),
        ...errors(400, 401, 403),
      },
    }),
    async (c) => {
      const p = authorize(c, "admin");
      const body = c.req.valid("json");
      const db = c.var.db;
      const id = newId("whs", 20);
      const secret = newWebhookSecret();
      const secretEnc = await encryptSecret(
        requiredSecret(c.env, RequiredSecret.encryptionKey),
        secret,
      );
      const at = nowIso();
      const actor = actorOf(p);
      await commitWithAudit(
        db,
        auditKeyOf(c.env),
        p.tenantId,
        at,
        () => [
          db.insert(webhookSources).values({
            tenantId: p.tenantId,
            id,
            name: body.name,
            eventType: body.eventType ?? null,
            secretEnc,
            createdAt: at,
            createdBy: actor.id,
          }),
        ],
        [
          {
            type: AuditType.webhookSourceCreated,
            actor,
            subject: id,
            details: { name: body.name, eventType: body.eventType ?? null },
          },
        ],
      );
      return c.json({ ...sourceView((await getSource(db, p.tenantId, id))!), secret }, 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/webhook-sources",
      tags: ["Webhook sources"],
      summary: "List webhook sources (never their secrets)",
      responses: {
        200: jsonResponse(z.object({ items: z.array(Source), nextCursor: z.null() }), "Sources"),
        ...errors(401, 403),
      },
    }),
    async (c) => {
      const p = authorize(c, "read");
      return c.json(
        { items: (await listSources(c.var.db, p.tenantId)).map(sourceView), nextCursor: null },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/webhook-sources/{id}",
      tags: ["Webhook sources"],
      summary: "Get a webhook source",
      request: { params: IdParam },
      responses: { 200: jsonResponse(Source, "The source"), ...errors(401, 403, 404) },
    }),
    async (c) => {
      const p = authorize(c, "read");
      const s = await getSource(c.var.db, p.tenantId, c.req.valid("param").id);
      if (!s) throw notFound("Webhook source");
      return c.json(sourceView(s), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/webhook-sources/{id}/rotate-secret",
      tags: ["Webhook sources"],
      summary: "New secret; the old one keeps verifying for 24 hours",
      description:
        "409 `conflict` when another rotation finished between this one's read and its write: that rotation's secret is current and nothing changed here (a retry would push an answered secret out of its grace).",
      request: { params: IdParam },
      responses: {
        200: jsonResponse(
          z.object({ secret: z.string(), previousSecretExpiresAt: z.string() }),
          "The new secret",
        ),
        ...errors(401, 403, 404, 409),
      },
    }),
    async (c) => {
      const p = authorize(c, "admin");
      const { id } = c.req.valid("param");
      const db = c.var.db;
      const s = await getSource(db, p.tenantId, id);
      if (!s) throw notFound("Webhook source");
      const r = await rotateSourceSecret(db, c.env, s, actorOf(p), nowIso());
      return c.json(r, 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/v1/webhook-sources/{id}",
      tags: ["Webhook sources"],
      summary: "Delete a source: its URL answers 404 from then on",
      request: { params: IdParam },
      responses: { 204: { description: "Deleted" }, ...errors(401, 403, 404) },
    }),
    async (c) => {
      const p = authorize(c, "admin");
      const { id } = c.req.valid("param");
      const db = c.var.db;
      const s = await getSource(db, p.tenantId, id);
      if (!s) throw notFound("Webhook source");
      const at = nowIso();
      await commitWithAudit(
        db,
        auditKeyOf(c.env),
        p.tenantId,
        at,
        () => [
          db
            .update(webhookSources)
            .set({ deletedAt: at })
            .where(and(eq(webhookSources.tenantId, p.tenantId), eq(webhookSources.id, id))),
        ],
        [
          {
            type: AuditType.webhookSourceDeleted,
            actor: actorOf(p),
            subject: id,
            details: { name: s.name },
          },
        ],
      );
      return c.body(null, 204);
    },
  );
