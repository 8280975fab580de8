import { OpenAPIHono } from "@hono/zod-openapi";
import type { Principal } from "./auth/principal.ts";
import type { Db } from "./db/client.ts";
import type { Env } from "./env.ts";
import { ApiError, ErrorCode, type Problem } from "./errors.ts";

/** Hono's environment for every route: bindings plus per-request values. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    db: Db;
    principal: Principal | undefined;
  };
}

/**
 * A router whose request validation failures answer API.md's 400 shape
 * with the path of every problem.
 */
export function createRouter(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        throw new ApiError(
          400,
          ErrorCode.badRequest,
          "The request is not valid",
          zodProblems(result.error.issues),
        );
      }
    },
  });
}

/** Turns zod issues into API.md problems: `steps[1].config.to: …`. */
export function zodProblems(
  issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>,
): Problem[] {
  return issues.map((i) => ({ path: formatPath(i.path), message: i.message }));
}

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += out === "" ? String(seg) : `.${String(seg)}`;
  }
  return out;
}
