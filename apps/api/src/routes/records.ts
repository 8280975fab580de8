import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { authorize } from "../auth/authenticate.ts";
import { actorOf } from "../auth/principal.ts";
import { ApiError, ErrorCode, notFound } from "../errors.ts";
import { type AppEnv, createRouter } from "../http.ts";
import { rateLimited } from "../services/events.ts";
import {
  type Fields,
  MAX_RECORD_ID_LENGTH,
  type RecordView,
  recordInputProblems,
  recordTypeProblem,
  type WriteMode,
} from "../services/records.ts";
import { storeFor } from "../store/client.ts";
import type { RecordWriteReply } from "../store/records.ts";
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
  ...errors(400, 401, 403, 409, 413, 415, 422, 429),
};

/**
 * A write from the API: validated, then stored by the tenant's store with
 * its change event (root causation, source "record") in one transaction,
 * so a crash cannot keep the change and lose its event; the store sends
 * the event on like any other (a lost send is matched by its alarm).
 * Unchanged writes emit nothing. Spends the tenant's `records` limit.
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
  // RPC typing cannot express `unknown` fields; the store answers a RecordWriteReply.
  const reply = (await storeFor(c.env, p.tenantId).putRecord(p.tenantId, {
    type,
    id,
    fields,
    mode,
    actor: actorOf(p),
  })) as unknown as RecordWriteReply;
  if (reply.ok) return { record: reply.record, created: reply.created };
  if (reply.reason === "not_found") throw notFound("Record");
  throw rateLimited("records", reply.retryAfterMs);
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
        ...errors(400, 401, 403, 404, 409, 413, 415, 422, 429),
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
      const record = (await storeFor(c.env, p.tenantId).getRecord(
        p.tenantId,
        type,
        id,
      )) as unknown as RecordView | null;
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
      const rows = (await storeFor(c.env, p.tenantId).listRecords(p.tenantId, type, {
        limit: q.limit,
        after,
      })) as unknown as RecordView[];
      const page = rows.slice(0, q.limit);
      return c.json(
        {
          items: page,
          nextCursor: rows.length > q.limit ? encodeCursor(page[page.length - 1]!.id) : null,
        },
        200,
      );
    },
  );
