// Finding records (issue 14): the record types in use, and a record's
// history — each version, who made it (a workflow's step in a run, a
// person, an API key), when, and what changed (old and new values).
import { createRoute, z } from "@hono/zod-openapi";
import { flattenSteps, type WorkflowDefinition } from "@switchyard/engine";
import { authorize } from "../auth/authenticate.ts";
import type { Db } from "../db/client.ts";
import { notFound } from "../errors.ts";
import { createRouter } from "../http.ts";
import { listApiKeys } from "../repositories/api-keys.ts";
import { listMembers } from "../repositories/users.ts";
import { getDefinitions, getWorkflowRow } from "../repositories/workflows.ts";
import { MAX_RECORD_ID_LENGTH, recordTypeProblem } from "../services/records.ts";
import { storeFor, type TenantStoreStub } from "../store/client.ts";
import type { RecordActor, RecordVersionRow } from "../store/record-versions.ts";
import { decodeCursor, encodeCursor, errors, jsonResponse, ListQuery } from "./common.ts";

const RecordType = z.string().superRefine((type, ctx) => {
  const problem = recordTypeProblem(type);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

const By = z
  .object({
    type: z.string().openapi({ description: "`run`, `user`, `api_key` or `system`" }),
    id: z.string().optional(),
    name: z.string().nullable().openapi({
      description: "In words: a member's name, an API key's name, or the workflow's name",
    }),
    runId: z.string().optional(),
    stepId: z.string().optional(),
    step: z.string().nullable().optional().openapi({ description: "The step's name" }),
    workflowId: z.string().nullable().optional(),
  })
  .openapi("RecordChangedBy");

const RecordVersion = z
  .object({
    version: z.number().int(),
    at: z.string(),
    by: By,
    changes: z.record(z.string(), z.object({ old: z.unknown(), new: z.unknown() })),
  })
  .openapi("RecordVersion");

type ByView = z.infer<typeof By>;

/** Names each run's workflow and step, a statement or two per page. */
async function runNames(
  db: Db,
  store: TenantStoreStub,
  tenantId: string,
  runIds: string[],
): Promise<Map<string, { workflowId: string; version: number; name: string | null }>> {
  const out = new Map<string, { workflowId: string; version: number; name: string | null }>();
  for (const runId of runIds) {
    const run = await store.getRun(tenantId, runId);
    if (!run) continue;
    const wf = await getWorkflowRow(db, tenantId, run.workflowId);
    out.set(runId, {
      workflowId: run.workflowId,
      version: run.workflowVersion,
      name: wf?.name ?? null,
    });
  }
  return out;
}

async function describeActors(
  db: Db,
  store: TenantStoreStub,
  tenantId: string,
  rows: RecordVersionRow[],
): Promise<ByView[]> {
  const actors = rows.map((r) => JSON.parse(r.actor) as RecordActor);
  const runIds = [
    ...new Set(actors.flatMap((a) => (a.type === "run" && "runId" in a ? [a.runId] : []))),
  ];
  const [people, keys, runs] = await Promise.all([
    actors.some((a) => a.type === "user") ? listMembers(db, tenantId) : [],
    actors.some((a) => a.type === "api_key") ? listApiKeys(db, tenantId) : [],
    runNames(db, store, tenantId, runIds),
  ]);
  const definitions = await getDefinitions(
    db,
    tenantId,
    [...runs.values()].map((r) => ({ workflowId: r.workflowId, version: r.version })),
  );
  return actors.map((a): ByView => {
    if (a.type === "run" && "runId" in a) {
      const run = runs.get(a.runId);
      const def = run && definitions.get(`${run.workflowId}@${run.version}`);
      const step = def
        ? flattenSteps(JSON.parse(def) as WorkflowDefinition).find((s) => s.step.id === a.stepId)
        : undefined;
      return {
        type: "run",
        runId: a.runId,
        stepId: a.stepId,
        step: step?.step.name ?? null,
        workflowId: run?.workflowId ?? null,
        name: run?.name ?? null,
      };
    }
    const id = "id" in a ? a.id : "";
    if (a.type === "user") {
      const m = people.find((p) => p.id === id);
      return { type: a.type, id, name: m ? m.name || m.email : null };
    }
    if (a.type === "api_key") {
      return { type: a.type, id, name: keys.find((k) => k.id === id)?.name ?? null };
    }
    return { type: a.type, id, name: null };
  });
}

export const recordHistoryRoutes = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/record-types",
      tags: ["Records"],
      summary: "The record types in use, by name, with how many records each has",
      request: { query: ListQuery },
      responses: {
        200: jsonResponse(
          z.object({
            items: z.array(
              z.object({
                type: z.string(),
                records: z.number().int().openapi({
                  description: "How many records it has, counted up to 1,001 (more shows as 1,001)",
                }),
                updatedAt: z.string().nullable().openapi({ description: "The latest change" }),
              }),
            ),
            nextCursor: z.string().nullable(),
          }),
          "Record types",
        ),
        ...errors(400, 401, 403),
      },
    }),
    async (c) => {
      const p = authorize(c, "read");
      const q = c.req.valid("query");
      const after = decodeCursor(q.cursor, (v): v is string => typeof v === "string");
      const rows = await storeFor(c.env, p.tenantId).listRecordTypes(p.tenantId, {
        limit: q.limit,
        after,
      });
      const page = rows.slice(0, q.limit);
      return c.json(
        {
          items: page,
          nextCursor: rows.length > q.limit ? encodeCursor(page[page.length - 1]!.type) : null,
        },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/records/{type}/{id}/versions",
      tags: ["Records"],
      summary:
        "A record's history, newest first: each version, who made it (a run's step, a person, an API key), when, and the changes",
      request: {
        params: z.object({ type: RecordType, id: z.string().min(1).max(MAX_RECORD_ID_LENGTH) }),
        query: ListQuery,
      },
      responses: {
        200: jsonResponse(
          z.object({ items: z.array(RecordVersion), nextCursor: z.string().nullable() }),
          "Versions, newest first",
        ),
        ...errors(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const p = authorize(c, "read");
      const { type, id } = c.req.valid("param");
      const q = c.req.valid("query");
      const store = storeFor(c.env, p.tenantId);
      if (!(await store.getRecord(p.tenantId, type, id))) throw notFound("Record");
      const before = decodeCursor(q.cursor, (v): v is number => Number.isInteger(v));
      const rows = await store.listRecordVersions(p.tenantId, type, id, { limit: q.limit, before });
      const page = rows.slice(0, q.limit);
      const by = await describeActors(c.var.db, store, p.tenantId, page);
      return c.json(
        {
          items: page.map((r, i) => ({
            version: r.version,
            at: r.at,
            by: by[i]!,
            changes: JSON.parse(r.changes) as Record<string, { old: unknown; new: unknown }>,
          })),
          nextCursor: rows.length > q.limit ? encodeCursor(page[page.length - 1]!.version) : null,
        },
        200,
      );
    },
  );
