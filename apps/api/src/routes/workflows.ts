import { createRoute, z } from "@hono/zod-openapi";
import { scheduleTriggerSchema } from "@switchyard/engine";
import type { Context } from "hono";
import { authorize } from "../auth/authenticate.ts";
import { actorOf, type Principal } from "../auth/principal.ts";
import { ApiError, ErrorCode, notFound } from "../errors.ts";
import { type AppEnv, createRouter } from "../http.ts";
import { nowIso } from "../lib/time.ts";
import {
  getDefinitions,
  getVersionRow,
  getWorkflowRow,
  listVersionRows,
  listWorkflowRows,
} from "../repositories/workflows.ts";
import { auditKeyOf } from "../services/context.ts";
import { parseDraft, problemsOf, replaceableDraft, replaceDraft } from "../services/drafts.ts";
import { assertRequirements, requirementProblemsOf } from "../services/requirements.ts";
import {
  createWorkflow,
  deleteWorkflow,
  type FailingView,
  failingView,
  parseDefinition,
  publishVersion,
  saveVersion,
  setEnabled,
  splitSaveBody,
  toWorkflowView,
} from "../services/workflows.ts";
import { storeFor } from "../store/client.ts";
import { Alerts, AutoPauseSchema, Failing, OnFailure, Paused } from "./alert-schemas.ts";
import {
  decodeCursor,
  encodeCursor,
  errors,
  IdParam,
  jsonBody,
  jsonResponse,
  ListQuery,
} from "./common.ts";

const Trigger = z
  .union([
    z.object({ event: z.string().openapi({ example: "order.created" }) }),
    z.object({ schedule: scheduleTriggerSchema }),
  ])
  .openapi("Trigger", {
    description:
      "An event type, or a schedule: `cron` (5 fields, or 6 with seconds first) or `every` (a duration, at least 1s), in `timezone` (IANA; default the tenant's), with optional `start`, `end`, `jitter`, `overlap` (skip | buffer_one | allow) and `catchUp` (none | latest | all). Each occurrence is a `schedule.fired` event with id `<scheduleId>:<nominal time>` and data `{ scheduleId, workflowId, nominal, actual, previousNominal }`. Daylight saving: a skipped local time fires once at the first valid instant after it; a repeated one fires once, the first time.",
  });

const Definition = z
  .object({
    name: z.string(),
    description: z.string().optional(),
    trigger: Trigger,
    filter: z.string().optional().openapi({ example: "order.amount > 10000" }),
    steps: z.array(z.record(z.string(), z.unknown())).openapi({
      description:
        'Each step has an `id` and one kind key: `action` (+ `config`, `retry`, `timeout`); `if` (+ `then`, `else`); `parallel` (a list of branches); `delay` ("10m"); `waitFor` ({ `event`: a type or a list, `match`?: an expression over the run and the incoming `event`, `timeout` } + `onTimeout` steps; output: the event, or `{ "timedOut": true }`); `forEach` (an expression giving a list, + `steps` run once per item, `as` (the item\'s name, default `item`; `index` is its position), `concurrency` (1–50, default 1), `maxItems` (default 1,000, at most 10,000), `onItemFailure`: `stop` (default) | `continue` | { `failAbove`: "10%" }; output: `{ results: [ { <stepId>: output } ], failed: [ { index, error } ] }`; inside a loop a step\'s run-time id is `<id>[<index>]`).',
      example: [
        {
          id: "lines",
          forEach: "order.lines",
          as: "line",
          concurrency: 5,
          steps: [
            {
              id: "reserve",
              action: "call_webhook",
              config: { url: "https://erp.example/reserve", body: '{"sku": "{{ line.sku }}"}' },
            },
          ],
        },
      ],
    }),
  })
  .openapi("WorkflowDefinition", {
    description:
      "A workflow definition (shared/DESIGN.md). Validated in full by the engine: problems answer 422 with their paths.",
  });

