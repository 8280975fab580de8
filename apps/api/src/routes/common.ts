import { z } from "@hono/zod-openapi";
import { ApiError, ErrorCode } from "../errors.ts";
import { fromBase64Url, toBase64Url } from "../lib/crypto.ts";

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: "not_found" }),
      message: z.string(),
      details: z.unknown().optional(),
      requestId: z.string().optional(),
    }),
  })
  .openapi("Error");

const DESCRIPTIONS: Record<number, string> = {
  400: "Invalid JSON or shape",
  401: "No or bad credentials",
  403: "Role or scope does not allow this",
  404: "Missing, or another tenant's",
  409: "Conflict with the current state",
  413: "Body too large",
  415: "Body is not JSON",
  422: "Valid JSON, invalid definition or expression",
  429: "Rate limited; see Retry-After",
};

/** OpenAPI entries for the error answers a route may give. */
export function errors(...statuses: number[]) {
  const out: Record<
    number,
    { description: string; content: { "application/json": { schema: typeof ErrorSchema } } }
  > = {};
  for (const s of statuses) {
    out[s] = {
      description: DESCRIPTIONS[s] ?? "Error",
      content: { "application/json": { schema: ErrorSchema } },
    };
  }
  return out;
}

export function jsonBody<T extends z.ZodType>(schema: T, description?: string) {
  return {
    required: true,
    description,
    content: { "application/json": { schema } },
  } as const;
}

export function jsonResponse<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } } as const;
}

/** `?limit=&cursor=` of every list (API.md, "Lists"). */
export const ListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50).openapi({ example: 50 }),
  cursor: z.string().max(500).optional(),
});

export const IdParam = z.object({ id: z.string().min(1).max(100) });

/** Opaque cursors: base64url JSON, rejected with 400 when tampered. */
/** base64url of the value's JSON in UTF-8 (ids may hold any character; `btoa` takes Latin-1 only). */
export function encodeCursor(value: unknown): string {
  return toBase64Url(new TextEncoder().encode(JSON.stringify(value)));
}

export function decodeCursor<T>(
  cursor: string | undefined,
  check: (v: unknown) => v is T,
): T | undefined {
  if (cursor === undefined) return undefined;
  try {
    const text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(
      fromBase64Url(cursor),
    );
    const value: unknown = JSON.parse(text);
    if (check(value)) return value;
  } catch {
    // fall through to the 400 below
  }
  throw new ApiError(400, ErrorCode.badRequest, "The cursor is not valid", [
    { path: "cursor", message: "not a cursor this API gave out" },
  ]);
}

export const Timestamp = z.string().openapi({ example: "2026-05-01T10:00:00.000Z" });
