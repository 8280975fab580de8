import { createRoute, z } from "@hono/zod-openapi";
import { authorize } from "../auth/authenticate.ts";
import { actorOf, allows } from "../auth/principal.ts";
import type { Env } from "../env.ts";
import { ApiError, ErrorCode, notFound } from "../errors.ts";
import { createRouter } from "../http.ts";
import { nowIso } from "../lib/time.ts";
import { isKeysetCursor } from "../repositories/keyset.ts";
import { decideApproval } from "../services/approvals.ts";
import type { ApprovalRow } from "../store/approvals.ts";
import { storeFor } from "../store/client.ts";
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

const SummaryLine = z
  .object({ label: z.string(), value: z.string() })
  .openapi("ApprovalSummaryLine", { example: { label: "Amount", value: "12500" } });

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
    summary: z.array(SummaryLine).openapi({
      description:
        "The facts to decide on, as the workflow's author chose them (config.summary), rendered when the step ran; empty when none were chosen",
    }),
  })
  .openapi("Approval");

const view = (r: ApprovalRow) => ({
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
  summary: r.summary ?? [],
});

async function getApproval(env: Env, tenantId: string, id: string): Promise<ApprovalRow> {
  const row = await storeFor(env, tenantId).getApproval(tenantId, id);
  if (!row) throw notFound("Approval");
  return row;
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
      const approver = q.approver ? q.approver.trim().toLowerCase() : undefined;
      const mine = q.mine === "true" && p.kind === "user" ? p.email : undefined;
      // Both filters given and different: nobody is both approvers.
      if (approver !== undefined && mine !== undefined && approver !== mine) {
        return c.json({ items: [], nextCursor: null }, 200);
      }
      const rows = await storeFor(c.env, p.tenantId).listApprovals(p.tenantId, {
        limit: q.limit,
        after: decodeCursor(q.cursor, isKeysetCursor),
        status: q.status,
        approver: mine ?? approver,
      });
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
      return c.json(view(await getApproval(c.env, p.tenantId, c.req.valid("param").id)), 200);
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
      const a = await getApproval(c.env, p.tenantId, id);
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
      const decided = await decideApproval(c.env, p.tenantId, a, {
        decision: body.decision,
        comment: body.comment ?? null,
        decidedBy: p.kind === "user" ? p.email : `api_key:${p.keyId}`,
        actor: actorOf(p),
        at: nowIso(),
      });
      return c.json(view(decided), 200);
    },
  );
