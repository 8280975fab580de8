// Metrics (issue 16, item 5): GET /v1/workflows/:id/metrics for one
// workflow (the editor's Metrics tab) and GET /v1/metrics/workflows for
// every workflow's summary at once (the workflow list's charts: one request
// for the whole list, not one per row). Both read counters the tenant's
// store keeps as runs end (store/metrics.ts), never the runs themselves.
import { createRoute, z } from "@hono/zod-openapi";
import { flattenSteps, type WorkflowDefinition } from "@switchyard/engine";
import { authorize } from "../auth/authenticate.ts";
import { notFound } from "../errors.ts";
import { createRouter } from "../http.ts";
import { getVersionRow, getWorkflowRow } from "../repositories/workflows.ts";
import { storeFor } from "../store/client.ts";
import { BIN_COUNT, BIN_RATIO, METRIC_WINDOWS } from "../store/metrics.ts";
import { errors, IdParam, jsonResponse } from "./common.ts";

const RESOLUTION = `Durations are estimated from a fixed histogram of ${BIN_COUNT} log-spaced bins between 1 ms and 30 days (each ${BIN_RATIO.toFixed(2)} times the one before), clamped to the fastest and slowest run seen: within a factor of ${BIN_RATIO.toFixed(1)}, exact when the runs took the same time. null when nothing ran.`;

const WindowQuery = z.object({
  window: z.enum(METRIC_WINDOWS).default("24h").openapi({
    description:
      "24h: 24 hourly buckets, the current hour last; 7d and 30d: daily buckets (UTC days), today last. Default 24h.",
  }),
});

const Ms = z.number().int().nullable().openapi({ description: RESOLUTION });

const Counts = {
  runs: z.number().int().openapi({ description: "Runs that ended succeeded or failed" }),
  succeeded: z.number().int(),
  failed: z.number().int(),
  cancelled: z.number().int().openapi({
    description: "Runs cancelled: counted apart, in neither runs nor durations",
  }),
  p50Ms: Ms,
  p95Ms: Ms,
};

const Bucket = z
  .object({
    start: z.string().openapi({ example: "2026-05-01T10:00:00.000Z" }),
    ...Counts,
  })
  .openapi("MetricBucket", {
    description: "The runs that finished in [start, start + 1 hour or 1 day), UTC",
  });

const StepMetric = z
  .object({
    stepId: z.string(),
    name: z.string().optional().openapi({ description: "The step's name in the live version" }),
    runs: z.number().int().openapi({ description: "Times the step finished" }),
    failed: z.number().int(),
    p50Ms: Ms,
    p95Ms: Ms,
  })
  .openapi("StepMetric", {
    description:
      "An action or forEach step (a loop counts once per run, not per item), over the window",
  });

const Summary = {
  window: z.enum(METRIC_WINDOWS),
  ...Counts,
  successRate: z
    .number()
    .nullable()
    .openapi({ description: "succeeded / runs, 0 … 1; null when no run ended" }),
  buckets: z.array(Bucket).openapi({ description: "Every bucket of the window, empty ones too" }),
};

const WorkflowMetrics = z
  .object({
    ...Summary,
    slowSteps: z.array(StepMetric).openapi({ description: "At most 5, slowest p95 first" }),
    failingSteps: z
      .array(StepMetric)
      .openapi({ description: "At most 5 steps that failed, most failures first" }),
  })
  .openapi("WorkflowMetrics");

const DESCRIPTION = `Counted in the tenant's store as runs end (never by scanning runs): a run counts in the bucket of its finish, once per end (a failed run retried counts again when it ends again). Test runs, and runs that never ran a step (filtered, suppressed, skipped schedule occurrences), are not counted. ${RESOLUTION}`;

/** Step names of the workflow's live version (or its latest), by id. */
async function stepNames(
  db: Parameters<typeof getWorkflowRow>[0],
  tenantId: string,
  id: string,
  version: number,
): Promise<Map<string, string>> {
  const v = await getVersionRow(db, tenantId, id, version);
  const names = new Map<string, string>();
  if (!v) return names;
  try {
    const def = (
      typeof v.definition === "string" ? JSON.parse(v.definition) : v.definition
    ) as WorkflowDefinition;
    for (const { step } of flattenSteps(def)) {
      const name = (step as { name?: string }).name?.trim();
      if (name) names.set(step.id, name);
    }
  } catch {
    // A draft too broken to walk: the steps show by id.
  }
  return names;
}

export const workflowMetricsRoutes = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/workflows/{id}/metrics",
      tags: ["Workflows"],
      summary:
        "A workflow's runs per bucket, success rate, p50/p95 and its slowest and failing steps",
      description: DESCRIPTION,
      request: { params: IdParam, query: WindowQuery },
      responses: {
        200: jsonResponse(WorkflowMetrics, "The workflow's metrics over the window"),
        ...errors(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const p = authorize(c, "read");
      const { id } = c.req.valid("param");
      const { window } = c.req.valid("query");
      const row = await getWorkflowRow(c.var.db, p.tenantId, id);
      if (!row) throw notFound("Workflow");
      const [view, names] = await Promise.all([
        storeFor(c.env, p.tenantId).workflowMetrics(p.tenantId, id, window),
        stepNames(c.var.db, p.tenantId, id, row.liveVersion ?? row.latestVersion),
      ]);
      const named = <T extends { stepId: string }>(s: T) => {
        const name = names.get(s.stepId);
        return name ? { ...s, name } : s;
      };
      return c.json(
        {
          ...view,
          slowSteps: view.slowSteps.map(named),
          failingSteps: view.failingSteps.map(named),
        },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/metrics/workflows",
      tags: ["Workflows"],
      summary: "Every workflow's metrics summary over a window (the workflow list's charts)",
      description: `One request for a whole list of workflows: each workflow that had runs in the window, with its buckets (no steps). A workflow without runs there is absent. ${DESCRIPTION}`,
      request: { query: WindowQuery },
      responses: {
        200: jsonResponse(
          z.object({
            window: z.enum(METRIC_WINDOWS),
            items: z.array(z.object({ workflowId: z.string(), ...Summary })),
          }),
          "Each workflow's summary",
        ),
        ...errors(400, 401, 403),
      },
    }),
    async (c) => {
      const p = authorize(c, "read");
      const { window } = c.req.valid("query");
      const items = await storeFor(c.env, p.tenantId).tenantMetrics(p.tenantId, window);
      return c.json({ window, items }, 200);
    },
  );
