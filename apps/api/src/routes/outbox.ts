import { createRoute, z } from "@hono/zod-openapi";
import { authorize } from "../auth/authenticate.ts";
import { allows, type Principal, Role } from "../auth/principal.ts";
import { createRouter } from "../http.ts";
import { isKeysetCursor, nextKeysetCursor } from "../repositories/keyset.ts";
import { invitationRoleOf } from "../services/invitations.ts";
import { storeFor } from "../store/client.ts";
import type { OutboxRow } from "../store/outbox.ts";
import {
  decodeCursor,
  encodeCursor,
  errors,
  jsonResponse,
  ListQuery,
  Timestamp,
} from "./common.ts";

const Channel = z.enum(["email", "sms"]);

const OutboxMessage = z
  .object({
    id: z.string(),
    channel: Channel,
    to: z.string(),
    subject: z.string().nullable().openapi({ description: "Email only" }),
    cc: z.string().nullable().openapi({ description: "Email only" }),
    replyTo: z.string().nullable().openapi({ description: "Email only" }),
    body: z.string(),
    runId: z.string().nullable(),
    stepId: z.string().nullable(),
    idempotencyKey: z.string(),
    createdAt: Timestamp,
  })
  .openapi("OutboxMessage");

const OutboxQuery = ListQuery.extend({
  channel: Channel.optional(),
  runId: z.string().max(100).optional(),
});

/**
 * An invitation's link is a key to the tenant at the invited role: in the
 * outbox only those who could grant that role see it (admins; owners for
 * an owner's invitation). Everyone else sees the email with the link cut.
 */
function mayReadInvitation(p: Principal, row: OutboxRow): boolean {
  const invited = invitationRoleOf(row.idempotencyKey);
  if (invited === null) return true;
  if (!allows(p, "admin")) return false;
  return invited !== Role.owner || (p.kind === "user" && p.role === Role.owner);
}

function toMessage(p: Principal, row: OutboxRow): z.infer<typeof OutboxMessage> {
  const body = mayReadInvitation(p, row)
    ? row.body
    : row.body.replace(
        /#token=[\w-]+/g,
        "#token=(hidden: only those who may grant this role see it)",
      );
  return {
    id: row.id,
    channel: row.channel,
    to: row.to,
    subject: row.subject,
    cc: row.cc,
    replyTo: row.replyTo,
    body,
    runId: row.runId,
    stepId: row.stepId,
    idempotencyKey: row.idempotencyKey,
    createdAt: row.createdAt,
  };
}

export const outboxRoutes = createRouter().openapi(
  createRoute({
    method: "get",
    path: "/v1/outbox",
    tags: ["Outbox"],
    summary: "Messages sent through the built-in provider, newest first",
    description:
      "The default email and SMS provider where none is configured: messages are kept here instead of being delivered. One message per idempotency key, ever.",
    request: { query: OutboxQuery },
    responses: {
      200: jsonResponse(
        z.object({ items: z.array(OutboxMessage), nextCursor: z.string().nullable() }),
        "Messages",
      ),
      ...errors(400, 401, 403),
    },
  }),
  async (c) => {
    const p = authorize(c, "read");
    const q = c.req.valid("query");
    const rows = await storeFor(c.env, p.tenantId).listOutbox(p.tenantId, {
      limit: q.limit,
      after: decodeCursor(q.cursor, isKeysetCursor),
      channel: q.channel,
      runId: q.runId,
    });
    const page = rows.slice(0, q.limit);
    const next = nextKeysetCursor(rows, q.limit);
    return c.json(
      {
        items: page.map((row) => toMessage(p, row)),
        nextCursor: next ? encodeCursor(next) : null,
      },
      200,
    );
  },
);
