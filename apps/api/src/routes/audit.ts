import { createRoute, z } from "@hono/zod-openapi";
import { authorize } from "../auth/authenticate.ts";
import { createRouter } from "../http.ts";
import { listAudit, verifyAudit } from "../repositories/audit.ts";
import { auditKeyOf } from "../services/context.ts";
import { decodeCursor, encodeCursor, errors, jsonResponse, ListQuery } from "./common.ts";

const AuditEntry = z
  .object({
    id: z.string(),
    seq: z.number(),
    at: z.string(),
    actor: z.object({ type: z.enum(["user", "api_key", "system", "platform"]), id: z.string() }),
    type: z.string().openapi({ example: "workflow.created" }),
    subject: z.string(),
    details: z.record(z.string(), z.unknown()),
    hash: z.string(),
    prevHash: z.string(),
  })
  .openapi("AuditEntry");

const Rfc3339 = z.iso.datetime({ offset: true });

const AuditQuery = ListQuery.extend({
  type: z.string().max(100).optional(),
  actor: z.string().max(100).optional().openapi({ description: "An actor id (user, API key)" }),
  since: Rfc3339.optional(),
  until: Rfc3339.optional(),
});

const Verify = z
  .object({
    ok: z.boolean(),
    entries: z
      .number()
      .openapi({ description: "Entries verified before the first broken link, or all" }),
    brokenAt: z
      .object({
        seq: z.number(),
        id: z.string().nullable(),
        reason: z.enum(["hash_mismatch", "broken_link", "gap"]),
      })
      .optional(),
  })
  .openapi("AuditVerification");

const toUtc = (t: string | undefined) => (t === undefined ? undefined : new Date(t).toISOString());

export const auditRoutes = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/audit",
      tags: ["Audit"],
      summary: "The tenant's audit log, newest first",
      request: { query: AuditQuery },
      responses: {
        200: jsonResponse(
          z.object({ items: z.array(AuditEntry), nextCursor: z.string().nullable() }),
          "Entries",
        ),
        ...errors(400, 401, 403),
      },
    }),
    async (c) => {
      const p = authorize(c, "read");
      const q = c.req.valid("query");
      const beforeSeq = decodeCursor(q.cursor, (v): v is number => Number.isInteger(v));
      const rows = await listAudit(c.var.db, p.tenantId, {
        type: q.type,
        actor: q.actor,
        since: toUtc(q.since),
        until: toUtc(q.until),
        limit: q.limit + 1,
        beforeSeq,
      });
      const page = rows.slice(0, q.limit);
      return c.json(
        {
          items: page,
          nextCursor: rows.length > q.limit ? encodeCursor(page[page.length - 1]!.seq) : null,
        },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/audit/verify",
      tags: ["Audit"],
      summary: "Recompute the chain's HMACs: ok, or the first broken link",
      responses: { 200: jsonResponse(Verify, "The verification"), ...errors(401, 403) },
    }),
    async (c) => {
      const p = authorize(c, "read");
      return c.json(await verifyAudit(c.var.db, auditKeyOf(c.env), p.tenantId), 200);
    },
  );
