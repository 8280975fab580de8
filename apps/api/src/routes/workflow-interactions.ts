import { createRoute, z } from "@hono/zod-openapi";
import type { WorkflowDefinition } from "@switchyard/engine";
import { authorize } from "../auth/authenticate.ts";
import { notFound } from "../errors.ts";
import { createRouter } from "../http.ts";
import { getVersionRow, getWorkflowRow } from "../repositories/workflows.ts";
import { interactionsOf } from "../services/interactions.ts";
import { errors, IdParam, jsonResponse } from "./common.ts";

const Ref = z.object({ id: z.string(), name: z.string() });

const Interactions = z
  .object({
    trigger: z
      .string()
      .openapi({ description: "The event this workflow's latest version listens to" }),
    sameTrigger: z.array(Ref).openapi({
      description: "Other live, enabled workflows that the same event starts",
    }),
    effects: z.array(
      z.object({
        stepId: z.string(),
        stepName: z.string(),
        events: z.array(z.string()).openapi({
          description:
            "What the step's effect emits (a record write: <type>.created, <type>.updated)",
        }),
        starts: z.array(Ref.extend({ event: z.string(), self: z.boolean() })).openapi({
          description: "Workflows those events start: this one (self) or other live, enabled ones",
        }),
      }),
    ),
  })
  .openapi("WorkflowInteractions");

export const workflowInteractionRoutes = createRouter().openapi(
  createRoute({
    method: "get",
    path: "/v1/workflows/{id}/interactions",
    tags: ["Workflows"],
    summary:
      "Hidden interactions: other workflows started by the same event, and workflows a step's effect can start",
    request: { params: IdParam },
    responses: {
      200: jsonResponse(Interactions, "The interactions of the latest version"),
      ...errors(401, 403, 404),
    },
  }),
  async (c) => {
    const p = authorize(c, "read");
    const { id } = c.req.valid("param");
    const row = await getWorkflowRow(c.var.db, p.tenantId, id);
    if (!row) throw notFound("Workflow");
    const v = await getVersionRow(c.var.db, p.tenantId, id, row.latestVersion);
    if (!v) throw notFound(`Version ${row.latestVersion}`);
    const definition = JSON.parse(v.definition) as WorkflowDefinition;
    const view = await interactionsOf(c.var.db, p.tenantId, { id, name: row.name }, definition);
    return c.json(view, 200);
  },
);