const SaveBody = z
  .looseObject({
    enabled: z.boolean().optional(),
    publish: z
      .boolean()
      .optional()
      .openapi({ description: "false saves a draft; default true (live)" }),
    baseVersion: z.number().int().positive().optional().openapi({
      description: "The version the edit started from; 409 when a newer one was saved since",
    }),
    replaceDraft: z.boolean().optional().openapi({
      description:
        "With publish false and baseVersion: write over that version instead of saving a new one, when it is the latest, a draft that was never live, and saved by the same caller (the builder's autosave). Otherwise a new version is saved.",
    }),
  })
  .openapi("WorkflowSave", {
    description:
      "A workflow definition plus the options above. With publish false it may be incomplete: it is saved with its problems listed.",
  });

const ProblemItem = z
  .object({
    path: z.string(),
    message: z.string(),
    position: z
      .object({ offset: z.number(), line: z.number(), column: z.number(), length: z.number() })
      .optional(),
  })
  .openapi("DefinitionProblem", { description: "The same shape as a 422's details" });

export const Workflow = z
  .object({
    id: z.string(),
    name: z.string(),
    enabled: z.boolean(),
    liveVersion: z.number().nullable(),
    draftVersion: z.number().optional(),
    latestVersion: z.number(),
    trigger: Trigger,
    definition: Definition,
    createdAt: z.string(),
    createdBy: z.string(),
    updatedAt: z.string(),
    alerts: Alerts.nullable().openapi({
      description: "Its own failure alerts; null: the tenant's default (GET /v1/settings/tenant)",
    }),
    failing: Failing.nullable(),
    onFailure: OnFailure.nullable(),
    autoPause: AutoPauseSchema.nullable(),
    paused: Paused.nullable(),
    problems: z.array(ProblemItem).openapi({
      description:
        "What keeps the latest version (a draft saved while incomplete) from being published or run; empty when nothing does",
    }),
  })
  .openapi("Workflow");

const Version = z
  .object({
    version: z.number(),
    createdAt: z.string(),
    createdBy: z.string(),
    live: z.boolean(),
    draft: z.boolean(),
    problemCount: z.number().int().openapi({
      description: "Problems that keep this version from being published or run (0: none)",
    }),
  })
  .openapi("WorkflowVersion");

const VersionParams = z.object({
  id: z.string().min(1).max(100),
  n: z.coerce.number().int().positive(),
});

const ListWorkflowsQuery = ListQuery.extend({
  q: z.string().max(200).optional().openapi({ description: "Search in names" }),
  enabled: z.enum(["true", "false"]).optional(),
});

type Cursor = { createdAt: string; id: string };
const isCursor = (v: unknown): v is Cursor =>
  typeof v === "object" &&
  v !== null &&
  typeof (v as Cursor).createdAt === "string" &&
  typeof (v as Cursor).id === "string";

function deps(c: Context<AppEnv>, p: Principal) {
  return {
    db: c.var.db,
    liveChanged: () => storeFor(c.env, p.tenantId).refreshWorkflows(p.tenantId),
    auditKey: auditKeyOf(c.env),
    tenantId: p.tenantId,
    actor: actorOf(p),
    at: nowIso(),
  };
}

/** Workflows failing now, by id (one call to the tenant's store). */
async function failingOf(c: Context<AppEnv>, tenantId: string): Promise<Map<string, FailingView>> {
  const streaks = await storeFor(c.env, tenantId).failingWorkflows(tenantId);
  return new Map(streaks.map((s) => [s.workflowId, failingView(s)]));
}

export async function view(c: Context<AppEnv>, tenantId: string, id: string) {
  const row = await getWorkflowRow(c.var.db, tenantId, id);
  if (!row) throw notFound("Workflow");
  const v = await getVersionRow(c.var.db, tenantId, id, row.latestVersion);
  const failing = (await failingOf(c, tenantId)).get(id) ?? null;
  const w = toWorkflowView(row, v!.definition, failing);
  // Connections and secrets it names that this workspace lacks (issue 17).
  const [missing = []] = await requirementProblemsOf(c.env, tenantId, [w.definition]);
  return missing.length > 0 ? { ...w, problems: [...w.problems, ...missing] } : w;
}

