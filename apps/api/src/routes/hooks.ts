import { createRoute, z } from "@hono/zod-openapi";
import { Webhook, WebhookVerificationError } from "standardwebhooks";
import { ApiError, ErrorCode, notFound } from "../errors.ts";
import { createRouter } from "../http.ts";
import { jsonDepth, unkeepableJson } from "../lib/json.ts";
import { decryptSecret } from "../lib/secrets.ts";
import { MAX_JSON_DEPTH } from "../middleware/body.ts";
import { getSourceById, type WebhookSourceRow } from "../repositories/webhook-sources.ts";
import { RequiredSecret, requiredSecret } from "../required-secrets.ts";
import { acceptEvent } from "../services/events.ts";
import { errors, jsonResponse } from "./common.ts";
import { ClientId, EventType } from "./events.ts";

const Envelope = z.object({ type: EventType, data: z.unknown() }).strict();

/** The secrets a delivery may be signed with: the current one, and the previous during its grace. */
async function secretsOf(source: WebhookSourceRow, key: string, now: number): Promise<string[]> {
  const out = [await decryptSecret(key, source.secretEnc)];
  if (
    source.previousSecretEnc &&
    source.previousExpiresAt &&
    Date.parse(source.previousExpiresAt) > now
  ) {
    out.push(await decryptSecret(key, source.previousSecretEnc));
  }
  return out;
}

/**
 * Verifies a delivery per Standard Webhooks with the `standardwebhooks`
 * package (5-minute tolerance both ways, several signatures, constant-time
 * comparison). Throws 401 with the reason; nothing is stored.
 */
function verify(secrets: string[], body: string, headers: Record<string, string>): void {
  let reason = "No matching signature found";
  for (const secret of secrets) {
    try {
      new Webhook(secret).verify(body, headers, { jsonParse: false });
      return;
    } catch (err) {
      if (!(err instanceof WebhookVerificationError)) throw err;
      reason = err.message;
      // A bad timestamp or missing header fails the same way for every secret.
      if (reason !== "No matching signature found") break;
    }
  }
  throw new ApiError(401, ErrorCode.unauthorized, `Webhook signature not accepted: ${reason}`);
}

export const hookRoutes = createRouter().openapi(
  createRoute({
    method: "post",
    path: "/hooks/{sourceId}",
    tags: ["Inbound webhooks"],
    summary: "Receive a signed delivery (Standard Webhooks) from an external system",
    security: [],
    request: {
      params: z.object({ sourceId: z.string().min(1).max(100) }),
      headers: z.object({
        "webhook-id": z.string().optional(),
        "webhook-timestamp": z.string().optional(),
        "webhook-signature": z.string().optional(),
      }),
    },
    responses: {
      202: jsonResponse(
        z.object({ id: z.string(), duplicate: z.boolean() }),
        "Accepted (the webhook-id is the idempotency key)",
      ),
      ...errors(400, 401, 404, 413, 429),
    },
  }),
  async (c) => {
    const db = c.var.db;
    const source = await getSourceById(db, c.req.valid("param").sourceId);
    if (!source) throw notFound("Webhook source");
    const body = await c.req.text();
    const headers = {
      "webhook-id": c.req.header("webhook-id") ?? "",
      "webhook-timestamp": c.req.header("webhook-timestamp") ?? "",
      "webhook-signature": c.req.header("webhook-signature") ?? "",
    };
    verify(
      await secretsOf(source, requiredSecret(c.env, RequiredSecret.encryptionKey), Date.now()),
      body,
      headers,
    );
    const webhookId = ClientId.safeParse(headers["webhook-id"]);
    if (!webhookId.success) {
      throw new ApiError(
        400,
        ErrorCode.badRequest,
        "webhook-id must be printable ASCII without spaces, at most 200 characters",
      );
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch (err) {
      throw new ApiError(400, ErrorCode.invalidJson, `Malformed JSON: ${(err as Error).message}`);
    }
    if (jsonDepth(parsed) > MAX_JSON_DEPTH) {
      throw new ApiError(
        400,
        ErrorCode.invalidJson,
        `JSON is nested deeper than ${MAX_JSON_DEPTH} levels`,
      );
    }
    const unkeepable = unkeepableJson(parsed);
    if (unkeepable) {
      throw new ApiError(400, ErrorCode.invalidJson, `JSON holds ${unkeepable.message}`, [
        unkeepable,
      ]);
    }
    let type: string;
    let data: unknown;
    if (source.eventType) {
      type = source.eventType;
      data = parsed;
    } else {
      const env = Envelope.safeParse(parsed);
      if (!env.success) {
        throw new ApiError(
          400,
          ErrorCode.badRequest,
          'This source has no fixed event type: send { "type", "data" }',
          env.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
        );
      }
      type = env.data.type;
      data = env.data.data;
    }
    // Verified first: a forged delivery never spends the tenant's budget.
    const result = await acceptEvent(
      c.env,
      source.tenantId,
      { id: `${source.id}:${webhookId.data}`, type, data, source: `webhook:${source.id}` },
      { limit: "hooks" },
    );
    return c.json(result, 202);
  },
);
