import { createRoute, z } from "@hono/zod-openapi";
import { createRouter } from "../http.ts";
import { missingSecrets, RequiredSecret } from "../required-secrets.ts";
import { jsonResponse } from "./common.ts";

const Health = z.union([
  z.object({ ok: z.literal(true) }),
  z.object({
    ok: z.literal(false),
    missing: z
      .array(z.enum(RequiredSecret))
      .openapi({ description: "Required Worker secrets that are not set (names, never values)" }),
  }),
]);

export const healthRoutes = createRouter().openapi(
  createRoute({
    method: "get",
    path: "/v1/health",
    tags: ["Health"],
    summary: "Liveness, and which required secrets are missing; no auth",
    responses: { 200: jsonResponse(Health, "Up (ok: false names missing secrets)") },
  }),
  (c) => {
    const missing = missingSecrets(c.env);
    // 200 even when a secret is missing: the Worker is up and serves every
    // request that does not need it (reads with an API key, the builder).
    // Every instance shares the same secrets, so a 5xx here would make a
    // load balancer or `npm run dev` drop all of them, turning a partial
    // outage into a total one; `ok: false` tells the operator what to set.
    if (missing.length > 0) return c.json({ ok: false as const, missing }, 200);
    return c.json({ ok: true as const }, 200);
  },
);
