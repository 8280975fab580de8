// A workflow's settings beside its definition (issue 14): who is told when
// its runs fail, which workflow runs on failure, and when it pauses itself. Not a version:
// changing them saves no new definition.
import { createRoute, z } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { authorize } from "../auth/authenticate.ts";
import { actorOf } from "../auth/principal.ts";
import type { Db } from "../db/client.ts";
import { workflows } from "../db/schema.ts";
import { ApiError, ErrorCode, notFound } from "../errors.ts";
import { createRouter } from "../http.ts";
import { nowIso } from "../lib/time.ts";
import { AuditType, commitWithAudit } from "../repositories/audit.ts";
import { getWorkflowRow } from "../repositories/workflows.ts";
import { alertsJson, checkRecipients, parseAlerts } from "../services/alert-settings.ts";
import { auditKeyOf } from "../services/context.ts";
import { autoPauseJson, parseAutoPause } from "../store/auto-pause.ts";
import { storeFor } from "../store/client.ts";
import { WORKFLOW_FAILED } from "../store/on-failure.ts";
import { Alerts, AutoPauseSchema, OnFailure } from "./alert-schemas.ts";
import { errors, IdParam, jsonBody, jsonResponse } from "./common.ts";
import { view, Workflow } from "./workflows.ts";

const WorkflowPatch = z
  .strictObject({
    alerts: Alerts.nullable().optional().openapi({
      description: "Its own failure alerts; null: follow the tenant's default",
    }),
    onFailure: OnFailure.nullable().optional().openapi({
      description:
        "On failure, run this workflow (live, enabled, trigger workflow.failed); null: none",
    }),
    autoPause: AutoPauseSchema.nullable().optional().openapi({
      description: "Pause it after N failed runs within M minutes; null: never",
    }),
  })
  .openapi("WorkflowPatch");

/**
 * The workflow to run on failure must be another of the tenant's, started
 * by `workflow.failed` (else it would never run): 422 with the path.
 */
async function checkHandler(db: Db, tenantId: string, id: string, target: string): Promise<void> {
  const refuse = (message: string) =>
    new ApiError(422, ErrorCode.validationFailed, message, [
      { path: "onFailure.workflowId", message },
    ]);
  if (target === id) throw refuse("a workflow cannot run itself on failure");
  const handler = await getWorkflowRow(db, tenantId, target);
  if (!handler) throw refuse(`no workflow '${target}' in this workspace`);
  if (handler.triggerEvent !== WORKFLOW_FAILED) {
    throw refuse(
      `'${handler.name}' does not start on ${WORKFLOW_FAILED}; publish it with that trigger first`,
    );
  }
}

export const workflowSettingsRoutes = createRouter().openapi(
  createRoute({
    method: "patch",
    path: "/v1/workflows/{id}",
    tags: ["Workflows"],
    summary:
      "Change a workflow's settings (who is told when its runs fail, what runs on failure, auto-pause)",
    description:
      "A field left out stays as it is. Settings are not part of the definition: no version is saved.",
    request: { params: IdParam, body: jsonBody(WorkflowPatch) },
    responses: {
      200: jsonResponse(Workflow, "The workflow"),
      ...errors(400, 401, 403, 404, 422),
    },
  }),
  async (c) => {
    const p = authorize(c, "write");
    const { id } = c.req.valid("param");
    const input = c.req.valid("json");
    const db = c.var.db;
    const row = await getWorkflowRow(db, p.tenantId, id);
    if (!row || row.deletedAt !== null) throw notFound("Workflow");
    const set: { alerts?: string | null; onFailure?: string | null; autoPause?: string | null } =
      {};
    const changes: Record<string, { old: unknown; new: unknown }> = {};
    if (input.alerts !== undefined) {
      if (input.alerts) await checkRecipients(db, p.tenantId, input.alerts, "alerts");
      const next = input.alerts ? alertsJson(input.alerts) : null;
      if (next !== row.alerts) {
        set.alerts = next;
        changes.alerts = { old: parseAlerts(row.alerts), new: input.alerts };
      }
    }
    if (input.onFailure !== undefined) {
      const next = input.onFailure?.workflowId ?? null;
      if (next !== null) await checkHandler(db, p.tenantId, id, next);
      if (next !== row.onFailure) {
        set.onFailure = next;
        changes.onFailure = { old: row.onFailure, new: next };
      }
    }
    if (input.autoPause !== undefined) {
      const next = input.autoPause ? autoPauseJson(input.autoPause) : null;
      if (next !== row.autoPause) {
        set.autoPause = next;
        changes.autoPause = { old: parseAutoPause(row.autoPause), new: input.autoPause };
      }
    }
    if (Object.keys(changes).length > 0) {
      const at = nowIso();
      await commitWithAudit(
        db,
        auditKeyOf(c.env),
        p.tenantId,
        at,
        () => [
          db
            .update(workflows)
            .set({ ...set, updatedAt: at })
            .where(and(eq(workflows.tenantId, p.tenantId), eq(workflows.id, id))),
        ],
        [{ type: AuditType.workflowUpdated, actor: actorOf(p), subject: id, details: changes }],
      );
      // The store keeps each live workflow's on-failure choice and threshold with its copy.
      if (changes.onFailure || changes.autoPause) {
        await storeFor(c.env, p.tenantId)
          .refreshWorkflows(p.tenantId)
          .catch((err) => console.error(`tenant ${p.tenantId}: store not told`, err));
      }
    }
    return c.json(await view(c, p.tenantId, id), 200);
  },
);
