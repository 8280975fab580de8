import { createRoute, z } from "@hono/zod-openapi";
import {
  EVENT_TYPE_PATTERN,
  RESERVED_CONTEXT_NAMES,
  SCHEDULE_ONLY_EVENT_TYPES,
} from "@switchyard/engine";
import { authorize } from "../auth/authenticate.ts";
import { ApiError, ErrorCode, notFound } from "../errors.ts";
import { createRouter } from "../http.ts";
import { eventKey } from "../services/event-key.ts";
import { acceptEvent } from "../services/events.ts";
import { storeFor } from "../store/client.ts";
import { decodeCursor, encodeCursor, errors, jsonBody, jsonResponse, ListQuery } from "./common.ts";

/** Client-chosen ids: printable, no spaces, at most 200 characters. */
export const ClientId = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\x21-\x7e]+$/, "use printable ASCII without spaces");

/**
 * Ids the platform derives itself: a run's emitted events (`run_…`), webhook
 * deliveries (`whs_…:<webhook-id>`), record changes and generated ids
 * (`ev_…`), test runs (`evt_…`). A client may not choose one, so its ids
 * can never collide with (and silently deduplicate) a derived one.
 */
export const RESERVED_EVENT_ID_PREFIXES = ["run_", "whs_", "ev_", "evt_", "sch_"] as const;

/** An event id a client chooses (the body's `id`, or Idempotency-Key). */
export const ClientEventId = ClientId.refine(
  (id) => !RESERVED_EVENT_ID_PREFIXES.some((p) => id.startsWith(p)),
  {
    message: `may not start with ${RESERVED_EVENT_ID_PREFIXES.join(", ")}: those ids are the platform's own`,
  },
);

export const EventType = z
  .string()
  .max(100)
  .regex(
    EVENT_TYPE_PATTERN,
    "lower-case dotted name with at least two segments, e.g. order.created",
  )
  .refine((t) => !(RESERVED_CONTEXT_NAMES as readonly string[]).includes(t.split(".")[0]!), {
    message: `the first segment may not be one of ${RESERVED_CONTEXT_NAMES.join(", ")}`,
  })
  .refine((t) => !(SCHEDULE_ONLY_EVENT_TYPES as readonly string[]).includes(t), {
    message:
      "schedule.fired events are the platform's: a workflow with a schedule trigger gets them",
  });

const NewEvent = z
  .object({
    type: EventType.openapi({ example: "order.created" }),
    data: z.record(z.string(), z.unknown()).openapi({ example: { id: "o-1", amount: 12000 } }),
    id: ClientEventId.optional().openapi({
      description: "Your id: sending it again is a no-op",
    }),
    occurredAt: z.iso.datetime({ offset: true }).optional(),
  })
  .strict()
  .openapi("NewEvent");

const Accepted = z.object({ id: z.string(), duplicate: z.boolean() }).openapi("EventAccepted");

const Causation = z.object({
  originEventId: z.string(),
  chain: z.array(z.object({ workflowId: z.string(), runId: z.string() })),
  depth: z.number(),
});

const Event = z
  .object({
    id: z.string(),
    type: z.string(),
    data: z.unknown(),
    changes: z.record(z.string(), z.object({ old: z.unknown(), new: z.unknown() })).optional(),
    occurredAt: z.string(),
    receivedAt: z.string(),
    source: z.string(),
    status: z.enum(["accepted", "matched", "failed"]),
    matchedAt: z.string().nullable(),
    error: z.string().nullable(),
    causation: Causation,
    runs: z.array(z.object({ id: z.string(), workflowId: z.string(), status: z.string() })),
  })
  .openapi("Event");

const EventSummary = z
  .object({
    id: z.string(),
    type: z.string(),
    data: z.unknown(),
    occurredAt: z.string(),
    receivedAt: z.string(),
    source: z.string(),
    status: z.enum(["accepted", "matched", "failed"]),
    error: z
      .string()
      .nullable()
      .openapi({ description: "Why a failed event could not be matched" }),
    key: z.string().nullable().openapi({
      description:
        "The event's key field, e.g. \"payment pay_9004\" (the rule of GET /v1/runs' `eventKey`)",
    }),
    runs: z
      .array(z.object({ id: z.string(), workflowId: z.string(), status: z.string() }))
      .openapi({ description: "The runs it started, oldest first" }),
  })
  .openapi("EventSummary");

type Cursor = { receivedAt: string; id: string };
const isCursor = (v: unknown): v is Cursor =>
  typeof v === "object" &&
  v !== null &&
  typeof (v as Cursor).receivedAt === "string" &&
  typeof (v as Cursor).id === "string";

