// Bulk retry and tracked jobs (issue 16, item 2): POST
// /v1/runs/bulk-retry/preview adds up what retrying many failed runs would
// do (services/bulk-retry.ts); POST /v1/runs/bulk-retry starts it as a job
// the tenant's store drives, throttled (store/jobs.ts); GET /v1/jobs[/:id]
// shows progress and POST /v1/jobs/:id/cancel stops it. Starting and
// cancelling are people's actions: audited in the change log (D1); each
// run's retry is audited with its run (`run.retried`, with the job's id).
import { createRoute, z } from "@hono/zod-openapi";
import { authorize } from "../auth/authenticate.ts";
import { actorOf } from "../auth/principal.ts";
import { ApiError, ErrorCode, notFound } from "../errors.ts";
import { createRouter } from "../http.ts";
import { newId } from "../lib/crypto.ts";
import { nowIso } from "../lib/time.ts";
import { AuditType, commitWithAudit } from "../repositories/audit.ts";
import { isKeysetCursor } from "../repositories/keyset.ts";
import {
  BulkRetryBody,
  checkSelection,
  LISTED_RUNS,
  previewBulkRetry,
  resolveTargets,
  selectRuns,
} from "../services/bulk-retry.ts";
import { auditKeyOf } from "../services/context.ts";
import { BULK_RETRY_LIMIT } from "../store/bulk-retry.ts";
import { storeFor } from "../store/client.ts";
import { FAILURES_LISTED, type JobView, RUNS_PER_PASS, RUNS_PER_SECOND } from "../store/jobs.ts";
import {
  decodeCursor,
  encodeCursor,
  errors,
  IdParam,
  jsonBody,
  jsonResponse,
  ListQuery,
} from "./common.ts";

const Counts = z.record(z.string(), z.number().int());

const Preview = z
  .object({
    runs: z.number().int().openapi({ description: "Failed runs selected" }),
    steps: z
      .object({
        again: z.number().int().openapi({ description: "Failed steps that run again" }),
        kept: z.number().int().openapi({ description: "Finished steps kept, never repeated" }),
        firstTime: z.number().int().openapi({ description: "Steps not reached yet" }),
      })
      .openapi({
        description:
          "Over every selected run that can be retried, its steps (loop items' step instances included, up to 100 items per loop instance), by what a retry does with them. Steps on both sides of an undecided `if` count.",
      }),
    effects: Counts.openapi({
      description:
        "Per action, the step instances that would perform their effect on retry: those the run's retry preview plans as again or first_time, less those `deduplicated`",
      example: { send_email: 38, call_webhook: 42 },
    }),
    deduplicated: Counts.openapi({
      description:
        "Per action, planned step instances whose effect is already recorded, so it does not fire twice: the effect marker by the step's idempotency key (`<runId>:<stepInstanceId>`) for update_record, create_task, notify_user, request_approval and the outbox; the delivery ledger (sent) for send_email and send_sms",
      example: { update_record: 12 },
    }),
    webhookCalls: z
      .object({
        calls: z.number().int().openapi({ description: "call_webhook steps that would run" }),
        originalIds: z.number().int().openapi({
          description:
            "Of those, the calls whose step already made an attempt: the receiver sees the same `webhook-id` again (webhooks are at-least-once) and can dedupe on it",
        }),
      })
      .openapi({ description: "Webhook calls are never deduplicated by us: they reuse their id" }),
    wouldFailAgain: z.number().int().openapi({
      description:
        "Runs whose failure would recur the same way: the failed step is unchanged on the version retried on and its error is deterministic (expression, template or configuration errors, not_a_list, too_many_items, state_too_large, HTTP 4xx other than 408, 409, 425, 429)",
    }),
    wouldFailAgainRuns: z
      .array(
        z.object({
          runId: z.string(),
          workflowId: z.string(),
          stepId: z.string().openapi({ description: "The failed step's instance id" }),
          code: z.string(),
          message: z.string(),
          why: z.string().openapi({ description: "A sentence saying why it would fail again" }),
        }),
      )
      .openapi({ description: `The first ${LISTED_RUNS} of them` }),
    incompatible: z.array(z.object({ runId: z.string(), reason: z.string() })).openapi({
      description: `Runs that cannot move to the chosen version (it changes steps they already finished, or their workflow has no live version): the first ${LISTED_RUNS}. They are not counted above; a job refuses them.`,
    }),
    incompatibleCount: z.number().int(),
    limit: z.number().int().openapi({ description: "The most runs one bulk retry takes" }),
  })
  .openapi("BulkRetryPreview");

const Actor = z.object({ type: z.string(), id: z.string() });

const Job = z
  .object({
    id: z.string(),
    kind: z.literal("bulk_retry"),
    status: z.enum(["queued", "running", "succeeded", "cancelled", "failed"]).openapi({
      description:
        "queued, then running; succeeded when every run was taken; failed when none of its runs could be retried (all refused); cancelled by POST /v1/jobs/{id}/cancel",
    }),
    total: z.number().int(),
    done: z.number().int().openapi({
      description: "Runs taken so far, whatever their outcome: done == total at the end",
    }),
    failed: z
      .number()
      .int()
      .openapi({ description: "Runs whose retry was refused (see failures)" }),
    skipped: z.number().int().openapi({
      description: "Runs no longer failed when their turn came (retried by someone else, gone)",
    }),
    createdAt: z.string(),
    createdBy: Actor,
    finishedAt: z.string().nullable(),
    selection: z.record(z.string(), z.unknown()).openapi({ description: "The request's body" }),
    failures: z
      .array(z.object({ runId: z.string(), reason: z.string() }))
      .openapi({ description: `Refused runs with the reason, the first ${FAILURES_LISTED}` }),
  })
  .openapi("Job");

