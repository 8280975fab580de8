import { createRoute, z } from "@hono/zod-openapi";
import { authorize } from "../auth/authenticate.ts";
import { ROLES } from "../auth/principal.ts";
import { setSessionCookie } from "../auth/sessions.ts";
import { createRouter } from "../http.ts";
import { listOpenInvitations } from "../repositories/invitations.ts";
import { accept, inspect, resend, revoke, toInvitationView } from "../services/invitations.ts";
import { errors, IdParam, jsonBody, jsonResponse, Timestamp } from "./common.ts";
import { Password } from "./tenants.ts";

export const Invitation = z
  .object({
    id: z.string(),
    email: z.string(),
    role: z.enum(ROLES),
    name: z.string().nullable(),
    status: z.enum(["pending", "expired"]),
    invitedBy: z.object({ type: z.string(), id: z.string() }),
    createdAt: Timestamp,
    sentAt: Timestamp,
    expiresAt: Timestamp,
    sendError: z.string().nullable().openapi({
      description: "Why the last email did not go out (the tenant's email provider), or null",
    }),
  })
  .openapi("Invitation");

const Token = z.string().min(20).max(200);

const Joined = z
  .object({ tenant: z.object({ id: z.string(), name: z.string() }), role: z.enum(ROLES) })
  .openapi("InvitationAccepted");

export const invitationRoutes = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/invitations",
      tags: ["Members"],
      summary: "Invitations waiting for an answer (pending or expired), newest first",
      responses: {
        200: jsonResponse(
          z.object({ items: z.array(Invitation), nextCursor: z.null() }),
          "Invitations",
        ),
        ...errors(401, 403),
      },
    }),
    async (c) => {
      const p = authorize(c, "admin");
      const rows = await listOpenInvitations(c.var.db, p.tenantId);
      return c.json({ items: rows.map((r) => toInvitationView(r)), nextCursor: null }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/invitations/{id}/resend",
      tags: ["Members"],
      summary: "Send the invitation again: a new link (the old one stops working), 7 more days",
      request: { params: IdParam },
      responses: { 200: jsonResponse(Invitation, "The invitation"), ...errors(401, 403, 404) },
    }),
    async (c) => {
      const p = authorize(c, "admin");
      return c.json(await resend(c.env, c.var.db, p, c.req.valid("param").id), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/v1/invitations/{id}",
      tags: ["Members"],
      summary: "Withdraw an invitation: its link stops working",
      request: { params: IdParam },
      responses: { 204: { description: "Withdrawn" }, ...errors(401, 403, 404) },
    }),
    async (c) => {
      const p = authorize(c, "admin");
      await revoke(c.env, c.var.db, p, c.req.valid("param").id);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/invitations/inspect",
      tags: ["Members"],
      summary: "What an invitation link offers (for the person holding it; no sign-in)",
      request: { body: jsonBody(z.object({ token: Token }).strict()) },
      responses: {
        200: jsonResponse(
          z.object({
            email: z.string(),
            role: z.enum(ROLES),
            tenant: z.object({ name: z.string() }),
            expiresAt: Timestamp,
            account: z.enum(["new", "existing"]),
          }),
          "The invitation",
        ),
        ...errors(400, 404),
      },
    }),
    async (c) => c.json(await inspect(c.var.db, c.req.valid("json").token), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/invitations/accept",
      tags: ["Members"],
      summary: "Accept an invitation: a new person chooses a password and is signed in",
      description:
        "A person who already has an account must be signed in as the invited email (401 `sign_in_required` otherwise); their session moves to the tenant.",
      request: {
        body: jsonBody(
          z
            .object({
              token: Token,
              password: Password.optional(),
              name: z.string().trim().min(1).max(100).optional(),
            })
            .strict(),
        ),
      },
      responses: { 200: jsonResponse(Joined, "Joined"), ...errors(400, 401, 404, 422) },
    }),
    async (c) => {
      const joined = await accept(c.env, c.var.db, c.var.principal, c.req.valid("json"));
      if (joined.session) setSessionCookie(c, joined.session.token);
      return c.json({ tenant: joined.tenant, role: joined.role }, 200);
    },
  );
