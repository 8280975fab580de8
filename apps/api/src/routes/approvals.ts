import { createRoute, z } from "@hono/zod-openapi";
import { and, desc, eq } from "drizzle-orm";
import { authorize } from "../auth/authenticate.ts";
import { actorOf, allows } from "../auth/principal.ts";
import { approvals, tasks } from "../db/schema.ts";
import { ApiError, ErrorCode, notFound } from "../errors.ts";
import { createRouter } from "../http.ts";
import { nowIso } from "../lib/time.ts";
import { AuditType, commitWithAudit } from "../repositories/audit.ts";
import { isKeysetCursor, olderThan } from "../repositories/keyset.ts";
import type { getUser } from "../repositories/users.ts";
import { auditKeyOf } from "../services/context.ts";
import {
  decodeCursor,
  encodeCursor,
  errors,
  IdParam,
  jsonBody,
  jsonResponse,
  ListQuery,
} from "./common.ts";

const STATUSES = ["pending", "approved", "rejected", "expired", "cancelled"] as const;

const Approval = z
  .object({
    id: z.string(),
    runId: z.string(),
    stepId: z.string(),
    workflowId: z.string(),
    title: z.string(),
    description: z.string().nullable(),
    approver: z.string(),
    status: z.enum(STATUSES),
    decidedBy: z.string().nullable(),
    decidedAt: z.string().nullable(),
    comment: z.string().nullable(),
    expiresAt: z.string(),
    createdAt: z.string(),
  })
  .openapi("Approval");

type Row = typeof approvals.$inferSelect;
const view = (r: Row) => ({
  id: r.id,
  runId: r.runId,
  stepId: r.stepId,
  workflowId: r.workflowId,
  title: r.title,
  description: r.description,
  approver: r.approver,
  status: r.status,
  decidedBy: r.decidedBy,
  decidedAt: r.decidedAt,
  comment: r.comment,
  expiresAt: r.expiresAt,
  createdAt: r.createdAt,
});

async function getApproval(
  db: Parameters<typeof getUser>[0],
  tenantId: string,
  id: string,
): Promise<Row> {
  const rows = await db
    .select()
    .from(approvals)
    .where(and(eq(approvals.tenantId, tenantId), eq(approvals.id, id)))
    .limit(1);
  if (!rows[0]) throw notFound("Approval");
  return rows[0];
}

export const approvalRoutes = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/approvals",
      tags: ["Approvals"],
      summary: "List approvals, newest first",
      request: {
        query: ListQuery.extend({
          status: z.enum(STATUSES).optional(),
          approver: z.string().max(254).optional(),
          mine: z.enum(["true", "false"]).optional(),
        }),
      },
      responses: {
        200: jsonResponse(
          z.object({ items: z.array(Approval), nextCursor: z.string().nullable() }),
          "Approvals",
        ),
        ...errors(400, 401, 403),
      },
    }),
    async (c) => {
      const p = authorize(c, "read");
      const q = c.req.valid("query");
      const conds = [eq(approvals.tenantId, p.tenantId)];
      if (q.status) conds.push(eq(approvals.status, q.status));
      if (q.approver) conds.push(eq(approvals.approver, q.approver.trim().toLowerCase()));
      if (q.mine === "true" && p.kind === "user") conds.push(eq(approvals.approver, p.email));
      const after = decodeCursor(q.cursor, isKeysetCursor);
      if (after) conds.push(olderThan(approvals.createdAt, approvals.id, after));
      const rows = await c.var.db
        .select()
        .from(approvals)
        .where(and(...conds))
        .orderBy(desc(approvals.createdAt), desc(approvals.id))
        .limit(q.limit + 1);
      const page = rows.slice(0, q.limit);
      const last = page[page.length - 1];
      return c.json(
        {
          items: page.map(view),
          nextCursor:
            rows.length > q.limit && last
              ? encodeCursor({ createdAt: last.createdAt, id: last.id })
              : null,
        },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/approvals/{id}",
      tags: ["Approvals"],
      summary: "Get an approval",
      request: { params: IdParam },
      responses: { 200: jsonResponse(Approval, "The approval"), ...errors(401, 403, 404) },
    }),
    async (c) => {
      const p = authorize(c, "read");
      return c.json(view(await getApproval(c.var.db, p.tenantId, c.req.valid("param").id)), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/approvals/{id}/decide",
      tags: ["Approvals"],
      summary: "Approve or reject (the approver, an admin or an owner); resumes the run",
      request: {
        params: IdParam,
        body: jsonBody(
          z
            .object({
              decision: z.enum(["approved", "rejected"]),
              comment: z.string().max(2000).optional(),
            })
            .strict(),
        ),
      },
      responses: { 200: jsonResponse(Approval, "Decided"), ...errors(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const p = authorize(c, "read");
      const { id } = c.req.valid("param");
      const body = c.req.valid("json");
      const db = c.var.db;
      const a = await getApproval(db, p.tenantId, id);
      const isApprover = p.kind === "user" && p.email === a.approver;
      if (!isApprover && !allows(p, "admin")) {
        throw new ApiError(
          403,
          ErrorCode.forbidden,
          `Only ${a.approver}, an admin or an owner may decide this approval`,
        );
      }
      if (a.status !== "pending")
        throw new ApiError(409, ErrorCode.conflict, `This approval is already ${a.status}`);
      const at = nowIso();
      const actor = actorOf(p);
      const decidedBy = p.kind === "user" ? p.email : `api_key:${p.keyId}`;
      // Claim the decision first: of two concurrent deciders exactly one wins.
      const claimed = await db
        .update(approvals)
        .set({ status: body.decision, decidedBy, decidedAt: at, comment: body.comment ?? null })
        .where(
          and(
            eq(approvals.tenantId, p.tenantId),
            eq(approvals.id, id),
            eq(approvals.status, "pending"),
          ),
        );
      if ((claimed.meta.changes ?? 0) === 0) {
        const now = await getApproval(db, p.tenantId, id);
        throw new ApiError(409, ErrorCode.conflict, `This approval is already ${now.status}`);
      }
      await commitWithAudit(
        db,
        auditKeyOf(c.env),
        p.tenantId,
        at,
        () => [
          db
            .update(tasks)
            .set({ status: "done", updatedAt: at })
            .where(
              and(
                eq(tasks.tenantId, p.tenantId),
                eq(tasks.runId, a.runId),
                eq(tasks.stepId, a.stepId),
              ),
            ),
        ],
        [
          {
            type: AuditType.approvalDecided,
            actor,
            subject: id,
            details: {
              decision: body.decision,
              runId: a.runId,
              stepId: a.stepId,
              comment: body.comment ?? null,
            },
          },
        ],
      );
      const stub = c.env.RUNS.get(c.env.RUNS.idFromName(a.runId));
      await stub.input({
        type: "approvalDecided",
        stepId: a.stepId,
        decision: body.decision,
        decidedBy,
        comment: body.comment ?? null,
        at: Date.now(),
      });
      return c.json(view(await getApproval(db, p.tenantId, id)), 200);
    },
  );
