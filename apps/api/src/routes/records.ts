import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { authorize } from "../auth/authenticate.ts";
import { ApiError, ErrorCode, notFound } from "../errors.ts";
import { type AppEnv, createRouter } from "../http.ts";
import { nowIso } from "../lib/time.ts";
import { listRecordRows } from "../repositories/records.ts";
import { announceEvent } from "../services/events.ts";
import {
  type Fields,
  getRecord,
  MAX_RECORD_ID_LENGTH,
  recordInputProblems,
  recordTypeProblem,
  toRecordView,
  type WriteMode,
  writeRecord,
} from "../services/records.ts";
import {
  decodeCursor,
  encodeCursor,
  errors,
  jsonBody,
  jsonResponse,
  ListQuery,
  Timestamp,
} from "./common.ts";

const RecordType = z
  .string()
  .superRefine((type, ctx) => {
    const problem = recordTypeProblem(type);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  })
  .openapi({
    example: "order",
    description: "Lower-case identifier; its events are <type>.created and <type>.updated",
  });

const TypeParam = z.object({ type: RecordType });
const RecordParams = z.object({
  type: RecordType,
  id: z.string().min(1).max(MAX_RECORD_ID_LENGTH).openapi({ example: "o-1" }),
});

const FieldsBody = z
  .object({
    fields: z
      .record(z.string(), z.unknown())
      .openapi({ example: { status: "paid", amount: 12000 } }),
  })
  .strict()
  .openapi("RecordFields");

const RecordSchema = z
  .object({
    type: z.string(),
    id: z.string(),
    fields: z.record(z.string(), z.unknown()),
    version: z.number().int().openapi({ description: "1 on create, +1 on every change" }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .openapi("Record");

const writeResponses = {
  200: jsonResponse(RecordSchema, "Written (or unchanged: same version, no event)"),
  201: jsonResponse(RecordSchema, "Created; <type>.created was emitted"),
  ...errors(400, 401, 403, 409, 413, 415, 422),
};

/**
 * A write from the API: validated, stored, and its change sent as an event
 * like any other (root causation, source "record"); unchanged writes emit
 * nothing. The event is stored in the write's own D1 batch, so a crash
 * cannot keep the change and lose its event; a lost queue send is re-sent
 * by the sweeper.
 */
async function write(
  c: Context<AppEnv>,
  mode: WriteMode,
  type: string,
  id: string,
  fields: Fields,
) {
  const p = authorize(c, "write");
  const problems = recordInputProblems(type, id, fields);
  if (problems.length > 0) {
    throw new ApiError(422, ErrorCode.validationFailed, "The record is not valid", problems);
  }
  const db = c.var.db;
  if (mode === "merge" && !(await getRecord(db, p.tenantId, type, id))) throw notFound("Record");
  const at = nowIso();
  const result = await writeRecord(db, p.tenantId, { type, id, fields, mode, at }, undefined, {
    source: "record",
  });
  if (result.status !== "written") {
    throw new ApiError(
      409,
      ErrorCode.conflict,
      `Record ${type}/${id} is being changed by others; try again`,
    );
  }
  const { event, record, plan, eventId } = result;
  if (event && eventId) {
    await announceEvent(
      c.env,
      db,
      p.tenantId,
      { id: eventId, type: event.type, data: event.data },
      at,
      c.executionCtx.waitUntil.bind(c.executionCtx),
    );
  }
  return { record, created: plan.created };
}

export const recordsRoutes = createRouter()
  .openapi(
    createRoute({
      method: "put",
      path: "/v1/records/{type}/{id}",
      tags: ["Records"],
      summary: "Create or replace a record; emits <type>.created or <type>.updated",
      request: { params: RecordParams, body: jsonBody(FieldsBody) },
      responses: writeResponses,
    }),
    async (c) => {
      const { type, id } = c.req.valid("param");
      const { record, created } = await write(c, "replace", type, id, c.req.valid("json").fields);
      return created ? c.json(record, 201) : c.json(record, 200);
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/v1/records/{type}/{id}",
      tags: ["Records"],
      summary: "Merge fields into an existing record; emits <type>.updated on a change",
      request: { params: RecordParams, body: jsonBody(FieldsBody) },
      responses: {
        200: jsonResponse(RecordSchema, "Written (or unchanged: same version, no event)"),
        ...errors(400, 401, 403, 404, 409, 413, 415, 422),
      },
    }),
    async (c) => {
      const { type, id } = c.req.valid("param");
      const { record } = await write(c, "merge", type, id, c.req.valid("json").fields);
      return c.json(record, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/records/{type}/{id}",
      tags: ["Records"],
      summary: "Get a record",
      request: { params: RecordParams },
      responses: { 200: jsonResponse(RecordSchema, "The record"), ...errors(400, 401, 403, 404) },
    }),
    async (c) => {
      const p = authorize(c, "read");
      const { type, id } = c.req.valid("param");
      const record = await getRecord(c.var.db, p.tenantId, type, id);
      if (!record) throw notFound("Record");
      return c.json(record, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/records/{type}",
      tags: ["Records"],
      summary: "List records of a type, by id",
      request: { params: TypeParam, query: ListQuery },
      responses: {
        200: jsonResponse(
          z.object({ items: z.array(RecordSchema), nextCursor: z.string().nullable() }),
          "Records",
        ),
        ...errors(400, 401, 403),
      },
    }),
    async (c) => {
      const p = authorize(c, "read");
      const { type } = c.req.valid("param");
      const q = c.req.valid("query");
      const after = decodeCursor(q.cursor, (v): v is string => typeof v === "string");
      const rows = await listRecordRows(c.var.db, p.tenantId, type, q.limit + 1, after);
      const page = rows.slice(0, q.limit);
      return c.json(
        {
          items: page.map(toRecordView),
          nextCursor: rows.length > q.limit ? encodeCursor(page[page.length - 1]!.id) : null,
        },
        200,
      );
    },
  );
