import { createRoute, z } from "@hono/zod-openapi";
import { createRouter } from "../http.ts";
import { jsonResponse } from "./common.ts";

export const healthRoutes = createRouter().openapi(
  createRoute({
    method: "get",
    path: "/v1/health",
    tags: ["Health"],
    summary: "Liveness; no auth",
    responses: { 200: jsonResponse(z.object({ ok: z.literal(true) }), "Up") },
  }),
  (c) => c.json({ ok: true as const }, 200),
);
