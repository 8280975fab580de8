import { createRoute, z } from "@hono/zod-openapi";
import { authorize } from "../auth/authenticate.ts";
import { allows } from "../auth/principal.ts";
import { ApiError, ErrorCode, notFound } from "../errors.ts";
import { createRouter } from "../http.ts";
import { nowIso } from "../lib/time.ts";
import { isKeysetCursor, nextKeysetCursor } from "../repositories/keyset.ts";
import { normalizeEmail } from "../repositories/users.ts";
import { storeFor } from "../store/client.ts";
import type { TaskRow } from "../store/tasks.ts";
import {
  decodeCursor,
  encodeCursor,
  errors,
  IdParam,
  jsonBody,
  jsonResponse,
  ListQuery,
  Timestamp,
} from "./common.ts";

const TaskStatus = z.enum(["open", "done"]);

const Task = z
  .object({
    id: z.string(),
    title: z.string(),
    description: z.string().nullable(),
    assignee: z.string().openapi({ description: "The member's email" }),
    due: Timestamp.nullable(),
    status: TaskStatus,
    runId: z.string().nullable(),
    stepId: z.string().nullable(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .openapi("Task");

const TaskQuery = ListQuery.extend({
  status: TaskStatus.optional(),
  assignee: z.string().max(320).optional().openapi({ description: "A member's email" }),
  runId: z.string().max(100).optional(),
});

function toTask(row: TaskRow): z.infer<typeof Task> {
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    assignee: row.assignee,
    due: row.due,
    status: row.status,
    runId: row.runId,
    stepId: row.stepId,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export const tasksRoutes = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/tasks",
      tags: ["Tasks"],
      summary: "List tasks, newest first",
      request: { query: TaskQuery },
      responses: {
        200: jsonResponse(
          z.object({ items: z.array(Task), nextCursor: z.string().nullable() }),
          "Tasks",
        ),
        ...errors(400, 401, 403),
      },
    }),
    async (c) => {
      const p = authorize(c, "read");
      const q = c.req.valid("query");
      const rows = await storeFor(c.env, p.tenantId).listTasks(p.tenantId, {
        limit: q.limit,
        after: decodeCursor(q.cursor, isKeysetCursor),
        status: q.status,
        assignee: q.assignee === undefined ? undefined : normalizeEmail(q.assignee),
        runId: q.runId,
      });
      const page = rows.slice(0, q.limit);
      const next = nextKeysetCursor(rows, q.limit);
      return c.json(
        {
          items: page.map(toTask),
          nextCursor: next ? encodeCursor(next) : null,
        },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/tasks/{id}",
      tags: ["Tasks"],
      summary: "Get a task",
      request: { params: IdParam },
      responses: { 200: jsonResponse(Task, "The task"), ...errors(401, 403, 404) },
    }),
    async (c) => {
      const p = authorize(c, "read");
      const row = await storeFor(c.env, p.tenantId).getTask(p.tenantId, c.req.valid("param").id);
      if (!row) throw notFound("Task");
      return c.json(toTask(row), 200);
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/v1/tasks/{id}",
      tags: ["Tasks"],
      summary: "Mark a task done (or open again)",
      description: "Needs write rights, except for the task's own assignee.",
      request: {
        params: IdParam,
        body: jsonBody(z.object({ status: TaskStatus }).strict().openapi("TaskUpdate")),
      },
      responses: {
        200: jsonResponse(Task, "The task"),
        ...errors(400, 401, 403, 404, 415),
      },
    }),
    async (c) => {
      const p = authorize(c, "read");
      const { id } = c.req.valid("param");
      const store = storeFor(c.env, p.tenantId);
      const row = await store.getTask(p.tenantId, id);
      if (!row) throw notFound("Task");
      // The assignee may close their own task whatever their role: it is
      // theirs to do. Anyone else needs editor rights (API.md).
      const ownTask = p.kind === "user" && p.email === row.assignee;
      if (!ownTask && !allows(p, "write")) {
        throw new ApiError(403, ErrorCode.forbidden, "Updating others' tasks needs 'write' rights");
      }
      const { status } = c.req.valid("json");
      if (status === row.status) return c.json(toTask(row), 200);
      const updated = await store.setTaskStatus(p.tenantId, id, status, nowIso());
      if (!updated) throw notFound("Task");
      return c.json(toTask(updated), 200);
    },
  );
