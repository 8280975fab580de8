import { createRoute, z } from "@hono/zod-openapi";
import { requirePlatform } from "../auth/authenticate.ts";
import { createRouter } from "../http.ts";
import { nowIso } from "../lib/time.ts";
import { seedDemo } from "../services/demo.ts";
import { errors, jsonResponse } from "./common.ts";

export const platformRoutes = createRouter().openapi(
  createRoute({
    method: "post",
    path: "/v1/platform/demo-seed",
    tags: ["Platform"],
    summary:
      "Seed the demo tenant from the Worker's demo secrets, idempotently (used by npm run dev)",
    security: [{ platformToken: [] }],
    responses: {
      200: jsonResponse(z.object({ created: z.array(z.string()) }), "What was created or re-keyed"),
      ...errors(401, 404),
    },
  }),
  async (c) => {
    requirePlatform(c);
    return c.json(await seedDemo(c.var.db, c.env, nowIso()), 200);
  },
);
