// Failure groups (issue 16, item 3): GET /v1/failure-groups lists the
// tenant's failed runs grouped by signature — workflow, failed step, error
// code and normalised message (store/failure-groups.ts) — with counts and
// first and last sighting, largest first. "Retry this group" is a bulk
// retry with `errorGroup` (routes/bulk-retry.ts); GET /v1/runs?errorGroup=
// lists a group's runs.
import { createRoute, z } from "@hono/zod-openapi";
import { authorize } from "../auth/authenticate.ts";
import { ApiError, ErrorCode } from "../errors.ts";
import { createRouter } from "../http.ts";
import { storeFor } from "../store/client.ts";
import { GROUPS_LISTED, MESSAGE_CHARS } from "../store/failure-groups.ts";
import { errors, jsonResponse } from "./common.ts";

const FailureGroup = z
  .object({
    id: z.string().openapi({ example: "fg_3f9a0c1d2e4b5a67" }),
    workflowId: z.string(),
    stepId: z.string().openapi({
      description: "The failed step's id, without a loop index (`reserve`, for `reserve[3]`)",
    }),
    action: z.string().nullable(),
    code: z.string().openapi({ example: "http_error" }),
    message: z.string().openapi({
      description: `The normalised message: numbers (<n>), UUIDs and ids (<id>), e-mail addresses (<email>), quoted strings ("…"), ISO timestamps (<time>) and URL query values (<v>) replaced, whitespace collapsed, at most ${MESSAGE_CHARS} characters`,
      example: "call to https://erp.example/orders?id=<v> answered 400: order <n> not found",
    }),
    example: z.string().openapi({ description: "One real message of the group (the latest)" }),
    count: z.number().int().openapi({
      description:
        "Runs failed with it now (within since/until); a run retried into success leaves the count",
    }),
    firstSeen: z.string().openapi({ description: "The first failure with this signature" }),
    lastSeen: z.string().openapi({ description: "The latest failure with this signature" }),
    sampleRunId: z.string().openapi({ description: "The run of the latest failure" }),
  })
  .openapi("FailureGroup");

export const failureGroupRoutes = createRouter().openapi(
  createRoute({
    method: "get",
    path: "/v1/failure-groups",
    tags: ["Runs"],
    summary: "Failed runs grouped by step, error code and normalised message, largest first",
    description: `Groups with runs failed now, at most ${GROUPS_LISTED}. Counted from the runs index (never a scan of the runs' steps). Retry a group with POST /v1/runs/bulk-retry { "status": "failed", "errorGroup": "<id>" }; list its runs with GET /v1/runs?errorGroup=<id>.`,
    request: {
      query: z.object({
        workflowId: z.string().max(100).optional(),
        since: z.iso.datetime({ offset: true }).optional().openapi({
          description: "Count runs created at or after this time",
        }),
        until: z.iso.datetime({ offset: true }).optional().openapi({
          description: "Count runs created at or before this time",
        }),
      }),
    },
    responses: {
      200: jsonResponse(z.object({ items: z.array(FailureGroup) }), "The groups"),
      ...errors(400, 401, 403),
    },
  }),
  async (c) => {
    const p = authorize(c, "read");
    const q = c.req.valid("query");
    if (q.since && q.until && Date.parse(q.since) > Date.parse(q.until)) {
      throw new ApiError(400, ErrorCode.badRequest, "`since` is after `until`", [
        { path: "since", message: "must not be after `until`" },
      ]);
    }
    const items = await storeFor(c.env, p.tenantId).failureGroups(p.tenantId, {
      workflowId: q.workflowId,
      since: q.since && new Date(q.since).toISOString(),
      until: q.until && new Date(q.until).toISOString(),
    });
    return c.json({ items }, 200);
  },
);
