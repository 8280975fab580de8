// GET /v1/runs/:id/items: one loop instance's items, page by page (a run's
// view lists at most 100 per loop instance; store/run-steps.ts).
import { createRoute, z } from "@hono/zod-openapi";
import { authorize } from "../auth/authenticate.ts";
import { ApiError, ErrorCode, notFound } from "../errors.ts";
import { createRouter } from "../http.ts";
import { parseStored } from "../lib/json.ts";
import { storeFor } from "../store/client.ts";
import type { ItemPage, StepView } from "../store/run-steps.ts";
import { decodeCursor, encodeCursor, errors, IdParam, jsonResponse } from "./common.ts";
import { ItemStatusSchema, RunItem } from "./run-schemas.ts";

const ItemsQuery = z.object({
  step: z.string().min(1).max(200).openapi({
    description:
      "The loop's instance id: the forEach step's id (`each`), or inside another loop with the outer item's index (`inner[2]`)",
    example: "each",
  }),
  status: ItemStatusSchema.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50).openapi({ example: 50 }),
  cursor: z.string().max(500).optional(),
});

const isItemCursor = (v: unknown): v is { after: number } =>
  typeof v === "object" &&
  v !== null &&
  Number.isInteger((v as { after?: unknown }).after) &&
  (v as { after: number }).after >= 0;

const notALoop = (step: string) =>
  new ApiError(400, ErrorCode.badRequest, `'${step}' is not a forEach step of this run`, [
    { path: "step", message: "not a loop of this run (a forEach step's id, or its instance id)" },
  ]);

export const runItemRoutes = createRouter().openapi(
  createRoute({
    method: "get",
    path: "/v1/runs/{id}/items",
    tags: ["Runs"],
    summary: "A loop's items in index order, with their steps; filter by status",
    request: { params: IdParam, query: ItemsQuery },
    responses: {
      200: jsonResponse(
        z.object({ items: z.array(RunItem), nextCursor: z.string().nullable() }),
        "Items",
      ),
      ...errors(400, 401, 403, 404),
    },
  }),
  async (c) => {
    const p = authorize(c, "read");
    const { id } = c.req.valid("param");
    const q = c.req.valid("query");
    const after = decodeCursor(q.cursor, isItemCursor)?.after;
    const row = await storeFor(c.env, p.tenantId).getRun(p.tenantId, id);
    if (!row) throw notFound("Run");
    let page: ItemPage | null = null;
    if (row.hasObject) {
      const stub = c.env.RUNS.get(c.env.RUNS.idFromName(row.id));
      page = (await stub.items(q.step, {
        status: q.status,
        after,
        limit: q.limit,
      })) as ItemPage | null;
    }
    if (page === null) {
      // No object (the run ended at matching): no loop started, so no items.
      const steps = parseStored<StepView[]>(row.steps, []);
      if (!steps.some((s) => s.id === q.step && s.kind === "forEach")) throw notALoop(q.step);
      return c.json({ items: [], nextCursor: null }, 200);
    }
    if (!page.ok) throw notALoop(q.step);
    return c.json(
      {
        items: page.items,
        nextCursor: page.next === null ? null : encodeCursor({ after: page.next }),
      },
      200,
    );
  },
);
