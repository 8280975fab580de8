// Open waits (issue 15, part 3): runs whose waitFor step waits for an
// event. GET lists them (read scope) with their keys and deadline; DELETE
// cancels one (write scope): the run takes its timeout branch at once, the
// step's output `{ timedOut: true, cancelled: true }`, audited in the run
// log as `wait.cancelled` (committed with the change, like run.cancelled).
import { createRoute, z } from "@hono/zod-openapi";
import { authorize } from "../auth/authenticate.ts";
import { actorOf } from "../auth/principal.ts";
import { ApiError, ErrorCode, notFound } from "../errors.ts";
import { createRouter } from "../http.ts";
import { RequiredSecret, requiredSecret } from "../required-secrets.ts";
import { storeFor } from "../store/client.ts";
import { RunLogType } from "../store/run-log.ts";
import type { WaitView } from "../store/waits.ts";
import { decodeCursor, encodeCursor, errors, jsonResponse, ListQuery } from "./common.ts";

const Wait = z
  .object({
    runId: z.string(),
    stepId: z.string(),
    workflowId: z.string(),
    event: z.array(z.string()).openapi({ description: "The event types it waits for" }),
    match: z.string().nullable(),
    keys: z.record(z.string(), z.unknown()).openapi({
      description:
        "The values the match's `event.<path> == …` conjuncts took when the wait opened, by event path; empty when the wait is unkeyed (every event of its types is tried)",
      example: { "data.quote_id": "q_1" },
    }),
    deadline: z.string().openapi({ description: "When it times out and takes onTimeout" }),
    openedAt: z.string(),
  })
  .openapi("Wait");

const WaitParams = z.object({
  runId: z.string().min(1).max(100),
  stepId: z.string().min(1).max(200).openapi({
    description:
      "The waitFor step's id; inside a loop its instance id, `accepted[3]` (encoded: `accepted%5B3%5D`)",
  }),
});

const isCursor = (v: unknown): v is { at: number; id: string } =>
  typeof v === "object" &&
  v !== null &&
  typeof (v as { at?: unknown }).at === "number" &&
  typeof (v as { id?: unknown }).id === "string";

const view = (w: WaitView) => w;

export const waitRoutes = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/waits",
      tags: ["Waits"],
      summary: "List open waits (runs waiting for an event), oldest first",
      request: {
        query: ListQuery.extend({ workflowId: z.string().max(100).optional() }),
      },
      responses: {
        200: jsonResponse(
          z.object({ items: z.array(Wait), nextCursor: z.string().nullable() }),
          "Open waits",
        ),
        ...errors(400, 401, 403),
      },
    }),
    async (c) => {
      const p = authorize(c, "read");
      const q = c.req.valid("query");
      const after = decodeCursor(q.cursor, isCursor);
      const rows = await storeFor(c.env, p.tenantId).listWaits(p.tenantId, {
        workflowId: q.workflowId,
        limit: q.limit,
        ...(after ? { after } : {}),
      });
      const page = rows.slice(0, q.limit);
      const last = page[page.length - 1];
      return c.json(
        {
          items: page.map(view),
          nextCursor:
            rows.length > q.limit && last
              ? encodeCursor({ at: Date.parse(last.openedAt), id: `${last.runId}/${last.stepId}` })
              : null,
        },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/v1/waits/{runId}/{stepId}",
      tags: ["Waits"],
      summary:
        "Cancel a wait: the run takes the step's timeout branch now (output { timedOut: true, cancelled: true })",
      request: { params: WaitParams },
      responses: {
        202: jsonResponse(
          z.object({ runId: z.string(), stepId: z.string(), status: z.string() }),
          "Cancelled; the run goes on with the onTimeout steps",
        ),
        ...errors(401, 403, 404, 409),
      },
    }),
    async (c) => {
      const p = authorize(c, "write");
      const { runId, stepId } = c.req.valid("param");
      const wait = await storeFor(c.env, p.tenantId).getWait(p.tenantId, runId, stepId);
      if (!wait) throw notFound("Wait");
      const actor = actorOf(p);
      requiredSecret(c.env, RequiredSecret.auditKey);
      const stub = c.env.RUNS.get(c.env.RUNS.idFromName(runId));
      // Audited in the run's own transaction with the change (a wait is cancelled once).
      const reply = await stub.input(
        { type: "waitCancelled", stepId, at: Date.now(), by: `${actor.type}:${actor.id}` },
        {
          entry: {
            id: `au_wcan_${runId}_${stepId}`,
            type: RunLogType.waitCancelled,
            actor,
            subject: runId,
            details: { workflowId: wait.workflowId, stepId, event: wait.event },
          },
        },
      );
      if (!reply.ok) {
        throw new ApiError(409, ErrorCode.conflict, reply.message, { reason: reply.reason });
      }
      return c.json({ runId, stepId, status: reply.status }, 202);
    },
  );
