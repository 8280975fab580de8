import { createRoute, z } from "@hono/zod-openapi";
import { dryRun, triggerType, type WorkflowDefinition } from "@switchyard/engine";
import { authorize } from "../auth/authenticate.ts";
import { actorOf } from "../auth/principal.ts";
import { notFound } from "../errors.ts";
import { createRouter } from "../http.ts";
import { newId } from "../lib/crypto.ts";
import { nowIso } from "../lib/time.ts";
import { AuditType, commitWithAudit } from "../repositories/audit.ts";
import { getVersionRow, getWorkflowRow } from "../repositories/workflows.ts";
import { auditKeyOf } from "../services/context.ts";
import { runnable } from "../services/drafts.ts";
import { acceptEvent } from "../services/events.ts";
import { runIdFor } from "../store/matching.ts";
import { errors, IdParam, jsonBody, jsonResponse } from "./common.ts";
import { EventType } from "./events.ts";

const SampleEvent = z
  .object({ type: EventType.optional(), data: z.record(z.string(), z.unknown()) })
  .strict()
  .openapi({ description: "type defaults to the workflow's trigger" });

const TestBody = z
  .object({
    event: SampleEvent,
    version: z.number().int().positive().optional(),
    stepOutputs: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

const RunBody = z
  .object({ event: SampleEvent, version: z.number().int().positive().optional() })
  .strict();

/** The version asked for (drafts included), else the live one, else the latest. */
async function versionFor(
  db: Parameters<typeof getWorkflowRow>[0],
  tenantId: string,
  id: string,
  version: number | undefined,
): Promise<{ version: number; definition: WorkflowDefinition }> {
  const row = await getWorkflowRow(db, tenantId, id);
  if (!row) throw notFound("Workflow");
  const n = version ?? row.liveVersion ?? row.latestVersion;
  const v = await getVersionRow(db, tenantId, id, n);
  if (!v) throw notFound(`Version ${n}`);
  // A draft saved with problems is refused (422 with them), never run.
  return { version: n, definition: runnable(n, v.definition, "run") };
}

export const workflowRunRoutes = createRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/workflows/{id}/test",
      tags: ["Workflows"],
      summary: "Dry run against a sample event: filter explanation and rendered steps, no effects",
      description:
        "Needs write rights (editor): API.md lists testing workflows among the editor's rights.",
      request: { params: IdParam, body: jsonBody(TestBody) },
      responses: {
        200: jsonResponse(
          z.object({
            filter: z.object({
              expression: z.string().nullable(),
              result: z.boolean().nullable(),
              explanation: z.array(z.unknown()),
              error: z.unknown().optional(),
            }),
            steps: z.array(z.record(z.string(), z.unknown())),
          }),
          "The dry run",
        ),
        ...errors(400, 401, 403, 404, 422),
      },
    }),
    async (c) => {
      const p = authorize(c, "write");
      const { id } = c.req.valid("param");
      const body = c.req.valid("json");
      const { version, definition } = await versionFor(c.var.db, p.tenantId, id, body.version);
      const result = dryRun(
        definition,
        { type: body.event.type ?? triggerType(definition.trigger), data: body.event.data },
        {
          now: Date.now(),
          workflowId: id,
          version,
          ...(body.stepOutputs ? { stepOutputs: body.stepOutputs } : {}),
        },
      );
      // Timestamps and durations in explanations serialise as their string forms.
      return c.json(JSON.parse(JSON.stringify(result)), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/workflows/{id}/runs",
      tags: ["Workflows"],
      summary: "Start a real test run of this workflow alone (drafts included)",
      request: { params: IdParam, body: jsonBody(RunBody) },
      responses: {
        202: jsonResponse(z.object({ runId: z.string(), eventId: z.string() }), "Started"),
        ...errors(400, 401, 403, 404, 422),
      },
    }),
    async (c) => {
      const p = authorize(c, "write");
      const { id } = c.req.valid("param");
      const body = c.req.valid("json");
      const { version, definition } = await versionFor(c.var.db, p.tenantId, id, body.version);
      const eventId = newId("evt_test");
      await acceptEvent(
        c.env,
        p.tenantId,
        {
          id: eventId,
          type: body.event.type ?? triggerType(definition.trigger),
          data: body.event.data,
          source: "test",
          only: { workflowId: id, version, definition },
        },
        { limit: "runs" },
      );
      const runId = await runIdFor(p.tenantId, eventId, id);
      await commitWithAudit(c.var.db, auditKeyOf(c.env), p.tenantId, nowIso(), () => [], [
        {
          type: AuditType.workflowTestRun,
          actor: actorOf(p),
          subject: id,
          details: { version, eventId, runId },
        },
      ]);
      return c.json({ runId, eventId }, 202);
    },
  );
