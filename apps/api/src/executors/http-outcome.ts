// How the HTTP-speaking executors (call_webhook, Resend, Twilio) turn what a
// server answered into an attempt's outcome: 429 and 5xx are worth another
// attempt after the server's Retry-After, other 4xx are not, and a network
// error or our own timeout is transient.
import { type ExecutionOutcome, permanentFailure, transientFailure } from "./types.ts";

export const HttpErrorCode = {
  httpError: "http_error",
  networkError: "network_error",
  timeout: "timeout",
} as const;

/** A Retry-After beyond this is taken as this: a run should not sleep for days on one header. */
export const MAX_RETRY_AFTER_MS = 60 * 60 * 1000;

/**
 * Retry-After in ms: delta-seconds or an HTTP date (RFC 9110 §10.2.3).
 * @example retryAfterMs("120", Date.now()) // 120000
 */
export function retryAfterMs(header: string | null, nowMs: number): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  let ms: number;
  if (/^\d+$/.test(value)) ms = Number(value) * 1000;
  else {
    const at = Date.parse(value);
    if (Number.isNaN(at)) return undefined;
    ms = at - nowMs;
  }
  return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
}

export const isRetryableStatus = (status: number): boolean => status === 429 || status >= 500;

/**
 * Reads at most `limit` bytes of a body and cancels the rest, so a huge or
 * endless answer costs neither memory nor the attempt's time.
 */
export async function readCapped(
  res: Response,
  limit: number,
): Promise<{ text: string; truncated: boolean }> {
  if (!res.body) return { text: "", truncated: false };
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size + value.byteLength > limit) {
      chunks.push(value.subarray(0, limit - size));
      size = limit;
      truncated = true;
      await reader.cancel().catch(() => {});
      break;
    }
    chunks.push(value);
    size += value.byteLength;
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    bytes.set(c, offset);
    offset += c.byteLength;
  }
  // Not fatal: a cut in the middle of a character becomes U+FFFD, not an error.
  return { text: new TextDecoder().decode(bytes), truncated };
}

/** The outcome of an answer that is not a success (status ≥ 400). */
export function failureForStatus(
  res: Response,
  who: string,
  detail: string,
  nowMs: number,
): ExecutionOutcome {
  const message = `${who} answered ${res.status}${detail ? `: ${detail}` : ""}`;
  if (isRetryableStatus(res.status)) {
    return transientFailure(
      HttpErrorCode.httpError,
      message,
      retryAfterMs(res.headers.get("retry-after"), nowMs),
    );
  }
  return permanentFailure(HttpErrorCode.httpError, message);
}

/** The outcome of a fetch that threw: our timeout, or the network. */
export function failureForFetchError(
  _err: unknown,
  signal: AbortSignal,
  who: string,
): ExecutionOutcome {
  if (signal.aborted) {
    return transientFailure(HttpErrorCode.timeout, `${who} did not answer in time`);
  }
  // The runtime's own words ("Network connection lost.", "connection
  // refused") say no more than that nothing answered, and read as a
  // stutter under "could not be reached". Where: the host and port of an
  // origin (`http://127.0.0.1:9` → `127.0.0.1:9`), or the provider's name.
  return transientFailure(
    HttpErrorCode.networkError,
    `nothing answered at ${who.replace(/^[a-z][a-z0-9+.-]*:\/\//i, "")}`,
  );
}

/** A one-line excerpt of an answer's text for an error message. */
export function excerpt(text: string, max = 300): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max)}…` : line;
}
