// GET /v1/runs/:id/history (issue 14): a run's ends and retries, so a run
// retried into success still shows that it failed, when, why, and who
// retried it onto which version.
import { createRoute, z } from "@hono/zod-openapi";
import { authorize } from "../auth/authenticate.ts";
import { notFound } from "../errors.ts";
import { createRouter } from "../http.ts";
import { listMembers } from "../repositories/users.ts";
import { storeFor } from "../store/client.ts";
import { errors, IdParam, jsonResponse } from "./common.ts";

const HistoryEntry = z
  .object({
    kind: z.enum(["failed", "succeeded", "retried"]),
    at: z.string(),
    version: z.number().int().nullable().openapi({
      description: "The version it ran on (an end) or moved to (a retry)",
    }),
    step: z.string().nullable().optional().openapi({ description: "A failure's step, by name" }),
    error: z.string().nullable().optional().openapi({ description: "A failure's error in words" }),
    by: z
      .object({ type: z.string(), id: z.string(), name: z.string().nullable() })
      .optional()
      .openapi({ description: "Who retried it (a member's name when a person did)" }),
    fromVersion: z.number().int().nullable().optional(),
  })
  .openapi("RunHistoryEntry");

export const runHistoryRoutes = createRouter().openapi(
  createRoute({
    method: "get",
    path: "/v1/runs/{id}/history",
    tags: ["Runs"],
    summary:
      "A run's history: each time it failed or succeeded, and each retry (who, which version)",
    request: { params: IdParam },
    responses: {
      200: jsonResponse(z.object({ items: z.array(HistoryEntry) }), "Oldest first"),
      ...errors(401, 403, 404),
    },
  }),
  async (c) => {
    const p = authorize(c, "read");
    const { id } = c.req.valid("param");
    const store = storeFor(c.env, p.tenantId);
    if (!(await store.getRun(p.tenantId, id))) throw notFound("Run");
    const rows = await store.runHistory(p.tenantId, id);
    const people = rows.some((r) => r.kind === "retried")
      ? await listMembers(c.var.db, p.tenantId)
      : [];
    const items = rows.map((r) => {
      const d = JSON.parse(r.details) as {
        step?: string | null;
        error?: string | null;
        actor?: { type: string; id: string };
        fromVersion?: number | null;
      };
      if (r.kind !== "retried") {
        return {
          kind: r.kind,
          at: r.at,
          version: r.version,
          ...(r.kind === "failed" ? { step: d.step ?? null, error: d.error ?? null } : {}),
        };
      }
      const actor = d.actor ?? { type: "system", id: "unknown" };
      const person = actor.type === "user" ? people.find((m) => m.id === actor.id) : undefined;
      return {
        kind: r.kind,
        at: r.at,
        version: r.version,
        fromVersion: d.fromVersion ?? null,
        by: { ...actor, name: person ? person.name || person.email : null },
      };
    });
    return c.json({ items }, 200);
  },
);
