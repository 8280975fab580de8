import { createRoute, z } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { authorize } from "../auth/authenticate.ts";
import { actorOf, ROLES, Role } from "../auth/principal.ts";
import { memberships, sessions } from "../db/schema.ts";
import { ApiError, ErrorCode, notFound } from "../errors.ts";
import { createRouter } from "../http.ts";
import { nowIso } from "../lib/time.ts";
import { AuditType, commitWithAudit } from "../repositories/audit.ts";
import { countOwners, getMember, listMembers } from "../repositories/users.ts";
import { auditKeyOf } from "../services/context.ts";
import { invite } from "../services/invitations.ts";
import { errors, IdParam, jsonBody, jsonResponse } from "./common.ts";
import { Invitation } from "./invitations.ts";
import { Email } from "./tenants.ts";

const RoleSchema = z.enum(ROLES);
const Member = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string(),
    role: RoleSchema,
    createdAt: z.string(),
  })
  .openapi("Member");

const NewMember = z
  .object({
    email: Email,
    role: RoleSchema,
    name: z.string().trim().min(1).max(100).optional(),
    password: z.unknown().optional().openapi({
      description: "Refused (400): people choose their own password when they accept",
    }),
  })
  .strict();

const MemberPatch = z
  .object({ role: RoleSchema.optional(), name: z.string().trim().min(1).max(100).optional() })
  .strict();

/**
 * Runs a change that may demote or remove an owner: the database refuses
 * to leave a tenant without one (migration 0010's trigger), even when two
 * such changes race past the count check; that refusal is a 409.
 */
async function lastOwnerIsConflict(change: () => Promise<void>): Promise<void> {
  try {
    await change();
  } catch (err) {
    if (String((err as Error)?.message ?? err).includes("last_owner")) {
      throw new ApiError(409, ErrorCode.conflict, "A tenant keeps at least one owner");
    }
    throw err;
  }
}

/** Only an owner may grant, change or remove the owner role (API.md). */
export function assertMayTouchOwners(isOwner: boolean, roles: Array<string | undefined>): void {
  if (!isOwner && roles.includes(Role.owner)) {
    throw new ApiError(
      403,
      ErrorCode.forbidden,
      "Only an owner may grant, change or remove the owner role",
    );
  }
}

export const memberRoutes = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/members",
      tags: ["Members"],
      summary: "List the tenant's members",
      responses: {
        200: jsonResponse(z.object({ items: z.array(Member), nextCursor: z.null() }), "Members"),
        ...errors(401, 403),
      },
    }),
    async (c) => {
      const p = authorize(c, "read");
      return c.json({ items: await listMembers(c.var.db, p.tenantId), nextCursor: null }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/members",
      tags: ["Members"],
      summary: "Invite a person: they get a link and choose their own password",
      description:
        "Answers the same whether or not the email has an account. A `password` is never accepted: no admin sets another person's password.",
      request: { body: jsonBody(NewMember) },
      responses: {
        201: jsonResponse(Invitation, "The invitation (sent)"),
        ...errors(400, 401, 403, 409),
      },
    }),
    async (c) => {
      const p = authorize(c, "admin");
      const body = c.req.valid("json");
      if (body.password !== undefined) {
        throw new ApiError(
          400,
          ErrorCode.badRequest,
          "An admin never sets another person's password: they choose it when they accept the invitation",
          [{ path: "password", message: "not accepted; leave it out" }],
        );
      }
      assertMayTouchOwners(p.kind === "user" && p.role === Role.owner, [body.role]);
      return c.json(await invite(c.env, c.var.db, p, body), 201);
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/v1/members/{id}",
      tags: ["Members"],
      summary: "Change a member's role or name",
      request: { params: IdParam, body: jsonBody(MemberPatch) },
      responses: { 200: jsonResponse(Member, "The member"), ...errors(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const p = authorize(c, "admin");
      const { id } = c.req.valid("param");
      const body = c.req.valid("json");
      const db = c.var.db;
      const member = await getMember(db, p.tenantId, id);
      if (!member) throw notFound("Member");
      if (body.role !== undefined && body.role !== member.role) {
        assertMayTouchOwners(p.kind === "user" && p.role === Role.owner, [body.role, member.role]);
        if (member.role === Role.owner && (await countOwners(db, p.tenantId)) <= 1) {
          throw new ApiError(409, ErrorCode.conflict, "A tenant keeps at least one owner");
        }
      }
      await lastOwnerIsConflict(() =>
        commitWithAudit(
          db,
          auditKeyOf(c.env),
          p.tenantId,
          nowIso(),
          () => {
            const items: BatchItem<"sqlite">[] = [];
            if (body.role !== undefined) {
              items.push(
                db
                  .update(memberships)
                  .set({ role: body.role })
                  .where(and(eq(memberships.tenantId, p.tenantId), eq(memberships.userId, id))),
              );
            }
            // A person belongs to themselves: an admin's rename is this tenant's
            // name for them, and every other tenant keeps showing theirs.
            if (body.name !== undefined) {
              items.push(
                db
                  .update(memberships)
                  .set({ displayName: body.name })
                  .where(and(eq(memberships.tenantId, p.tenantId), eq(memberships.userId, id))),
              );
            }
            return items;
          },
          [
            {
              type: AuditType.userUpdated,
              actor: actorOf(p),
              subject: id,
              details: { ...body, previousRole: member.role },
            },
          ],
        ),
      );
      return c.json((await getMember(db, p.tenantId, id))!, 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/v1/members/{id}",
      tags: ["Members"],
      summary: "Remove a member from the tenant (their sessions here end)",
      request: { params: IdParam },
      responses: { 204: { description: "Removed" }, ...errors(401, 403, 404, 409) },
    }),
    async (c) => {
      const p = authorize(c, "admin");
      const { id } = c.req.valid("param");
      const db = c.var.db;
      const member = await getMember(db, p.tenantId, id);
      if (!member) throw notFound("Member");
      assertMayTouchOwners(p.kind === "user" && p.role === Role.owner, [member.role]);
      if (member.role === Role.owner && (await countOwners(db, p.tenantId)) <= 1) {
        throw new ApiError(409, ErrorCode.conflict, "A tenant keeps at least one owner");
      }
      await lastOwnerIsConflict(() =>
        commitWithAudit(
          db,
          auditKeyOf(c.env),
          p.tenantId,
          nowIso(),
          () => [
            db
              .delete(memberships)
              .where(and(eq(memberships.tenantId, p.tenantId), eq(memberships.userId, id))),
            db
              .delete(sessions)
              .where(and(eq(sessions.tenantId, p.tenantId), eq(sessions.userId, id))),
          ],
          [
            {
              type: AuditType.userRemoved,
              actor: actorOf(p),
              subject: id,
              details: { email: member.email, role: member.role },
            },
          ],
        ),
      );
      return c.body(null, 204);
    },
  );
