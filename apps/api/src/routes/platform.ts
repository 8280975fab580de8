import { createRoute, z } from "@hono/zod-openapi";
import { requirePlatform } from "../auth/authenticate.ts";
import { notFound } from "../errors.ts";
import { createRouter } from "../http.ts";
import { readD1Stats } from "../lib/d1-stats.ts";
import { nowIso } from "../lib/time.ts";
import { seedDemo } from "../services/demo.ts";
import { errors, jsonResponse } from "./common.ts";

export const platformRoutes = createRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/platform/demo-seed",
      tags: ["Platform"],
      summary:
        "Seed the demo tenant from the Worker's demo secrets, idempotently (used by npm run dev)",
      security: [{ platformToken: [] }],
      responses: {
        200: jsonResponse(
          z.object({ created: z.array(z.string()) }),
          "What was created or re-keyed",
        ),
        ...errors(401, 404),
      },
    }),
    async (c) => {
      requirePlatform(c);
      return c.json(await seedDemo(c.var.db, c.env, nowIso()), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/platform/d1-stats",
      tags: ["Platform"],
      summary:
        "Benchmarks only: the D1 statements this isolate sent (SWITCHYARD_D1_STATS=true), optionally reset",
      security: [{ platformToken: [] }],
      request: { query: z.object({ reset: z.enum(["true", "false"]).optional() }) },
      responses: {
        200: jsonResponse(
          z.object({ reads: z.number(), writes: z.number(), roundTrips: z.number() }),
          "The counts",
        ),
        ...errors(401, 404),
      },
    }),
    async (c) => {
      requirePlatform(c);
      if (c.env.SWITCHYARD_D1_STATS !== "true") throw notFound("D1 statistics");
      return c.json(readD1Stats(c.req.valid("query").reset === "true"), 200);
    },
  );
