// `http_request` (issue 17, item 3): one plain HTTP request per attempt,
// directly or through a connection. Not signed (it is not a webhook).
// At-least-once: a request other than GET and HEAD carries
// `Idempotency-Key: <runId>:<stepId>` (the same across retries, unless the
// step sets its own), so a server that honours the header applies it once.
// 2xx succeeds (as any answer below 400 does, like call_webhook); 408, 429
// and 5xx are retried after the server's Retry-After; other 4xx fail the step.
import {
  describeJsonProblem,
  HTTP_METHODS,
  type HttpRequestConfig,
  httpRequestShape,
  jsonTextProblem,
} from "@switchyard/engine";
import { compile, ExprError } from "@switchyard/expr";
import { MAX_RESPONSE_BYTES } from "./call-webhook.ts";
import { ExecutorErrorCode, invalidConfig } from "./config.ts";
import { connectionRequest } from "./connection-fetch.ts";
import { guardedFetch } from "./guarded-fetch.ts";
import {
  excerpt,
  failureForFetchError,
  failureForStatus,
  readCapped,
  retryAfterMs,
} from "./http-outcome.ts";
import {
  type ExecutionContext,
  type ExecutionOutcome,
  type Executor,
  permanentFailure,
  transientFailure,
} from "./types.ts";

export const HttpRequestErrorCode = {
  invalidJsonBody: "invalid_json_body",
  outputFailed: "output_failed",
} as const;

// Ours to set: framing and the host.
const RESERVED_HEADERS = new Set(["content-length", "host", "transfer-encoding"]);

type Body =
  | { ok: true; body: string | URLSearchParams | null; type: string | null }
  | { ok: false; outcome: ExecutionOutcome };

export const httpRequestExecutor: Executor = {
  action: "http_request",
  async execute(config, ctx) {
    // The shape only: the body's JSON is checked below on what is really sent.
    const parsed = httpRequestShape.safeParse(config);
    if (!parsed.success) return invalidConfig(parsed.error.issues);
    const m = parsed.data;
    const method = (m.method ?? "GET").toUpperCase();
    if (!(HTTP_METHODS as readonly string[]).includes(method)) {
      return permanentFailure(
        ExecutorErrorCode.invalidConfig,
        `config.method: '${m.method}' is not one of ${HTTP_METHODS.join(", ")}`,
      );
    }
    if ((method === "GET" || method === "HEAD") && m.body !== undefined) {
      return permanentFailure(
        ExecutorErrorCode.invalidConfig,
        `config.body: a ${method} has no body`,
      );
    }
    const body = bodyOf(m);
    if (!body.ok) return body.outcome;
    const headers = new Map<string, string>();
    for (const [k, v] of Object.entries(m.headers ?? {})) {
      const name = k.trim().toLowerCase();
      if (name !== "" && !RESERVED_HEADERS.has(name)) headers.set(name, v);
    }
    if (body.type !== null && !headers.has("content-type")) headers.set("content-type", body.type);
    if (body.body === null) headers.delete("content-type");
    if (method !== "GET" && method !== "HEAD" && !headers.has("idempotency-key")) {
      headers.set("idempotency-key", ctx.idempotencyKey);
    }
    if (!headers.has("user-agent")) headers.set("user-agent", "Switchyard/1");

    let res: Response;
    let who: string;
    if (m.connection !== undefined) {
      const answer = await connectionRequest(ctx, m.connection, {
        method,
        url: m.url,
        ...(m.query ? { query: m.query } : {}),
        headers: Object.fromEntries(headers),
        body: body.body,
      });
      if (!(answer instanceof Response)) return answer;
      res = answer;
      who = `connection ${m.connection}`;
    } else {
      let url: URL;
      try {
        url = new URL(m.url.trim());
      } catch {
        return permanentFailure(
          ExecutorErrorCode.invalidConfig,
          `config.url: '${m.url}' is not a URL`,
        );
      }
      for (const [k, v] of Object.entries(m.query ?? {})) url.searchParams.set(k, v);
      const sent = await guardedFetch(url, { method, headers: [...headers], body: body.body }, ctx);
      if ("outcome" in sent) return sent.outcome;
      res = sent.res;
      who = sent.url.origin;
    }
    return answerOf(res, who, m, ctx);
  },
};

/** What goes on the wire for the body type, and its content type. */
function bodyOf(m: HttpRequestConfig): Body {
  const b = m.body;
  if (b === undefined) return { ok: true, body: null, type: null };
  switch (m.bodyType ?? "json") {
    case "form": {
      if (b === null || typeof b !== "object" || Array.isArray(b)) {
        return bad("config.body: a form body is fields");
      }
      const form = new URLSearchParams();
      for (const [k, v] of Object.entries(b)) {
        if (v !== null && typeof v === "object")
          return bad(`config.body.${k}: a form field is text`);
        form.append(k, v === null ? "" : String(v));
      }
      return { ok: true, body: form, type: "application/x-www-form-urlencoded" };
    }
    case "text":
      if (typeof b !== "string") return bad("config.body: a text body is text");
      return { ok: true, body: b, type: "text/plain; charset=utf-8" };
    case "json": {
      if (typeof b !== "string")
        return { ok: true, body: JSON.stringify(b), type: "application/json" };
      const problem = jsonTextProblem(b);
      if (problem !== null) {
        return {
          ok: false,
          outcome: permanentFailure(
            HttpRequestErrorCode.invalidJsonBody,
            `The body is not valid JSON after filling in the data: ${describeJsonProblem(problem)} (position ${problem.position.offset})`,
          ),
        };
      }
      return { ok: true, body: b, type: "application/json" };
    }
  }
}

const bad = (message: string): Body => ({
  ok: false,
  outcome: permanentFailure(ExecutorErrorCode.invalidConfig, message),
});

/** The answer as the step's output (with its fields), or the failure it means. */
async function answerOf(
  res: Response,
  who: string,
  m: HttpRequestConfig,
  ctx: ExecutionContext,
): Promise<ExecutionOutcome> {
  let read: { text: string; truncated: boolean };
  try {
    read = await readCapped(res, MAX_RESPONSE_BYTES);
  } catch (err) {
    return failureForFetchError(err, ctx.signal, who);
  }
  if (res.status === 408) {
    return transientFailure(
      "http_error",
      `${who} answered 408${read.text ? `: ${excerpt(read.text)}` : ""}`,
      retryAfterMs(res.headers.get("retry-after"), Date.now()),
    );
  }
  if (res.status >= 400) return failureForStatus(res, who, excerpt(read.text), Date.now());
  let body: unknown = read.text;
  if (
    !read.truncated &&
    read.text !== "" &&
    /\bjson\b/i.test(res.headers.get("content-type") ?? "")
  ) {
    try {
      body = JSON.parse(read.text);
    } catch {
      // Labelled JSON but is not: keep the text, the step still succeeded.
    }
  }
  const response = { status: res.status, headers: Object.fromEntries(res.headers), body };
  const fields: Record<string, unknown> = {};
  for (const [name, source] of Object.entries(m.outputs ?? {})) {
    try {
      const value = compile(source).evaluate({ response });
      // Timestamps and durations become their text, as in any stored output.
      fields[name] = value === undefined ? null : JSON.parse(JSON.stringify(value));
    } catch (err) {
      const message = err instanceof ExprError ? err.message : String(err);
      return permanentFailure(
        HttpRequestErrorCode.outputFailed,
        `outputs.${name}: ${message} (the request was answered ${res.status})`,
      );
    }
  }
  return { status: "succeeded", output: { ...response, fields } };
}
