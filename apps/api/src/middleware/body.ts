import type { MiddlewareHandler } from "hono";
import { ApiError, ErrorCode } from "../errors.ts";
import type { AppEnv } from "../http.ts";
import { jsonDepth, unkeepableJson } from "../lib/json.ts";
import { limitBodySize } from "./body-limit.ts";

/** Bodies above this answer 413 before they are buffered (API.md). */
export const MAX_BODY_BYTES = 256 * 1024;
export const MAX_JSON_DEPTH = 64;

const JSON_TYPE = /^application\/([\w.-]+\+)?json$/i;

/** 413 from the Content-Length, or while streaming when there is none. */
export const limitBody: MiddlewareHandler<AppEnv> = limitBodySize(MAX_BODY_BYTES);

/**
 * Parses JSON bodies once, up front, so every route answers malformed JSON,
 * deep nesting and wrong media types the same way; the parsed body is left
 * in Hono's body cache, where the validators read it.
 */
export const parseJsonBody: MiddlewareHandler<AppEnv> = async (c, next) => {
  const method = c.req.method;
  if (method !== "POST" && method !== "PUT" && method !== "PATCH") return next();
  const text = await c.req.text();
  if (text.length === 0) return next();
  const type = (c.req.header("content-type") ?? "").split(";")[0]!.trim();
  if (!JSON_TYPE.test(type)) {
    throw new ApiError(
      415,
      ErrorCode.unsupportedMediaType,
      `Send JSON with Content-Type: application/json (got ${type === "" ? "none" : `'${type}'`})`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ApiError(400, ErrorCode.invalidJson, `Malformed JSON: ${(err as Error).message}`);
  }
  if (jsonDepth(value) > MAX_JSON_DEPTH) {
    throw new ApiError(
      400,
      ErrorCode.invalidJson,
      `JSON is nested deeper than ${MAX_JSON_DEPTH} levels`,
    );
  }
  const unkeepable = unkeepableJson(value);
  if (unkeepable) {
    throw new ApiError(400, ErrorCode.invalidJson, `JSON holds ${unkeepable.message}`, [
      unkeepable,
    ]);
  }
  c.req.bodyCache.json = Promise.resolve(value);
  return next();
};
