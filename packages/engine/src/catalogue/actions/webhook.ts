import { z } from "zod";
import { defineAction, hasPlaceholder, jsonValue, text } from "../define-action.ts";

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

export const callWebhook = defineAction({
  name: "call_webhook",
  title: "Call a webhook",
  description:
    "Sends an HTTP request, signed per Standard Webhooks with a webhook-id that stays the same across retries.",
  config: z.strictObject({
    url: text("https URL to call").refine(
      (url) => hasPlaceholder(url) || /^https?:\/\/[^\s/]+/i.test(url),
      { message: "expected an http(s) URL or a {{ template }}" },
    ),
    method: z
      .union([
        z.enum(METHODS),
        z.string().refine(hasPlaceholder, { message: `expected one of ${METHODS.join(", ")}` }),
      ])
      .optional()
      .describe("HTTP method (default POST)"),
    headers: z.record(z.string(), z.string()).optional().describe("Extra request headers"),
    body: jsonValue.optional().describe("Request body: JSON, or a {{ template }}"),
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
