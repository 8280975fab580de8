// `http_request` (issue 17, item 3): a plain HTTP request to any system,
// directly or through a connection, with query parameters, a JSON, form or
// text body, and named fields taken from the response into the output.
import { compile, ExprError } from "@switchyard/expr";
import { z } from "zod";
import { connectionField, urlProblem } from "../connection.ts";
import { defineAction, hasPlaceholder, jsonValue, text } from "../define-action.ts";
import { describeJsonProblem, jsonTextProblem } from "../json-text.ts";
import { NOT_JSON } from "./webhook.ts";

export const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"] as const;
export const BODY_TYPES = ["json", "form", "text"] as const;
/** An output field's name: it becomes `steps.<id>.output.fields.<name>`. */
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** The one name an output expression reads. */
export const RESPONSE_NAME = "response";

/**
 * The problem of one `outputs` expression, or null: it must compile, and
 * read only `response` (its status, headers and body).
 * @example outputProblem("response.body.data.id") // null
 */
export function outputProblem(source: string): {
  message: string;
  position?: { offset: number; line: number; column: number; length: number };
} | null {
  try {
    const program = compile(source);
    const other = program.references().find((r) => r.split(/[.[]/)[0] !== RESPONSE_NAME);
    if (other !== undefined) {
      return {
        message: `an output reads only the response (response.status, response.headers, response.body), not '${other}'`,
      };
    }
    return null;
  } catch (e) {
    if (e instanceof ExprError) {
      return { message: e.message, ...(e.position ? { position: e.position } : {}) };
    }
    throw e;
  }
}

export const httpRequestShape = z.strictObject({
  connection: connectionField(
    "A connection (Settings → Connections): its base URL, auth and rate limit apply, and url may be a path under it",
  ).optional(),
  url: text("The URL, or with a connection a path under its base URL (/orders/{{ order.id }})"),
  method: z
    .union([
      z.enum(HTTP_METHODS),
      z.string().refine(hasPlaceholder, { message: `expected one of ${HTTP_METHODS.join(", ")}` }),
    ])
    .optional()
    .describe("HTTP method (default GET)"),
  query: z
    .record(z.string().min(1), z.string())
    .optional()
    .describe("Query parameters, added to the URL (encoded for you)"),
  headers: z.record(z.string(), z.string()).optional().describe("Request headers"),
  body: jsonValue.optional().meta({
    description:
      "The body: JSON (fields, or text that is JSON), form fields (bodyType form), or text (bodyType text)",
    "x-widget": "webhook-body",
  }),
  bodyType: z
    .enum(BODY_TYPES)
    .optional()
    .describe(
      "json (default): sent as application/json; form: fields sent as application/x-www-form-urlencoded; text: sent as written (text/plain unless a Content-Type header says otherwise)",
    ),
  outputs: z
    .record(z.string(), z.string().min(1, { message: "must not be empty" }))
    .optional()
    .describe(
      "Fields to keep from the response, each an expression over `response` (status, headers, body), e.g. response.body.data.id; output.fields.<name>",
    ),
});

export type HttpRequestConfig = z.output<typeof httpRequestShape>;

export const httpRequest = defineAction({
  name: "http_request",
  title: "HTTP request",
  description:
    "Calls any HTTP API: query parameters, a JSON, form or text body, and fields taken from the response into the step's output. " +
    "With a connection, its base URL, credentials and rate limit are used and the URL may be a path under it. " +
    "2xx succeeds; 408, 429 and 5xx are retried (Retry-After honoured); other answers fail the step. " +
    "Requests other than GET and HEAD carry an Idempotency-Key that stays the same across retries.",
  config: httpRequestShape.superRefine((config, ctx) => {
    const badUrl = urlProblem(config.url, config.connection !== undefined);
    if (badUrl !== null) ctx.addIssue({ code: "custom", path: ["url"], message: badUrl });
    const method = config.method ?? "GET";
    if ((method === "GET" || method === "HEAD") && config.body !== undefined) {
      ctx.addIssue({ code: "custom", path: ["body"], message: `a ${method} has no body` });
    }
    bodyProblems(config, ctx);
    for (const [name, source] of Object.entries(config.outputs ?? {})) {
      if (!FIELD_NAME.test(name)) {
        ctx.addIssue({
          code: "custom",
          path: ["outputs", name],
          message: "a field's name is letters, digits and _, not starting with a digit",
        });
        continue;
      }
      const problem = outputProblem(source);
      if (problem !== null) {
        ctx.addIssue({
          code: "custom",
          path: ["outputs", name],
          message: problem.message,
          ...(problem.position ? { params: { position: problem.position } } : {}),
        });
      }
    }
  }),
  output: z.object({
    status: z.number().int(),
    headers: z.record(z.string(), z.string()),
    body: z.unknown().describe("Parsed JSON when the response is JSON, else text (64 KiB kept)"),
    fields: z.record(z.string(), z.unknown()).describe("The values of the step's outputs, by name"),
  }),
  sampleOutput: {
    status: 200,
    headers: { "content-type": "application/json" },
    body: { data: { id: "ord_1" } },
    fields: {},
  },
});

function bodyProblems(config: HttpRequestConfig, ctx: z.RefinementCtx): void {
  const body = config.body;
  if (body === undefined) return;
  switch (config.bodyType ?? "json") {
    case "form":
      if (
        body === null ||
        typeof body !== "object" ||
        Array.isArray(body) ||
        Object.values(body).some((v) => v !== null && typeof v === "object")
      ) {
        ctx.addIssue({
          code: "custom",
          path: ["body"],
          message: "a form body is fields: names with text, number or true/false values",
        });
      }
      return;
    case "text":
      if (typeof body !== "string") {
        ctx.addIssue({ code: "custom", path: ["body"], message: "a text body is text" });
      }
      return;
    case "json": {
      if (typeof body !== "string") return;
      const problem = jsonTextProblem(body, { placeholders: true });
      if (problem === null) return;
      ctx.addIssue({
        code: "custom",
        path: ["body"],
        message: `${NOT_JSON}: ${describeJsonProblem(problem)}`,
        params: { position: problem.position },
      });
    }
  }
}
