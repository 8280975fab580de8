import { createRoute, z } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { authorize } from "../auth/authenticate.ts";
import { actorOf, ROLES, Role } from "../auth/principal.ts";
import { memberships, sessions, users } from "../db/schema.ts";
import { ApiError, ErrorCode, notFound } from "../errors.ts";
import { createRouter } from "../http.ts";
import { hashPassword, newId } from "../lib/crypto.ts";
import { nowIso } from "../lib/time.ts";
import { AuditType, commitWithAudit } from "../repositories/audit.ts";
import {
  countOwners,
  findUserByEmail,
  getMember,
  listMembers,
  normalizeEmail,
} from "../repositories/users.ts";
import { auditKeyOf } from "../services/context.ts";
import { errors, IdParam, jsonBody, jsonResponse } from "./common.ts";
import { Email, Password } from "./tenants.ts";

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
    password: Password.optional().openapi({
      description: "Needed when the person has no account yet",
    }),
  })
  .strict();

const MemberPatch = z
  .object({ role: RoleSchema.optional(), name: z.string().trim().min(1).max(100).optional() })
  .strict();

/** Only an owner may grant, change or remove the owner role (API.md). */
function assertMayTouchOwners(isOwner: boolean, roles: Array<string | undefined>): void {
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
      summary: "Add a member (creating their account when needed)",
      request: { body: jsonBody(NewMember) },
      responses: { 201: jsonResponse(Member, "The member"), ...errors(400, 401, 403, 409, 422) },
    }),
    async (c) => {
      const p = authorize(c, "admin");
      const body = c.req.valid("json");
      assertMayTouchOwners(p.kind === "user" && p.role === Role.owner, [body.role]);
      const db = c.var.db;
      const email = normalizeEmail(body.email);
      const existing = await findUserByEmail(db, email);
      if (existing && (await getMember(db, p.tenantId, existing.id))) {
        throw new ApiError(409, ErrorCode.conflict, "This person is already a member", [
          { path: "email", message: "already a member" },
        ]);
      }
      if (!existing && !body.password) {
        throw new ApiError(422, ErrorCode.validationFailed, "A new person needs a password", [
          { path: "password", message: "required when the email has no account yet" },
        ]);
      }
      const userId = existing?.id ?? newId("us");
      const at = nowIso();
      const passwordHash = existing ? undefined : await hashPassword(body.password!);
      await commitWithAudit(
        db,
        auditKeyOf(c.env),
        p.tenantId,
        at,
        () => {
          const items: BatchItem<"sqlite">[] = [];
          if (passwordHash) {
            items.push(
              db.insert(users).values({
                id: userId,
                email,
                name: body.name ?? email.split("@")[0]!,
                passwordHash,
                lastTenantId: p.tenantId,
                createdAt: at,
              }),
            );
          }
          items.push(
            db
              .insert(memberships)
              .values({ tenantId: p.tenantId, userId, role: body.role, createdAt: at }),
          );
          return items;
        },
        [
          {
            type: AuditType.userCreated,
            actor: actorOf(p),
            subject: userId,
            details: { email, role: body.role },
          },
        ],
      );
      return c.json((await getMember(db, p.tenantId, userId))!, 201);
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
      await commitWithAudit(
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
          // A display name is the person's own; only their own tenant's admins edit it here.
          if (body.name !== undefined)
            items.push(db.update(users).set({ name: body.name }).where(eq(users.id, id)));
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
      await commitWithAudit(
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
      );
      return c.body(null, 204);
    },
  );
