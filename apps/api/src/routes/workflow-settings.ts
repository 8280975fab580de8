// A workflow's settings beside its definition (issue 14): who is told when
// its runs fail. Not a version: changing them saves no new definition.
import { createRoute, z } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { authorize } from "../auth/authenticate.ts";
import { actorOf } from "../auth/principal.ts";
import { workflows } from "../db/schema.ts";
import { notFound } from "../errors.ts";
import { createRouter } from "../http.ts";
import { nowIso } from "../lib/time.ts";
import { AuditType, commitWithAudit } from "../repositories/audit.ts";
import { getWorkflowRow } from "../repositories/workflows.ts";
import { alertsJson, checkRecipients, parseAlerts } from "../services/alert-settings.ts";
import { auditKeyOf } from "../services/context.ts";
import { Alerts } from "./alert-schemas.ts";
import { errors, IdParam, jsonBody, jsonResponse } from "./common.ts";
import { view, Workflow } from "./workflows.ts";

const WorkflowPatch = z
  .strictObject({
    alerts: Alerts.nullable().optional().openapi({
      description: "Its own failure alerts; null: follow the tenant's default",
    }),
  })
  .openapi("WorkflowPatch");

export const workflowSettingsRoutes = createRouter().openapi(
  createRoute({
    method: "patch",
    path: "/v1/workflows/{id}",
    tags: ["Workflows"],
    summary: "Change a workflow's settings (who is told when its runs fail)",
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
    if (input.alerts !== undefined) {
      if (input.alerts) await checkRecipients(db, p.tenantId, input.alerts, "alerts");
      const next = input.alerts ? alertsJson(input.alerts) : null;
      if (next !== row.alerts) {
        const at = nowIso();
        await commitWithAudit(
          db,
          auditKeyOf(c.env),
          p.tenantId,
          at,
          () => [
            db
              .update(workflows)
              .set({ alerts: next, updatedAt: at })
              .where(and(eq(workflows.tenantId, p.tenantId), eq(workflows.id, id))),
          ],
          [
            {
              type: AuditType.workflowUpdated,
              actor: actorOf(p),
              subject: id,
              details: { alerts: { old: parseAlerts(row.alerts), new: input.alerts } },
            },
          ],
        );
      }
    }
    return c.json(await view(c, p.tenantId, id), 200);
  },
);
