// The template gallery (issue 17, item 5): templates to start a workflow
// from, each with the blanks it asks to have filled in and what it needs
// from the workspace; using one makes a draft (never live) through the same
// service as POST /v1/workflows.
import { createRoute, z } from "@hono/zod-openapi";
import { fillTemplate, type Template, TemplateParamType } from "@switchyard/engine";
import type { Context } from "hono";
import { authorize } from "../auth/authenticate.ts";
import { actorOf } from "../auth/principal.ts";
import { ApiError, ErrorCode, notFound } from "../errors.ts";
import { type AppEnv, createRouter } from "../http.ts";
import { nowIso } from "../lib/time.ts";
import { auditKeyOf } from "../services/context.ts";
import { existingCredentials } from "../services/credential-names.ts";
import { parseDraft } from "../services/drafts.ts";
import { createWorkflow } from "../services/workflows.ts";
import { storeFor } from "../store/client.ts";
import { getTemplate, listTemplates } from "../templates/registry.ts";
import { errors, jsonBody, jsonResponse } from "./common.ts";
import { view, Workflow } from "./workflows.ts";

const Names = z.array(z.string());

const TemplateParam = z
  .object({
    name: z.string().openapi({ example: "threshold" }),
    label: z.string(),
    help: z.string().optional(),
    type: z.enum(Object.values(TemplateParamType) as [string, ...string[]]).openapi({
      description:
        "text, number, person (a member's email), event_type, connection (a connection's name), secret (a secret's name), duration (48h), email",
    }),
    default: z.union([z.string(), z.number()]).optional(),
    required: z.boolean().optional(),
    example: z
      .union([z.string(), z.number()])
      .optional()
      .openapi({ description: "A value that works, for a required parameter" }),
  })
  .openapi("TemplateParam");

const Requires = z.object({ connections: Names, secrets: Names }).openapi("TemplateRequires", {
  description:
    "The connections and secrets the workflow needs with its parameters at their defaults",
});

const TemplateSummary = z
  .object({
    id: z.string().openapi({ example: "new-lead-slack" }),
    title: z.string(),
    description: z.string(),
    category: z.string(),
    params: z.array(TemplateParam),
    requires: Requires,
    ready: z
      .object({ missingConnections: Names, missingSecrets: Names })
      .openapi({ description: "What this workspace lacks of `requires` (empty lists: ready)" }),
  })
  .openapi("TemplateSummary");

const TemplateDetail = TemplateSummary.extend({
  definition: z.record(z.string(), z.unknown()).openapi({
    description:
      'The workflow it makes, with its blanks: { "$param": name } for a whole value, [[name]] inside text',
  }),
}).openapi("TemplateDetail");

const IdParams = z.object({ id: z.string().min(1).max(100) });

const UseBody = z
  .object({
    params: z.record(z.string(), z.unknown()).default({}).openapi({
      description: "A value for each parameter by name; missing ones take their default",
    }),
    name: z.string().trim().min(1).max(200).optional().openapi({
      description: "The new workflow's name (default: the template's)",
    }),
  })
  .openapi("UseTemplate");

/** What the tenant lacks of each template's requires, in one store call for all. */
async function readiness(c: Context<AppEnv>, tenantId: string, templates: readonly Template[]) {
  const wanted = {
    connections: [...new Set(templates.flatMap((t) => t.requires.connections))],
    secrets: [...new Set(templates.flatMap((t) => t.requires.secrets))],
  };
  const have = await existingCredentials(c.env, tenantId, wanted);
  return (t: Template) => ({
    missingConnections: t.requires.connections.filter((n) => !have.connections.has(n)),
    missingSecrets: t.requires.secrets.filter((n) => !have.secrets.has(n)),
  });
}

function summary(t: Template) {
  return {
    id: t.id,
    title: t.title,
    description: t.description,
    category: t.category,
    params: t.params,
    requires: t.requires,
  };
}

/** The workflow a template makes, blanks and all, as a definition. */
function definitionOf(t: Template): Record<string, unknown> {
  const { name, description, definition } = t.workflow;
  return { name, ...(description !== undefined ? { description } : {}), ...definition };
}

function templateOr404(id: string): Template {
  const t = getTemplate(id);
  if (!t) throw notFound("Template");
  return t;
}

export const templateRoutes = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/templates",
      tags: ["Templates"],
      summary:
        "The template gallery, by category and title, and what this workspace lacks for each",
      responses: {
        200: jsonResponse(
          z.object({ items: z.array(TemplateSummary), nextCursor: z.null() }),
          "Every template (one page)",
        ),
        ...errors(401, 403),
      },
    }),
    async (c) => {
      const p = authorize(c, "read");
      const all = listTemplates();
      const ready = await readiness(c, p.tenantId, all);
      return c.json(
        { items: all.map((t) => ({ ...summary(t), ready: ready(t) })), nextCursor: null },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/templates/{id}",
      tags: ["Templates"],
      summary: "One template, with the workflow it makes (its blanks in place) for a preview",
      request: { params: IdParams },
      responses: {
        200: jsonResponse(TemplateDetail, "The template"),
        ...errors(401, 403, 404),
      },
    }),
    async (c) => {
      const p = authorize(c, "read");
      const t = templateOr404(c.req.valid("param").id);
      const ready = await readiness(c, p.tenantId, [t]);
      return c.json({ ...summary(t), ready: ready(t), definition: definitionOf(t) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/templates/{id}/use",
      tags: ["Templates"],
      summary:
        "Make a draft workflow from a template (never live): the answer is the workflow, with its problems (a connection or secret it names that this workspace lacks, say)",
      request: { params: IdParams, body: jsonBody(UseBody) },
      responses: {
        201: jsonResponse(Workflow, "The draft workflow"),
        ...errors(400, 401, 403, 404, 413, 415, 422),
      },
    }),
    async (c) => {
      const p = authorize(c, "write");
      const t = templateOr404(c.req.valid("param").id);
      const body = c.req.valid("json");
      const filled = fillTemplate(t, body.params, body.name);
      if (!filled.ok) {
        throw new ApiError(
          422,
          ErrorCode.validationFailed,
          `Some parameters of '${t.title}' need another look`,
          filled.problems,
        );
      }
      // A draft, as POST /v1/workflows with publish false saves one: even an
      // incomplete one is kept, with its problems listed.
      const draft = parseDraft(filled.definition).definition;
      const id = await createWorkflow(
        {
          db: c.var.db,
          liveChanged: () => storeFor(c.env, p.tenantId).refreshWorkflows(p.tenantId),
          auditKey: auditKeyOf(c.env),
          tenantId: p.tenantId,
          actor: actorOf(p),
          at: nowIso(),
        },
        draft,
        { enabled: true, publish: false, audit: { template: t.id } },
      );
      return c.json(await view(c, p.tenantId, id), 201);
    },
  );
