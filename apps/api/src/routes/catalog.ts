import { createRoute, z } from "@hono/zod-openapi";
import { listActions } from "@switchyard/engine";
import { authorize } from "../auth/authenticate.ts";
import { createRouter } from "../http.ts";
import { inferSchema } from "../lib/infer-schema.ts";
import { listSources } from "../repositories/webhook-sources.ts";
import { storeFor } from "../store/client.ts";
import { PLATFORM_EVENTS } from "../store/on-failure.ts";
import { errors, jsonResponse } from "./common.ts";
import { toEventType } from "./event-types.ts";

/** The builder loads the catalogue in one answer; a tenant has far fewer types than this. */
const MAX_EVENT_TYPES = 1_000;

const JsonSchema = z.record(z.string(), z.unknown());

const Action = z
  .object({
    name: z.string().openapi({ example: "send_email" }),
    title: z.string(),
    description: z.string(),
    configSchema: JsonSchema.openapi({ description: "JSON Schema of the step's config" }),
    outputSchema: JsonSchema.openapi({ description: "JSON Schema of steps.<id>.output" }),
    sampleOutput: z.unknown().openapi({ description: "Stands in for the output in dry runs" }),
  })
  .openapi("CatalogAction");

const CatalogEventType = z
  .object({
    type: z.string(),
    sample: JsonSchema.nullable(),
    schema: JsonSchema.nullable(),
    declared: z.boolean(),
    description: z.string().optional().openapi({
      description: "What it means, in words (the platform's own event types)",
    }),
  })
  .openapi("CatalogEventType");

const Catalog = z
  .object({ actions: z.array(Action), eventTypes: z.array(CatalogEventType) })
  .openapi("Catalog");

export const catalogRoutes = createRouter().openapi(
  createRoute({
    method: "get",
    path: "/v1/catalog",
    tags: ["Catalogue"],
    summary: "Actions with their config and output schemas, and this tenant's event types",
    responses: { 200: jsonResponse(Catalog, "The catalogue"), ...errors(401, 403) },
  }),
  async (c) => {
    const p = authorize(c, "read");
    const rows = (
      await storeFor(c.env, p.tenantId).listEventTypes(p.tenantId, { limit: MAX_EVENT_TYPES })
    ).slice(0, MAX_EVENT_TYPES);
    // A webhook source with a fixed type produces that type: offer it before
    // its first delivery arrives.
    const known = new Set(rows.map((r) => r.type));
    // The platform's own events (a failed run's workflow.failed) are offered
    // as triggers from the start, with their shape and what they mean.
    const platform = PLATFORM_EVENTS.map((e) => {
      known.add(e.type);
      return {
        type: e.type,
        sample: e.sample,
        schema: inferSchema(e.sample),
        declared: true,
        description: e.description,
      };
    });
    const fromSources = [
      ...new Set((await listSources(c.var.db, p.tenantId)).map((s) => s.eventType)),
    ]
      .filter((t): t is string => t !== null && !known.has(t))
      .map((type) => ({ type, sample: null, schema: null, declared: false }));
    return c.json(
      {
        actions: listActions().map((a) => ({
          name: a.name,
          title: a.title,
          description: a.description,
          configSchema: a.configSchema,
          outputSchema: a.outputSchema,
          sampleOutput: a.sampleOutput,
        })),
        eventTypes: rows
          .filter((row) => !PLATFORM_EVENTS.some((e) => e.type === row.type))
          .map((row) => {
            const t = toEventType(row);
            return { type: t.type, sample: t.sample, schema: t.schema, declared: t.declared };
          })
          .concat(platform, fromSources),
      },
      200,
    );
  },
);
