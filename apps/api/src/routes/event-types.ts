import { createRoute, z } from "@hono/zod-openapi";
import { eventTypeSchema } from "@switchyard/engine";
import { authorize } from "../auth/authenticate.ts";
import { actorOf } from "../auth/principal.ts";
import { ApiError, ErrorCode, type Problem } from "../errors.ts";
import { createRouter } from "../http.ts";
import { parseStored } from "../lib/json.ts";
import { nowIso } from "../lib/time.ts";
import { AuditType, commitWithAudit } from "../repositories/audit.ts";
import { auditKeyOf } from "../services/context.ts";
import { storeFor } from "../store/client.ts";
import type { EventTypeRow } from "../store/event-types.ts";
import {
  decodeCursor,
  encodeCursor,
  errors,
  jsonBody,
  jsonResponse,
  ListQuery,
  Timestamp,
} from "./common.ts";

/** A declared schema or sample is shown in every builder form: keep it small. */
const MAX_DECLARATION_BYTES = 64 * 1024;

const JsonObject = z.record(z.string(), z.unknown());

export const EventTypeSchema = z
  .object({
    type: z.string().openapi({ example: "order.created" }),
    schema: JsonObject.nullable().openapi({
      description: "JSON Schema of the event's data: declared, or inferred from recent events",
    }),
    sample: JsonObject.nullable().openapi({ description: "An example of the event's data" }),
    declared: z.boolean(),
    lastSeenAt: Timestamp.nullable().openapi({ description: "When an event of it last arrived" }),
  })
  .openapi("EventType");

const Declaration = z
  .object({
    schema: JsonObject.optional().openapi({
      description: "JSON Schema of the data (an object). Default: inferred from the sample",
    }),
    sample: JsonObject.optional().openapi({ example: { id: "o-1", amount: 12000 } }),
  })
  .strict()
  .openapi("EventTypeDeclaration");

export function toEventType(row: EventTypeRow): z.infer<typeof EventTypeSchema> {
  return {
    type: row.type,
    schema: parseStored<Record<string, unknown> | null>(row.schema, null),
    sample: parseStored<Record<string, unknown> | null>(row.sample, null),
    declared: row.declared,
    lastSeenAt: row.lastSeenAt,
  };
}

export const eventTypesRoutes = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/event-types",
      tags: ["Event types"],
      summary: "Event types this tenant has seen or declared",
      request: { query: ListQuery },
      responses: {
        200: jsonResponse(
          z.object({ items: z.array(EventTypeSchema), nextCursor: z.string().nullable() }),
          "Event types, by name",
        ),
        ...errors(400, 401, 403),
      },
    }),
    async (c) => {
      const p = authorize(c, "read");
      const q = c.req.valid("query");
      const after = decodeCursor(q.cursor, (v): v is string => typeof v === "string");
      const rows = await storeFor(c.env, p.tenantId).listEventTypes(p.tenantId, {
        limit: q.limit,
        after,
      });
      const page = rows.slice(0, q.limit);
      return c.json(
        {
          items: page.map(toEventType),
          nextCursor: rows.length > q.limit ? encodeCursor(page[page.length - 1]!.type) : null,
        },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/v1/event-types/{type}",
      tags: ["Event types"],
      summary: "Declare an event type, so the builder offers it before any event arrives",
      request: {
        params: z.object({ type: eventTypeSchema.openapi({ example: "order.created" }) }),
        body: jsonBody(Declaration),
      },
      responses: {
        200: jsonResponse(EventTypeSchema, "The declared type"),
        ...errors(400, 401, 403, 413, 415, 422),
      },
    }),
    async (c) => {
      const p = authorize(c, "write");
      const { type } = c.req.valid("param");
      const body = c.req.valid("json");
      const problems: Problem[] = [];
      for (const field of ["schema", "sample"] as const) {
        const value = body[field];
        if (value !== undefined && JSON.stringify(value).length > MAX_DECLARATION_BYTES) {
          problems.push({ path: field, message: `larger than ${MAX_DECLARATION_BYTES} bytes` });
        }
      }
      if (problems.length > 0) {
        throw new ApiError(
          422,
          ErrorCode.validationFailed,
          "The declaration is too large",
          problems,
        );
      }
      // What is not given is kept; a schema is inferred from a new sample
      // only when no schema comes with it (store/event-types.ts).
      const row = await storeFor(c.env, p.tenantId).declareEventType(
        p.tenantId,
        type,
        { schema: body.schema, sample: body.sample },
        nowIso(),
      );
      await commitWithAudit(c.var.db, auditKeyOf(c.env), p.tenantId, nowIso(), () => [], [
        {
          type: AuditType.eventTypeDeclared,
          actor: actorOf(p),
          subject: type,
          details: { schema: body.schema !== undefined, sample: body.sample !== undefined },
        },
      ]);
      return c.json(toEventType(row), 200);
    },
  );
