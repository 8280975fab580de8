// The OpenAPI shapes of a run's steps and items (GET /v1/runs/:id, its
// items, the retry preview): store/run-steps.ts builds them.
import { z } from "@hono/zod-openapi";
import { ITEM_STATUSES } from "../store/run-steps.ts";

export const ItemRef = z
  .object({
    loop: z.string().openapi({ description: "The innermost forEach step's id (no brackets)" }),
    index: z.number().int().openapi({ description: "The item's index in that loop's list" }),
  })
  .openapi("RunItemRef", {
    description:
      "Set on an item of a loop (kind `item`, id `each[3]`) and on each step inside a loop (an instance, id `reserve[3]`; nested loops add an index each, outermost first: `reserve[2][5]`)",
  });

export const ItemCounts = z
  .object({
    total: z.number().int().openapi({ description: "Items in the list" }),
    pending: z.number().int().openapi({ description: "Not started (yet)" }),
    running: z.number().int().openapi({ description: "Started and not finished" }),
    succeeded: z.number().int(),
    failed: z.number().int(),
    cancelled: z.number().int(),
    listed: z.number().int().openapi({
      description:
        "Items listed in this response's steps (at most 100 per loop instance: the failed and running ones first, then the others in index order); GET /v1/runs/{id}/items pages through all of them",
    }),
  })
  .openapi("RunLoopItems", { description: "A forEach step's items, counted by status" });

export const Step = z
  .object({
    id: z.string().openapi({
      description:
        "The step's id; inside a loop its instance id (`reserve[3]`), for an item `each[3]`",
    }),
    action: z.string().optional(),
    kind: z.string().openapi({ description: "The step kind, or `item` for one item of a loop" }),
    status: z.string(),
    attempts: z.number(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    input: z.unknown().openapi({ description: "The rendered config; for an item, its value" }),
    output: z.unknown(),
    error: z.unknown(),
    branch: z.string().nullable(),
    deferred: z
      .object({ count: z.number().int(), until: z.string().nullable(), reason: z.string() })
      .optional()
      .openapi({
        description:
          "While its attempt waits for a connection's rate limit (nothing was sent): the turns it waited, when it is tried again, and why in words. `attempts` counts calls made only",
      }),
    item: ItemRef.optional(),
    items: ItemCounts.optional(),
  })
  .openapi("RunStep");

export const ItemStatusSchema = z.enum(ITEM_STATUSES);

export const RunItem = z
  .object({
    id: z.string().openapi({ example: "each[3]" }),
    index: z.number().int(),
    status: ItemStatusSchema,
    item: z.unknown().openapi({ description: "The item's value (the loop's `as` name)" }),
    output: z.unknown().openapi({
      description: "Its steps' outputs by step id once it succeeded",
    }),
    error: z.unknown().openapi({ description: "Its first failed step's error" }),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    steps: z.array(Step).openapi({
      description:
        "The item's steps (instances) it reached, in document order; a loop inside it shows with counts, its items on their own page (`step=inner[3]`)",
    }),
  })
  .openapi("RunItem");

/** Why a run waits to start under flow control (issue 16, item 1; store/flow.ts). */
export const WaitingFor = z
  .object({
    reason: z.enum(["concurrency", "throttle", "debounce", "tenant_limit"]).openapi({
      description:
        "`concurrency`: the key's runs at once are at the limit (or runs for the key are ahead); `throttle`: the key's starts per period are spent; `debounce`: events for the key have not stopped yet; `tenant_limit`: the workspace's running runs are at `maxRunningRuns`",
    }),
    key: z.string().nullable().openapi({
      description:
        "The flow-control key it waits on (rendered from the key template); null for the tenant limit",
      example: "c-17",
    }),
    ahead: z
      .number()
      .int()
      .openapi({ description: "Runs in front of it for that key (or for the workspace)" }),
    until: z.string().nullable().openapi({
      description: "When it may start (a throttle, a debounce); null when an end frees it",
    }),
    message: z.string().openapi({ example: "3 runs for customer c-17 ahead" }),
  })
  .openapi("WaitingFor", {
    description:
      "Set while a run waits to start under flow control (status `waiting`, no step ran yet), or while its retry waits; absent otherwise",
  });
