// POST /v1/workflows/:id/backtest (issue 16, item 4): would this draft have
// matched the tenant's recent events, and what would it have done — beside
// the live version's answer. A read with no effects; see services/backtest.ts.
import { createRoute, z } from "@hono/zod-openapi";
import type { WorkflowDefinition } from "@switchyard/engine";
import { authorize } from "../auth/authenticate.ts";
import { notFound } from "../errors.ts";
import { createRouter } from "../http.ts";
import { getVersionRow, getWorkflowRow } from "../repositories/workflows.ts";
import {
  BACKTEST_DEFAULT,
  BACKTEST_MAX,
  BACKTEST_TIME_MS,
  backtest,
} from "../services/backtest.ts";
import { runnable } from "../services/drafts.ts";
import { storeFor } from "../store/client.ts";
import { errors, IdParam, jsonBody, jsonResponse, Timestamp } from "./common.ts";

const BacktestBody = z
  .object({
    version: z.number().int().positive().optional().openapi({
      description: "A stored version to test; default the latest (the draft, if there is one)",
    }),
    limit: z
      .number()
      .int()
      .min(1)
      .max(BACKTEST_MAX)
      .default(BACKTEST_DEFAULT)
      .openapi({
        description: `The last N events of the trigger's type (at most ${BACKTEST_MAX})`,
      }),
  })
  .strict();

const Problem = z.object({ code: z.string(), message: z.string() });

const BacktestStep = z.object({
  id: z.string().openapi({ description: "Inside a loop, with the item: `reserve[0]`" }),
  runs: z.boolean().openapi({ description: "False on the branch not taken" }),
  action: z.string().optional(),
  kind: z.string().optional().openapi({ description: "if, parallel, delay, waitFor, forEach" }),
  branch: z.enum(["then", "else"]).optional(),
  waits: z.literal(true).optional().openapi({ description: "The run would wait here" }),
  items: z.number().int().optional().openapi({ description: "A loop's list length" }),
  error: Problem.optional(),
});

const BacktestItem = z.object({
  eventId: z.string(),
  key: z.string().nullable().openapi({ example: "order 1042" }),
  occurredAt: Timestamp,
  receivedAt: Timestamp,
  matched: z.boolean().openapi({ description: "The tested version's filter matches it" }),
  explain: z
    .array(z.unknown())
    .openapi({ description: "The filter's explanation parts: { span, source, value | error }" }),
  error: Problem.optional().openapi({ description: "The filter failed on this event" }),
  steps: z
    .array(BacktestStep)
    .openapi({ description: "The dry run's steps when it matches; empty otherwise" }),
  live: z
    .object({ matched: z.boolean(), error: Problem.optional() })
    .nullable()
    .openapi({ description: "The live version's answer; null when there is no live version" }),
  run: z.object({ id: z.string(), status: z.string() }).nullable().openapi({
    description:
      "What really happened: the run the event gave this workflow (status `filtered` when its filter said no then); null when none",
  }),
});

const BacktestResult = z
  .object({
    version: z.number().int(),
    liveVersion: z.number().int().nullable(),
    eventType: z.string().openapi({ example: "order.created" }),
    events: z.number().int(),
    matched: z.number().int(),
    liveMatched: z.number().int().nullable(),
    differ: z.number().int().openapi({
      description: "Events the two versions answer differently (0 without a live version)",
    }),
    truncated: z.boolean().openapi({
      description: `Stopped early at the time (${BACKTEST_TIME_MS} ms) or size budget: fewer events than asked`,
    }),
    items: z.array(BacktestItem),
  })
  .openapi("Backtest");

async function definitionOf(
  db: Parameters<typeof getWorkflowRow>[0],
  tenantId: string,
  id: string,
  n: number,
): Promise<{ version: number; definition: WorkflowDefinition }> {
  const v = await getVersionRow(db, tenantId, id, n);
  if (!v) throw notFound(`Version ${n}`);
  // A draft saved with problems is refused (422 with them), as for a dry run.
  return { version: n, definition: runnable(n, v.definition, "run") };
}

export const workflowBacktestRoutes = createRouter().openapi(
  createRoute({
    method: "post",
    path: "/v1/workflows/{id}/backtest",
    tags: ["Workflows"],
    summary: "Backtest a version on the tenant's recent events of its trigger type, beside live",
    description:
      "Dry-runs the version (default: the latest, the draft if any) and the live version over the last `limit` real events of the trigger's type, newest first (a schedule's: its own `schedule.fired` events; test events left out), each judged at the time it was received. No effects: nothing is written. Needs write rights (editor), as a dry run does. Bounded: it stops early at a time or size budget and says `truncated`.",
    request: { params: IdParam, body: jsonBody(BacktestBody) },
    responses: {
      200: jsonResponse(BacktestResult, "Per event: the version's answer and the live one's"),
      ...errors(400, 401, 403, 404, 422),
    },
  }),
  async (c) => {
    const p = authorize(c, "write");
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    const db = c.var.db;
    const row = await getWorkflowRow(db, p.tenantId, id);
    if (!row || row.deletedAt !== null) throw notFound("Workflow");
    const version = await definitionOf(db, p.tenantId, id, body.version ?? row.latestVersion);
    const live =
      row.liveVersion === null
        ? null
        : row.liveVersion === version.version
          ? version
          : await definitionOf(db, p.tenantId, id, row.liveVersion);
    const result = await backtest(storeFor(c.env, p.tenantId), p.tenantId, {
      workflowId: id,
      version,
      live,
      limit: body.limit,
    });
    return c.json(result, 200);
  },
);
