import type { MiddlewareHandler } from "hono";
import { ApiError, ErrorCode } from "../errors.ts";
import type { AppEnv } from "../http.ts";

/**
 * 413 for bodies over `maxBytes`, decided from Content-Length before
 * anything is read, or while streaming a body without one. An oversized
 * stream is drained (up to DRAIN_LIMIT) before the answer: answering while
 * the client is still sending made `wrangler dev`'s proxy fail the next
 * request with 503 "worker restarted mid-request".
 */
export function limitBodySize(maxBytes: number): MiddlewareHandler<AppEnv> {
  const tooLarge = () =>
    new ApiError(413, ErrorCode.payloadTooLarge, `The body is larger than ${maxBytes} bytes`);
  return async (c, next) => {
    const raw = c.req.raw;
    if (!raw.body) return next();
    const length = raw.headers.get("content-length");
    if (length !== null && !raw.headers.has("transfer-encoding")) {
      if (Number.parseInt(length, 10) > maxBytes) {
        await drain(raw.body.getReader(), 0);
        throw tooLarge();
      }
      return next();
    }
    const reader = raw.body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await drain(reader, size);
        throw tooLarge();
      }
      chunks.push(value);
    }
    const body = new Uint8Array(size);
    let offset = 0;
    for (const chunk of chunks) {
      body.set(chunk, offset);
      offset += chunk.byteLength;
    }
    c.req.raw = new Request(raw, { body });
    return next();
  };
}

/** Beyond this an oversized stream is cut off rather than read to its end. */
const DRAIN_LIMIT = 16 * 1024 * 1024;

async function drain(reader: ReadableStreamDefaultReader<Uint8Array>, seen: number): Promise<void> {
  let size = seen;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    size += value.byteLength;
    if (size > DRAIN_LIMIT) {
      await reader.cancel().catch(() => undefined);
      return;
    }
  }
}