export const workflowRoutes = createRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/workflows",
      tags: ["Workflows"],
      summary:
        "Create a workflow (version 1; live unless publish is false; a draft may be incomplete and lists its problems)",
      request: { body: jsonBody(SaveBody) },
      responses: {
        201: jsonResponse(Workflow, "The workflow"),
        ...errors(400, 401, 403, 413, 415, 422),
      },
    }),
    async (c) => {
      const p = authorize(c, "write");
      const { definition, enabled, publish } = splitSaveBody(c.req.valid("json"));
      // A draft may be incomplete: it is saved, and the answer lists its problems.
      const parsed = publish ? parseDefinition(definition) : parseDraft(definition).definition;
      if (publish) await assertRequirements(c.env, p.tenantId, parsed);
      const id = await createWorkflow(deps(c, p), parsed, { enabled: enabled ?? true, publish });
      return c.json(await view(c, p.tenantId, id), 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/workflows",
      tags: ["Workflows"],
      summary: "List workflows, newest first",
      request: { query: ListWorkflowsQuery },
      responses: {
        200: jsonResponse(
          z.object({ items: z.array(Workflow), nextCursor: z.string().nullable() }),
          "Workflows",
        ),
        ...errors(400, 401, 403),
      },
    }),
    async (c) => {
      const p = authorize(c, "read");
      const q = c.req.valid("query");
      const db = c.var.db;
      const rows = await listWorkflowRows(db, p.tenantId, {
        limit: q.limit + 1,
        after: decodeCursor(q.cursor, isCursor),
        search: q.q,
        enabled: q.enabled === undefined ? undefined : q.enabled === "true",
      });
      const page = rows.slice(0, q.limit);
      const defs = await getDefinitions(
        db,
        p.tenantId,
        page.map((r) => ({ workflowId: r.id, version: r.latestVersion })),
      );
      const failing = page.length > 0 ? await failingOf(c, p.tenantId) : new Map();
      const last = page[page.length - 1];
      const views = page.map((r) =>
        toWorkflowView(r, defs.get(`${r.id}@${r.latestVersion}`)!, failing.get(r.id) ?? null),
      );
      const missing = await requirementProblemsOf(
        c.env,
        p.tenantId,
        views.map((w) => w.definition),
      );
      return c.json(
        {
          items: views.map((w, i) =>
            missing[i]?.length ? { ...w, problems: [...w.problems, ...missing[i]] } : w,
          ),
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
      path: "/v1/workflows/{id}",
      tags: ["Workflows"],
      summary: "Get a workflow with its latest definition",
      request: { params: IdParam },
      responses: { 200: jsonResponse(Workflow, "The workflow"), ...errors(401, 403, 404) },
    }),
    async (c) => {
      const p = authorize(c, "read");
      return c.json(await view(c, p.tenantId, c.req.valid("param").id), 200);
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/v1/workflows/{id}",
      tags: ["Workflows"],
      summary:
        "Save a new version (live unless publish is false; a draft may be incomplete and lists its problems)",
      request: { params: IdParam, body: jsonBody(SaveBody) },
      responses: {
        200: jsonResponse(Workflow, "The workflow"),
        ...errors(400, 401, 403, 404, 409, 413, 415, 422),
      },
    }),
    async (c) => {
      const p = authorize(c, "write");
      const { id } = c.req.valid("param");
      if (!(await getWorkflowRow(c.var.db, p.tenantId, id))) throw notFound("Workflow");
      const body = splitSaveBody(c.req.valid("json"));
      const { publish, enabled, baseVersion } = body;
      const parsed = publish
        ? parseDefinition(body.definition)
        : parseDraft(body.definition).definition;
      if (publish) await assertRequirements(c.env, p.tenantId, parsed);
      const d = deps(c, p);
      const draft =
        body.replaceDraft && !publish ? await replaceableDraft(d, id, baseVersion) : null;
      if (draft === null) await saveVersion(d, id, parsed, { publish, enabled, baseVersion });
      else if (!(await replaceDraft(d, id, draft, parsed, enabled))) {
        throw new ApiError(
          409,
          ErrorCode.conflict,
          "Someone saved or published this workflow at the same moment; reload it and save again",
        );
      }
      return c.json(await view(c, p.tenantId, id), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/workflows/{id}/publish",
      tags: ["Workflows"],
      summary:
        "Make an existing version live (rollback, or a draft going live); 422 while it has problems",
      request: {
        params: IdParam,
        body: jsonBody(z.object({ version: z.number().int().positive() }).strict()),
      },
      responses: {
        200: jsonResponse(Workflow, "The workflow"),
        ...errors(400, 401, 403, 404, 422),
      },
    }),
    async (c) => {
      const p = authorize(c, "write");
      const { id } = c.req.valid("param");
      const { version } = c.req.valid("json");
      const v = await getVersionRow(c.var.db, p.tenantId, id, version);
      if (v)
        await assertRequirements(c.env, p.tenantId, JSON.parse(v.definition), `Version ${version}`);
      await publishVersion(deps(c, p), id, version);
      return c.json(await view(c, p.tenantId, id), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/workflows/{id}/enable",
      tags: ["Workflows"],
      summary: "Enable: the live version starts matching events",
      request: { params: IdParam },
      responses: { 200: jsonResponse(Workflow, "The workflow"), ...errors(401, 403, 404) },
    }),
    async (c) => {
      const p = authorize(c, "write");
      const { id } = c.req.valid("param");
      await setEnabled(deps(c, p), id, true);
      return c.json(await view(c, p.tenantId, id), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/workflows/{id}/disable",
      tags: ["Workflows"],
      summary: "Disable: no new runs start; runs in flight finish",
      request: { params: IdParam },
      responses: { 200: jsonResponse(Workflow, "The workflow"), ...errors(401, 403, 404) },
    }),
    async (c) => {
      const p = authorize(c, "write");
      const { id } = c.req.valid("param");
      await setEnabled(deps(c, p), id, false);
      return c.json(await view(c, p.tenantId, id), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/v1/workflows/{id}",
      tags: ["Workflows"],
      summary: "Delete: disabled and hidden; its versions and runs stay",
      request: { params: IdParam },
      responses: { 204: { description: "Deleted" }, ...errors(401, 403, 404) },
    }),
    async (c) => {
      const p = authorize(c, "write");
      await deleteWorkflow(deps(c, p), c.req.valid("param").id);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/workflows/{id}/versions",
      tags: ["Workflows"],
      summary: "List a workflow's versions, newest first",
      request: { params: IdParam, query: ListQuery },
      responses: {
        200: jsonResponse(
          z.object({ items: z.array(Version), nextCursor: z.string().nullable() }),
          "Versions",
        ),
        ...errors(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const p = authorize(c, "read");
      const { id } = c.req.valid("param");
      const q = c.req.valid("query");
      const row = await getWorkflowRow(c.var.db, p.tenantId, id);
      if (!row) throw notFound("Workflow");
      const before = decodeCursor(q.cursor, (v): v is number => Number.isInteger(v));
      const rows = await listVersionRows(c.var.db, p.tenantId, id, q.limit + 1, before);
      const page = rows.slice(0, q.limit);
      return c.json(
        {
          items: page.map((v) => ({
            version: v.version,
            createdAt: v.createdAt,
            createdBy: v.createdBy,
            live: v.version === row.liveVersion,
            draft: v.version === row.draftVersion,
            problemCount: problemsOf(JSON.parse(v.definition)).length,
          })),
          nextCursor: rows.length > q.limit ? encodeCursor(page[page.length - 1]!.version) : null,
        },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/workflows/{id}/versions/{n}",
      tags: ["Workflows"],
      summary: "Get one version with its definition",
      request: { params: VersionParams },
      responses: {
        200: jsonResponse(
          Version.extend({ definition: Definition, problems: z.array(ProblemItem) }),
          "The version",
        ),
        ...errors(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const p = authorize(c, "read");
      const { id, n } = c.req.valid("param");
      const row = await getWorkflowRow(c.var.db, p.tenantId, id);
      if (!row) throw notFound("Workflow");
      const v = await getVersionRow(c.var.db, p.tenantId, id, n);
      if (!v) throw notFound(`Version ${n}`);
      const definition = JSON.parse(v.definition);
      const problems = problemsOf(definition);
      return c.json(
        {
          version: v.version,
          createdAt: v.createdAt,
          createdBy: v.createdBy,
          live: v.version === row.liveVersion,
          draft: v.version === row.draftVersion,
          definition,
          problemCount: problems.length,
          problems,
        },
        200,
      );
    },
  );
