import { createRoute, z } from "@hono/zod-openapi";
import { desc } from "drizzle-orm";
import { requirePlatform } from "../auth/authenticate.ts";
import { platformOutbox } from "../db/schema.ts";
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
      request: {
        query: z.object({
          reset: z.enum(["true", "false"]).optional(),
          rows: z.enum(["true", "false"]).optional().openapi({
            description: "Also count the rows of every D1 table (read after the counts)",
          }),
        }),
      },
      responses: {
        200: jsonResponse(
          z.object({
            reads: z.number(),
            writes: z.number(),
            roundTrips: z.number(),
            rows: z.record(z.string(), z.number()).optional(),
          }),
          "The counts",
        ),
        ...errors(401, 404),
      },
    }),
    async (c) => {
      requirePlatform(c);
      if (c.env.SWITCHYARD_D1_STATS !== "true") throw notFound("D1 statistics");
      const q = c.req.valid("query");
      const counts = readD1Stats(q.reset === "true");
      if (q.rows !== "true") return c.json(counts, 200);
      const tables = await c.env.DB.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name != 'd1_migrations'",
      ).all<{ name: string }>();
      const rows: Record<string, number> = {};
      for (const { name } of tables.results) {
        const r = await c.env.DB.prepare(`SELECT count(*) AS n FROM "${name}"`).first<{
          n: number;
        }>();
        rows[name] = r?.n ?? 0;
      }
      return c.json({ ...counts, rows }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/platform/outbox",
      tags: ["Platform"],
      summary:
        "The platform's own emails (password resets) kept while it has no email provider, newest first",
      security: [{ platformToken: [] }],
      request: { query: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }) },
      responses: {
        200: jsonResponse(
          z.object({
            items: z.array(
              z.object({
                id: z.string(),
                to: z.string(),
                subject: z.string(),
                body: z.string(),
                createdAt: z.string(),
              }),
            ),
            nextCursor: z.null(),
          }),
          "Messages",
        ),
        ...errors(401, 404),
      },
    }),
    async (c) => {
      requirePlatform(c);
      const { limit } = c.req.valid("query");
      const items = await c.var.db
        .select()
        .from(platformOutbox)
        .orderBy(desc(platformOutbox.createdAt), desc(platformOutbox.id))
        .limit(limit);
      return c.json({ items, nextCursor: null }, 200);
    },
  );
