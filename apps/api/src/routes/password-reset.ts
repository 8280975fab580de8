import { createRoute, z } from "@hono/zod-openapi";
import { createRouter } from "../http.ts";
import { normalizeEmail } from "../repositories/users.ts";
import { confirmReset, RESET_ANSWER, sendResetLink } from "../services/password-reset.ts";
import { errors, jsonBody, jsonResponse } from "./common.ts";
import { Email, Password } from "./tenants.ts";

export const passwordResetRoutes = createRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/auth/password-reset",
      tags: ["Auth"],
      summary: "Forgot my password: emails a one-hour link (the same answer for any email)",
      request: { body: jsonBody(z.object({ email: Email }).strict()) },
      responses: {
        202: jsonResponse(z.object({ message: z.string() }), "Asked"),
        ...errors(400),
      },
    }),
    async (c) => {
      const email = normalizeEmail(c.req.valid("json").email);
      // After the answer: known and unknown emails answer alike, and as fast.
      c.executionCtx.waitUntil(
        sendResetLink(c.env, c.var.db, email).catch((err) =>
          console.error("password reset link not sent", err),
        ),
      );
      return c.json({ message: RESET_ANSWER }, 202);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/auth/password-reset/confirm",
      tags: ["Auth"],
      summary: "Choose a new password with a reset link; every session of the person ends",
      request: {
        body: jsonBody(
          z.object({ token: z.string().min(20).max(200), password: Password }).strict(),
        ),
      },
      responses: { 204: { description: "Changed" }, ...errors(400, 404) },
    }),
    async (c) => {
      const { token, password } = c.req.valid("json");
      await confirmReset(c.env, c.var.db, token, password);
      return c.body(null, 204);
    },
  );
