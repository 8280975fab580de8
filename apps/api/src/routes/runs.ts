import { createRoute, z } from "@hono/zod-openapi";
import type { RunState, WorkflowDefinition } from "@switchyard/engine";
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
import { storeFor } from "../store/client.ts";
import { RunLogType } from "../store/run-log.ts";
import { type RunRow, runIndexRow, type StepView, stepViews } from "../store/runs.ts";
import { decodeCursor, encodeCursor, errors, IdParam, jsonResponse, ListQuery } from "./common.ts";

const RUN_STATUSES = [
  "running",
  "waiting",
  "succeeded",
  "failed",
  "filtered",
  "suppressed",
  "cancelled",
] as const;

const Step = z
  .object({
    id: z.string(),
    action: z.string().optional(),
    kind: z.string(),
    status: z.string(),
    attempts: z.number(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    input: z.unknown(),
    output: z.unknown(),
    error: z.unknown(),
    branch: z.string().nullable(),
  })
  .openapi("RunStep");

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
  suppression: z.object({ reason: z.string(), message: z.string() }).nullable(),
  steps: z.array(Step),
}).openapi("Run");

const RunsQuery = ListQuery.extend({
  workflowId: z.string().max(100).optional(),
  status: z.enum(RUN_STATUSES).optional(),
  eventId: z.string().max(200).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
});

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
      summary: "List runs, newest first",
      request: { query: RunsQuery },
      responses: {
        200: jsonResponse(
          z.object({ items: z.array(RunSummary), nextCursor: z.string().nullable() }),
          "Runs",
        ),
        ...errors(400, 401, 403),
      },
    }),
    async (c) => {
      const p = authorize(c, "read");
      const q = c.req.valid("query");
      const rows = await storeFor(c.env, p.tenantId).listRuns(p.tenantId, {
        workflowId: q.workflowId,
        status: q.status,
        eventId: q.eventId,
        since: q.since && new Date(q.since).toISOString(),
        limit: q.limit,
        after: decodeCursor(q.cursor, isKeysetCursor),
      });
      const page = rows.slice(0, q.limit);
      const last = page[page.length - 1];
      return c.json(
        {
          items: page.map(summary),
          nextCursor:
            rows.length > q.limit && last
              ? encodeCursor({ createdAt: last.createdAt, id: last.id })
              : null,
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
        const state = (await stub.snapshot()) as RunState | null;
        if (state) r = runIndexRow(p.tenantId, state, r.createdAt, true);
        steps = state ? stepViews(state) : [];
      } else {
        steps = parseStored<StepView[]>(r.steps, []);
      }
      return c.json(
        {
          ...summary(r),
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
        ...errors(400, 401, 403, 404, 409),
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
        to = { version: body.version, definition: JSON.parse(v.definition) as WorkflowDefinition };
      }
      const stub = c.env.RUNS.get(c.env.RUNS.idFromName(r.id));
      if (!(await stub.snapshot())) {
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
      const reply = await stub.retry(to, {
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
            steps: z.array(
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
              }),
            ),
          }),
          "The preview",
        ),
        ...errors(400, 401, 403, 404, 409),
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
        to = { version, definition: JSON.parse(v.definition) as WorkflowDefinition };
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
