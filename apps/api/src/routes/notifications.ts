import { createRoute, z } from "@hono/zod-openapi";
import { authorize } from "../auth/authenticate.ts";
import { allows } from "../auth/principal.ts";
import { ApiError, ErrorCode, notFound } from "../errors.ts";
import { createRouter } from "../http.ts";
import { isKeysetCursor, nextKeysetCursor } from "../repositories/keyset.ts";
import { normalizeEmail } from "../repositories/users.ts";
import { storeFor } from "../store/client.ts";
import type { NotificationRow } from "../store/notifications.ts";
import {
  decodeCursor,
  encodeCursor,
  errors,
  IdParam,
  jsonResponse,
  ListQuery,
  Timestamp,
} from "./common.ts";

const Notification = z
  .object({
    id: z.string(),
    user: z.string().openapi({ description: "The member's email" }),
    message: z.string(),
    link: z.string().nullable(),
    read: z.boolean(),
    runId: z.string().nullable(),
    stepId: z.string().nullable(),
    createdAt: Timestamp,
  })
  .openapi("Notification");

const NotificationQuery = ListQuery.extend({
  user: z.string().max(320).optional().openapi({
    description: "A member's email. Default: a signed-in user's own; every member's for an API key",
  }),
  unread: z.enum(["true", "false"]).optional().openapi({ description: "true: unread only" }),
});

function toNotification(row: NotificationRow): z.infer<typeof Notification> {
  return {
    id: row.id,
    user: row.user,
    message: row.message,
    link: row.link,
    read: row.read,
    runId: row.runId,
    stepId: row.stepId,
    createdAt: row.createdAt,
  };
}

export const notificationsRoutes = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/notifications",
      tags: ["Notifications"],
      summary: "List in-app notifications, newest first",
      request: { query: NotificationQuery },
      responses: {
        200: jsonResponse(
          z.object({ items: z.array(Notification), nextCursor: z.string().nullable() }),
          "Notifications",
        ),
        ...errors(400, 401, 403),
      },
    }),
    async (c) => {
      const p = authorize(c, "read");
      const q = c.req.valid("query");
      // The builder's bell shows the signed-in member's own; integrators
      // (API keys) see everyone's unless they ask for one member.
      const user =
        q.user !== undefined ? normalizeEmail(q.user) : p.kind === "user" ? p.email : undefined;
      const rows = await storeFor(c.env, p.tenantId).listNotifications(p.tenantId, {
        limit: q.limit,
        after: decodeCursor(q.cursor, isKeysetCursor),
        user,
        unread: q.unread === "true",
      });
      const page = rows.slice(0, q.limit);
      const next = nextKeysetCursor(rows, q.limit);
      return c.json(
        {
          items: page.map(toNotification),
          nextCursor: next ? encodeCursor(next) : null,
        },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/notifications/{id}/read",
      tags: ["Notifications"],
      summary: "Mark a notification read",
      description: "A member marks their own; marking someone else's needs write rights.",
      request: { params: IdParam },
      responses: {
        200: jsonResponse(Notification, "The notification"),
        ...errors(401, 403, 404),
      },
    }),
    async (c) => {
      const p = authorize(c, "read");
      const { id } = c.req.valid("param");
      const store = storeFor(c.env, p.tenantId);
      const row = await store.getNotification(p.tenantId, id);
      if (!row) throw notFound("Notification");
      const own = p.kind === "user" && p.email === row.user;
      if (!own && !allows(p, "write")) {
        throw new ApiError(
          403,
          ErrorCode.forbidden,
          "Marking others' notifications read needs 'write' rights",
        );
      }
      if (!row.read) await store.markNotificationRead(p.tenantId, id);
      return c.json(toNotification({ ...row, read: true }), 200);
    },
  );
