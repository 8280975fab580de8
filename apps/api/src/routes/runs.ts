import { createRoute, z } from "@hono/zod-openapi";
import type { RunState, WorkflowDefinition } from "@switchyard/engine";
import { compile, ExprError } from "@switchyard/expr";
import { authorize } from "../auth/authenticate.ts";
import { actorOf } from "../auth/principal.ts";
import type { RetryPreview } from "../durable-objects/run-preview.ts";
import { ApiError, ErrorCode, notFound } from "../errors.ts";
import { createRouter } from "../http.ts";
import { newId } from "../lib/crypto.ts";
import { parseStored } from "../lib/json.ts";
import { isKeysetCursor } from "../repositories/keyset.ts";
import { getVersionRow } from "../repositories/workflows.ts";
import { RequiredSecret, requiredSecret } from "../required-secrets.ts";
import type { Ctx } from "../services/context.ts";
import { runnable } from "../services/drafts.ts";
import { storeFor } from "../store/client.ts";
import { RunLogType } from "../store/run-log.ts";
import { type RunRow, runIndexRow, type StepView } from "../store/runs.ts";
import { decodeCursor, encodeCursor, errors, IdParam, jsonResponse, ListQuery } from "./common.ts";
import { ItemRef, Step, WaitingFor } from "./run-schemas.ts";

const RUN_STATUSES = [
  "running",
  "waiting",
  "succeeded",
  "failed",
  "filtered",
  "suppressed",
  "cancelled",
  "skipped",
] as const;