const THROTTLE = `Runs are retried oldest first, at most ${RUNS_PER_SECOND} per second (${RUNS_PER_PASS} per pass of the tenant store's alarm), each through the run's own retry (flow control applies; audited as \`run.retried\` with the job's id).`;

export const bulkRetryRoutes = createRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/runs/bulk-retry/preview",
      tags: ["Runs"],
      summary:
        "Before retrying many failed runs: which steps run again and which effects fire again, deduplicated",
      description: `Adds up, over every selected failed run, its own retry preview (GET /v1/runs/{id}/retry-preview). Nothing runs. More than ${BULK_RETRY_LIMIT} matching runs is a 422 asking for a narrower selection.`,
      request: { body: jsonBody(BulkRetryBody) },
      responses: {
        200: jsonResponse(Preview, "The preview"),
        ...errors(400, 401, 403, 404, 422),
      },
    }),
    async (c) => {
      const p = authorize(c, "read");
      const body = c.req.valid("json");
      checkSelection(body);
      return c.json(await previewBulkRetry(c.env, c.var.db, p.tenantId, body), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/runs/bulk-retry",
      tags: ["Runs"],
      summary: "Retry many failed runs as a tracked job (throttled, cancellable, audited)",
      description: `${THROTTLE} Starting the job is audited as \`runs.bulk_retry_started\`.`,
      request: { body: jsonBody(BulkRetryBody) },
      responses: {
        202: jsonResponse(
          z.object({
            job: Job.pick({ id: true, status: true, total: true, done: true, failed: true }),
          }),
          "The job, started",
        ),
        ...errors(400, 401, 403, 404, 422),
      },
    }),
    async (c) => {
      const p = authorize(c, "write");
      const body = c.req.valid("json");
      checkSelection(body);
      const auditKey = auditKeyOf(c.env);
      const runs = await selectRuns(c.env, p.tenantId, body);
      const targets = await resolveTargets(
        c.var.db,
        p.tenantId,
        body,
        runs.map((r) => r.workflowId),
      );
      const id = newId("job");
      const actor = actorOf(p);
      const at = nowIso();
      const version = body.version ?? null;
      await commitWithAudit(c.var.db, auditKey, p.tenantId, at, () => [], [
        {
          type: AuditType.runsBulkRetryStarted,
          actor,
          subject: id,
          details: { selection: body, total: runs.length, version },
        },
      ]);
      const job = (await storeFor(c.env, p.tenantId).startJob(p.tenantId, {
        id,
        selection: body,
        targets: Object.fromEntries([...targets].map(([wf, t]) => [wf, t?.version ?? null])),
        createdBy: actor,
        runIds: runs.map((r) => r.id),
        at,
        now: Date.now(),
      })) as unknown as JobView;
      return c.json(
        {
          job: {
            id: job.id,
            status: job.status,
            total: job.total,
            done: job.done,
            failed: job.failed,
          },
        },
        202,
      );
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/jobs",
      tags: ["Jobs"],
      summary: "The tenant's tracked jobs (bulk retries), newest first",
      request: { query: ListQuery },
      responses: {
        200: jsonResponse(
          z.object({ items: z.array(Job), nextCursor: z.string().nullable() }),
          "Jobs",
        ),
        ...errors(400, 401, 403),
      },
    }),
    async (c) => {
      const p = authorize(c, "read");
      const q = c.req.valid("query");
      const rows = (await storeFor(c.env, p.tenantId).listJobs(p.tenantId, {
        limit: q.limit,
        after: decodeCursor(q.cursor, isKeysetCursor),
      })) as unknown as JobView[];
      const items = rows.slice(0, q.limit);
      const last = items[items.length - 1];
      return c.json(
        {
          items,
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
      path: "/v1/jobs/{id}",
      tags: ["Jobs"],
      summary: "A tracked job's progress and its refused runs",
      description: THROTTLE,
      request: { params: IdParam },
      responses: { 200: jsonResponse(Job, "The job"), ...errors(401, 403, 404) },
    }),
    async (c) => {
      const p = authorize(c, "read");
      const job = (await storeFor(c.env, p.tenantId).getJob(
        p.tenantId,
        c.req.valid("param").id,
      )) as unknown as JobView | null;
      if (!job) throw notFound("Job");
      return c.json(job, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/jobs/{id}/cancel",
      tags: ["Jobs"],
      summary: "Cancel a queued or running job: no further run is retried",
      description:
        "Runs already retried stay retried. Cancelling a job that has finished is a 409. Audited as `job.cancelled`.",
      request: { params: IdParam },
      responses: { 202: jsonResponse(Job, "The job, cancelled"), ...errors(401, 403, 404, 409) },
    }),
    async (c) => {
      const p = authorize(c, "write");
      const id = c.req.valid("param").id;
      const auditKey = auditKeyOf(c.env);
      const store = storeFor(c.env, p.tenantId);
      const found = await store.getJob(p.tenantId, id);
      if (!found) throw notFound("Job");
      const reply = (await store.cancelJob(p.tenantId, id)) as unknown as {
        result: "cancelled" | "finished";
        job: JobView;
      } | null;
      if (!reply) throw notFound("Job");
      if (reply.result === "finished") {
        throw new ApiError(
          409,
          ErrorCode.conflict,
          `This job has finished: it is ${reply.job.status}`,
        );
      }
      await commitWithAudit(c.var.db, auditKey, p.tenantId, nowIso(), () => [], [
        {
          type: AuditType.jobCancelled,
          actor: actorOf(p),
          subject: id,
          details: { kind: reply.job.kind, total: reply.job.total, done: reply.job.done },
        },
      ]);
      return c.json(reply.job, 202);
    },
  );