export const eventRoutes = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/events",
      tags: ["Events"],
      summary: "Recent events, newest first, each with the runs it started",
      request: {
        query: ListQuery.extend({
          type: z.string().max(100).optional(),
          status: z.enum(["accepted", "matched", "failed"]).optional(),
          since: z.iso.datetime({ offset: true }).optional().openapi({
            description: "Received at or after this time",
          }),
        }),
      },
      responses: {
        200: jsonResponse(
          z.object({ items: z.array(EventSummary), nextCursor: z.string().nullable() }),
          "Events",
        ),
        ...errors(400, 401, 403),
      },
    }),
    async (c) => {
      const p = authorize(c, "read");
      const q = c.req.valid("query");
      const rows = await storeFor(c.env, p.tenantId).listEvents(p.tenantId, {
        type: q.type,
        status: q.status,
        since: q.since && new Date(q.since).toISOString(),
        limit: q.limit,
        after: decodeCursor(q.cursor, isCursor),
      });
      const page = rows.slice(0, q.limit);
      const last = page[page.length - 1];
      return c.json(
        {
          items: page.map((e) => {
            const data: unknown = JSON.parse(e.data);
            return {
              id: e.id,
              type: e.type,
              data,
              occurredAt: e.occurredAt,
              receivedAt: e.receivedAt,
              source: e.source,
              status: e.status,
              error: e.error,
              key: eventKey(e.type, data),
              runs: e.runs,
            };
          }),
          nextCursor:
            rows.length > q.limit && last
              ? encodeCursor({ receivedAt: last.receivedAt, id: last.id })
              : null,
        },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/events",
      tags: ["Events"],
      summary: "Send an event; matching workflows start runs",
      request: {
        body: jsonBody(NewEvent),
        headers: z.object({ "idempotency-key": ClientEventId.optional() }),
      },
      responses: {
        202: jsonResponse(Accepted, "Accepted (or a duplicate, which starts nothing)"),
        ...errors(400, 401, 403, 413, 415, 429),
      },
    }),
    async (c) => {
      const p = authorize(c, "write");
      const body = c.req.valid("json");
      const id = body.id ?? c.req.valid("header")["idempotency-key"];
      const result = await acceptEvent(
        c.env,
        p.tenantId,
        {
          type: body.type,
          data: body.data,
          id,
          occurredAt: body.occurredAt && new Date(body.occurredAt).toISOString(),
          source: "api",
        },
        { limit: "events" },
      );
      return c.json(result, 202);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/events/{id}",
      tags: ["Events"],
      summary: "An event, its causation and the runs it started",
      request: { params: z.object({ id: ClientId }) },
      responses: { 200: jsonResponse(Event, "The event"), ...errors(400, 401, 403, 404) },
    }),
    async (c) => {
      const p = authorize(c, "read");
      const found = await storeFor(c.env, p.tenantId).getEvent(p.tenantId, c.req.valid("param").id);
      if (!found) throw notFound("Event");
      const { event: e, runs: started } = found;
      return c.json(
        {
          id: e.id,
          type: e.type,
          data: JSON.parse(e.data),
          ...(e.changes ? { changes: JSON.parse(e.changes) } : {}),
          occurredAt: e.occurredAt,
          receivedAt: e.receivedAt,
          source: e.source,
          status: e.status,
          matchedAt: e.matchedAt,
          error: e.error,
          causation: JSON.parse(e.causation),
          runs: started,
        },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/events/{id}/redrive",
      tags: ["Events"],
      summary: "Match a failed event again",
      description:
        "An event that could not be matched after every retry is `failed`; this puts it back to `accepted` and matches it again (runs are one per event and workflow, so nothing starts twice).",
      request: { params: z.object({ id: ClientId }) },
      responses: {
        202: jsonResponse(z.object({ id: z.string(), status: z.literal("accepted") }), "Re-driven"),
        ...errors(400, 401, 403, 404, 409),
      },
    }),
    async (c) => {
      const p = authorize(c, "write");
      const id = c.req.valid("param").id;
      const store = storeFor(c.env, p.tenantId);
      if (!(await store.redriveEvent(p.tenantId, id))) {
        const found = await store.getEvent(p.tenantId, id);
        if (!found) throw notFound("Event");
        throw new ApiError(
          409,
          ErrorCode.conflict,
          `event ${id} is ${found.event.status}; only a failed event can be re-driven`,
        );
      }
      return c.json({ id, status: "accepted" as const }, 202);
    },
  );