const RunSummary = z
  .object({
    id: z.string(),
    workflowId: z.string(),
    workflowVersion: z.number(),
    eventId: z.string(),
    status: z.enum(RUN_STATUSES),
    test: z.boolean(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    createdAt: z.string(),
    error: z.unknown(),
    suppression: z.object({ reason: z.string(), message: z.string() }).nullable().openapi({
      description:
        "Why no step ran: the loop guard (`cycle`, `max_depth`) for a suppressed run; `schedule_overlap` or `schedule_missed` for a skipped occurrence of a schedule; `debounced` for a run a later event replaced (flow control)",
    }),
    waitingFor: WaitingFor.nullable().optional(),
  })
  .openapi("RunSummary");

const Run = RunSummary.extend({
  causation: z.unknown(),
  filter: z
    .object({
      expression: z.string().nullable(),
      result: z.boolean().nullable(),
      error: z.unknown().optional(),
    })
    .nullable(),
  steps: z.array(Step).openapi({
    description:
      "Every step in document order; a forEach step is followed by its items (kind `item`), each by its steps: at most 100 items per loop instance (the failed and running ones first, listed in index order; the step's `items` counts them all, GET /v1/runs/{id}/items pages through them)",
  }),
}).openapi("Run");

const RunsQuery = ListQuery.extend({
  workflowId: z.string().max(100).optional(),
  status: z.enum(RUN_STATUSES).optional(),
  eventId: z.string().max(200).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
  errorGroup: z.string().max(100).optional().openapi({
    description:
      "Runs failed now with this failure group (GET /v1/failure-groups), e.g. `fg_3f9a0c1d2e4b5a67`",
  }),
  stepId: z.string().max(100).optional().openapi({
    description:
      "Runs failed now at this step (its id without a loop index: `reserve`, not `reserve[3]`)",
  }),
  q: z.string().min(1).max(2_000).optional().openapi({
    description:
      'An expression over the trigger event, as in a filter: `payment.id == "pay_9004"`. Each request looks at a bounded window of runs: a page may hold fewer items than `limit` and still carry a `nextCursor` to search on.',
    example: 'payment.id == "pay_9004"',
  }),
});

const ListedRun = RunSummary.extend({
  eventType: z.string().nullable(),
  eventKey: z.string().nullable().openapi({
    description:
      "The event's key field, e.g. \"payment pay_9004\" or \"order 1042\": the id of the event's main object (`data.<type's first segment>.id`), else the data's own `id`, else the first object in the data with an `id`; null without one",
  }),
}).openapi("ListedRun");

/** The search expression, compiled here so a bad one is a 400 that points into it. */
function checkSearch(q: string | undefined): void {
  if (q === undefined) return;
  try {
    compile(q);
  } catch (error) {
    if (!(error instanceof ExprError)) throw error;
    throw new ApiError(
      400,
      ErrorCode.badRequest,
      `The search is not a valid expression: ${error.message}`,
      [
        {
          path: "q",
          message: error.message,
          ...(error.position ? { position: error.position } : {}),
        },
      ],
    );
  }
}

function summary(r: RunRow) {
  return {
    id: r.id,
    workflowId: r.workflowId,
    workflowVersion: r.workflowVersion,
    eventId: r.eventId,
    status: r.status as (typeof RUN_STATUSES)[number],
    test: r.test,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    createdAt: r.createdAt,
    error: parseStored(r.error, null),
    suppression: parseStored(r.suppression, null),
  };
}

/** The run's index row in its tenant's store; another tenant's run reads as missing. */
async function getRunRow(c: Ctx, tenantId: string, id: string): Promise<RunRow> {
  const row = await storeFor(c.env, tenantId).getRun(tenantId, id);
  if (!row) throw notFound("Run");
  return row;
}

function conflictFrom(reply: { reason: string; message: string; differing?: unknown }): ApiError {
  return new ApiError(409, ErrorCode.conflict, reply.message, {
    reason: reply.reason,
    ...(reply.differing ? { differing: reply.differing } : {}),
  });
}

export const runRoutes = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/runs",
      tags: ["Runs"],
      summary: "List runs, newest first; `q` finds runs by their trigger event's fields",
      request: { query: RunsQuery },
      responses: {
        200: jsonResponse(
          z.object({
            items: z.array(ListedRun),
            nextCursor: z.string().nullable(),
            scanned: z.number().int().optional().openapi({
              description: "With `q`: how many runs this request looked at",
            }),
          }),
          "Runs",
        ),
        ...errors(400, 401, 403),
      },
    }),
    async (c) => {
      const p = authorize(c, "read");
      const q = c.req.valid("query");
      checkSearch(q.q);
      const found = await storeFor(c.env, p.tenantId).listRuns(p.tenantId, {
        workflowId: q.workflowId,
        status: q.status,
        eventId: q.eventId,
        since: q.since && new Date(q.since).toISOString(),
        until: q.until && new Date(q.until).toISOString(),
        errorGroup: q.errorGroup,
        stepId: q.stepId,
        q: q.q,
        limit: q.limit,
        after: decodeCursor(q.cursor, isKeysetCursor),
      });
      // Runs that wait under flow control say why (one more call only when some wait).
      const waiting = found.items.filter((r) => r.status === "waiting").map((r) => r.id);
      const why =
        waiting.length > 0
          ? await storeFor(c.env, p.tenantId).waitingFor(p.tenantId, waiting)
          : ({} as Record<string, z.infer<typeof WaitingFor>>);
      return c.json(
        {
          items: found.items.map((r) => ({
            ...summary(r),
            ...(why[r.id] ? { status: "waiting" as const, waitingFor: why[r.id] } : {}),
            eventType: r.eventType,
            eventKey: r.eventKey,
          })),
          nextCursor: found.next ? encodeCursor(found.next) : null,
          ...(found.scanned !== undefined ? { scanned: found.scanned } : {}),
        },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/runs/{id}",
      tags: ["Runs"],
      summary: "A run with its filter result and every step's timeline",
      request: { params: IdParam },
      responses: { 200: jsonResponse(Run, "The run"), ...errors(401, 403, 404) },
    }),
    async (c) => {
      const p = authorize(c, "read");
      let r = await getRunRow(c, p.tenantId, c.req.valid("param").id);
      let steps: StepView[];
      if (r.hasObject) {
        // The run's object is its single writer: its checkpoint is the truth.
        const stub = c.env.RUNS.get(c.env.RUNS.idFromName(r.id));
        const view = (await stub.view()) as { state: RunState; steps: StepView[] } | null;
        if (view) r = runIndexRow(p.tenantId, view.state, r.createdAt, true);
        steps = view ? view.steps : [];
      } else {
        steps = parseStored<StepView[]>(r.steps, []);
      }
      // Waiting to start (or a retry waiting) under flow control: why.
      const why =
        r.status === "waiting" || r.status === "failed"
          ? (await storeFor(c.env, p.tenantId).waitingFor(p.tenantId, [r.id]))[r.id]
          : undefined;
      return c.json(
        {
          ...summary(r),
          ...(why ? { status: "waiting" as const, waitingFor: why } : {}),
          causation: JSON.parse(r.causation),
          filter: parseStored(r.filter, null),
          suppression: parseStored(r.suppression, null),
          steps,
        },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/runs/{id}/retry",
      tags: ["Runs"],
      summary: "Resume a failed run from its failed steps (optionally on another version)",
      request: {
        params: IdParam,
        body: {
          required: false,
          content: {
            "application/json": {
              schema: z.object({ version: z.number().int().positive().optional() }).strict(),
            },
          },
        },
      },
      responses: {
        202: jsonResponse(z.object({ runId: z.string(), status: z.string() }), "Resumed"),
        ...errors(400, 401, 403, 404, 409, 422),
      },
    }),
    async (c) => {
      const p = authorize(c, "write");
      const db = c.var.db;
      const r = await getRunRow(c, p.tenantId, c.req.valid("param").id);
      const body = (c.req.valid("json") as { version?: number } | undefined) ?? {};
      if (r.status !== "failed")
        throw new ApiError(
          409,
          ErrorCode.conflict,
          `Only failed runs can be retried; this one is ${r.status}`,
        );
      let to: { version: number; definition: WorkflowDefinition } | undefined;
      if (body.version !== undefined) {
        const v = await getVersionRow(db, p.tenantId, r.workflowId, body.version);
        if (!v) throw notFound(`Version ${body.version}`);
        to = { version: body.version, definition: runnable(body.version, v.definition, "run") };
      }
      const stub = c.env.RUNS.get(c.env.RUNS.idFromName(r.id));
      if ((await stub.status()) === null) {
        throw new ApiError(
          409,
          ErrorCode.conflict,
          "This run ended before any step ran (its filter failed); send the event again instead",
        );
      }
      // The entry is signed in the tenant's store: refuse before the run
      // changes when the audit key is missing (503), not after.
      requiredSecret(c.env, RequiredSecret.auditKey);
      // Audited in the run's own transaction with the retry: the run
      // delivers the entry to the store's run log (workflow-run.ts, apply).
      // Through the store: under flow control the retry takes a slot or waits.
      const reply = await storeFor(c.env, p.tenantId).retryRun(p.tenantId, r.id, to, {
        entry: {
          id: newId("au_ret"),
          type: RunLogType.runRetried,
          actor: actorOf(p),
          subject: r.id,
          details: {
            workflowId: r.workflowId,
            fromVersion: r.workflowVersion,
            toVersion: to?.version ?? r.workflowVersion,
          },
        },
      });
      if (!reply.ok) throw conflictFrom(reply);
      return c.json({ runId: r.id, status: reply.status }, 202);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/runs/{id}/retry-preview",
      tags: ["Runs"],
      summary:
        "Before retrying: which steps run again, which are kept, and whether a version can take the run over",
      request: {
        params: IdParam,
        query: z.object({ version: z.coerce.number().int().positive().optional() }),
      },
      responses: {
        200: jsonResponse(
          z.object({
            runStatus: z.string(),
            retryable: z.boolean(),
            version: z.number(),
            target: z
              .object({
                version: z.number(),
                compatible: z.boolean(),
                differing: z.array(z.object({ stepId: z.string(), reason: z.string() })),
              })
              .nullable(),
            steps: z
              .array(
                z.object({
                  id: z.string(),
                  kind: z.string(),
                  action: z.string().nullable(),
                  status: z.string(),
                  plan: z.enum(["kept", "again", "first_time"]),
                  attempts: z.number(),
                  lastInput: z.unknown(),
                  onlyIf: z
                    .object({ stepId: z.string(), branch: z.enum(["then", "else"]) })
                    .nullable()
                    .openapi({
                      description:
                        "Runs only if this if step, not decided yet, takes this branch; null when it runs whatever happens",
                    }),
                  item: ItemRef.optional(),
                }),
              )
              .openapi({
                description:
                  "Steps in document order as in GET /v1/runs/{id}: inside a loop, each item (kind `item`) and its step instances (`reserve[3]`), at most 100 items per loop instance",
              }),
            items: z
              .array(
                z.object({
                  loop: z.string().openapi({ description: "The forEach step's id" }),
                  index: z.number().int(),
                  id: z.string().openapi({ example: "each[3]" }),
                  steps: z.array(z.string()).openapi({
                    description: "The item's steps that run again, by instance id (`reserve[3]`)",
                  }),
                }),
              )
              .openapi({
                description:
                  "Each failed item of a loop with its failed steps: only these run again; succeeded items are kept",
              }),
          }),
          "The preview",
        ),
        ...errors(400, 401, 403, 404, 409, 422),
      },
    }),
    async (c) => {
      const p = authorize(c, "read");
      const db = c.var.db;
      const r = await getRunRow(c, p.tenantId, c.req.valid("param").id);
      const { version } = c.req.valid("query");
      let to: { version: number; definition: WorkflowDefinition } | undefined;
      if (version !== undefined) {
        const v = await getVersionRow(db, p.tenantId, r.workflowId, version);
        if (!v) throw notFound(`Version ${version}`);
        to = { version, definition: runnable(version, v.definition, "run") };
      }
      const stub = c.env.RUNS.get(c.env.RUNS.idFromName(r.id));
      const preview = (await stub.retryPreview(to)) as unknown as RetryPreview | null;
      if (!preview) {
        throw new ApiError(
          409,
          ErrorCode.conflict,
          "This run ended before any step ran (its filter failed or it was filtered out)",
        );
      }
      return c.json(preview, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/runs/{id}/cancel",
      tags: ["Runs"],
      summary: "Cancel a running or waiting run",
      request: { params: IdParam },
      responses: {
        202: jsonResponse(z.object({ runId: z.string(), status: z.string() }), "Cancelled"),
        ...errors(401, 403, 404, 409),
      },
    }),
    async (c) => {
      const p = authorize(c, "write");
      const r = await getRunRow(c, p.tenantId, c.req.valid("param").id);
      const stub = c.env.RUNS.get(c.env.RUNS.idFromName(r.id));
      const actor = actorOf(p);
      requiredSecret(c.env, RequiredSecret.auditKey);
      if (r.status === "waiting") {
        // Waiting to start under flow control (no object yet): out of the
        // queue, cancelled; a waiting retry goes back to failed.
        const queued = await storeFor(c.env, p.tenantId).cancelQueued(p.tenantId, r.id, {
          id: `au_can_${r.id}`,
          type: RunLogType.runCancelled,
          actor,
          subject: r.id,
          details: { workflowId: r.workflowId, waiting: true },
        });
        if (queued) return c.json({ runId: r.id, status: queued.status }, 202);
      }
      // Audited in the run's own transaction with the cancel (a run is
      // cancelled once, so the entry's id is the run's).
      const reply = await stub.input(
        { type: "cancel", at: Date.now(), by: `${actor.type}:${actor.id}` },
        {
          entry: {
            id: `au_can_${r.id}`,
            type: RunLogType.runCancelled,
            actor,
            subject: r.id,
            details: { workflowId: r.workflowId },
          },
        },
      );
      if (!reply.ok)
        throw conflictFrom(
          reply.reason === "not_found"
            ? { reason: "run_finished", message: `This run is ${r.status}` }
            : reply,
        );
      return c.json({ runId: r.id, status: reply.status }, 202);
    },
  );
