import { z } from "zod";
import { connectionField, urlProblem } from "../connection.ts";
import { defineAction, hasPlaceholder, jsonValue, text } from "../define-action.ts";
import { describeJsonProblem, jsonTextProblem } from "../json-text.ts";

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

/** What a body given as text is labelled when the step names no content type. */
export const DEFAULT_CONTENT_TYPE = "application/json";

/**
 * True for JSON media types: application/json, text/json and any `+json`
 * (application/vnd.api+json), parameters such as `; charset=utf-8` allowed.
 * @example isJsonContentType("application/merge-patch+json") // true
 */
export function isJsonContentType(type: string): boolean {
  const media = (type.split(";")[0] ?? "").trim().toLowerCase();
  return (
    media === "application/json" || media === "text/json" || /^[\w.-]+\/[\w.+-]+\+json$/.test(media)
  );
}

/**
 * The content type a call_webhook request carries: `contentType`, else a
 * Content-Type the author put in `headers`, else JSON.
 * @example webhookContentType({ headers: { "Content-Type": "text/plain" } }) // "text/plain"
 */
export function webhookContentType(config: {
  contentType?: string | undefined;
  headers?: Record<string, string> | undefined;
}): string {
  if (config.contentType !== undefined) return config.contentType;
  for (const [name, value] of Object.entries(config.headers ?? {})) {
    if (name.trim().toLowerCase() === "content-type" && value.trim() !== "") return value;
  }
  return DEFAULT_CONTENT_TYPE;
}

/** The message of a body that is not JSON; the executor's error says the same. */
export const NOT_JSON = "is not valid JSON";

/**
 * The config's shape without the body's JSON check: the executor parses a
 * rendered config with it, then checks the rendered body itself (data
 * filled in may hold `{{`, which is no placeholder any more).
 */
export const webhookConfigShape = z.strictObject({
  connection: connectionField(
    "A connection (Settings → Connections): its base URL, auth and rate limit apply, and url may be a path under it",
  ).optional(),
  url: text(
    "https URL to call, or with a connection a path under its base URL (/orders/{{ order.id }})",
  ),
  method: z
    .union([
      z.enum(METHODS),
      z.string().refine(hasPlaceholder, { message: `expected one of ${METHODS.join(", ")}` }),
    ])
    .optional()
    .describe("HTTP method (default POST)"),
  headers: z.record(z.string(), z.string()).optional().describe("Extra request headers"),
  body: jsonValue.optional().meta({
    description:
      "Request body: fields (a JSON object, sent as JSON) or text (sent as written, with the data filled in)",
    "x-widget": "webhook-body",
  }),
  contentType: z
    .string()
    .refine((v) => hasPlaceholder(v) || /^[\w.+-]+\/[\w.+-]+\s*(;.*)?$/.test(v.trim()), {
      message: "expected a content type such as application/json or text/plain",
    })
    .optional()
    .describe(`Content type of a body given as text (default ${DEFAULT_CONTENT_TYPE})`),
});

export const callWebhook = defineAction({
  name: "call_webhook",
  title: "Call a webhook",
  description:
    "Sends an HTTP request to another system, signed per Standard Webhooks with a webhook-id that stays the same across retries. " +
    "With a connection, its base URL, credentials and rate limit are used and the URL may be a path under it. " +
    "A body of fields is sent as JSON; a body of text is sent as written with the data filled in, and must be valid JSON unless you give another content type.",
  config: webhookConfigShape.superRefine((config, ctx) => {
    const badUrl = urlProblem(config.url, config.connection !== undefined);
    if (badUrl !== null) ctx.addIssue({ code: "custom", path: ["url"], message: badUrl });
    if (config.body === undefined) return;
    const type = webhookContentType(config);
    if (hasPlaceholder(type)) return; // known only when the step runs
    if (typeof config.body !== "string") {
      if (!isJsonContentType(type)) {
        ctx.addIssue({
          code: "custom",
          path: ["contentType"],
          message: `a body given as fields is sent as JSON, not ${type}: give the body as text instead`,
        });
      }
      return;
    }
    if (!isJsonContentType(type)) return;
    const problem = jsonTextProblem(config.body, { placeholders: true });
    if (problem === null) return;
    ctx.addIssue({
      code: "custom",
      path: ["body"],
      message: `${NOT_JSON}: ${describeJsonProblem(problem)}`,
      // validateDefinition passes it on, so the builder can point at it.
      params: { position: problem.position },
    });
  }),
  output: z.object({
    status: z.number().int(),
    headers: z.record(z.string(), z.string()),
    body: z.unknown().describe("Parsed JSON when the response is JSON, else text (64 KiB kept)"),
  }),
  sampleOutput: {
    status: 200,
    headers: { "content-type": "application/json" },
    body: { ok: true },
  },
});
