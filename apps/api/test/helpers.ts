import { runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { rootCausation } from "@switchyard/engine";
import { createDb } from "../src/db/client.ts";
import type { WorkflowRun } from "../src/durable-objects/workflow-run.ts";
import { executorFor } from "../src/executors/registry.ts";
import type { ExecutionContext } from "../src/executors/types.ts";
import { storeFor } from "../src/store/client.ts";

export const PLATFORM = "test-platform-token";
export const BASE = "http://switchyard.test";

export interface Json {
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers
  [k: string]: any;
}

/** Calls the Worker's fetch handler like a client would. */
export async function call(
  method: string,
  path: string,
  opts: {
    key?: string;
    body?: unknown;
    raw?: BodyInit;
    headers?: Record<string, string>;
    cookie?: string;
  } = {},
): Promise<{ status: number; body: Json; headers: Headers }> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.key) headers.authorization = `Bearer ${opts.key}`;
  if (opts.cookie) headers.cookie = opts.cookie;
  let body: BodyInit | undefined = opts.raw;
  if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers["content-type"] ??= "application/json";
  }
  const res = await exports.default.fetch(new Request(`${BASE}${path}`, { method, headers, body }));
  const text = await res.text();
  let parsed: Json = {};
  try {
    parsed = text ? (JSON.parse(text) as Json) : {};
  } catch {
    parsed = { text };
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

let counter = 0;

/** A fresh tenant with an owner and an all-scopes key. */
export async function newTenant(
  name = "Tenant",
): Promise<{ tenantId: string; key: string; email: string; password: string }> {
  counter += 1;
  const email = `owner${counter}-${crypto.randomUUID().slice(0, 8)}@example.com`;
  const password = "correct-horse-battery";
  const res = await call("POST", "/v1/tenants", {
    key: PLATFORM,
    body: { name: `${name} ${counter}`, admin: { email, password } },
  });
  if (res.status !== 201)
    throw new Error(`tenant creation failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { tenantId: res.body.tenant.id, key: res.body.apiKey, email, password };
}

/** Signs in and returns the cookie header and CSRF token. */
export async function login(
  email: string,
  password: string,
): Promise<{ cookie: string; csrf: string; body: Json }> {
  const res = await call("POST", "/v1/auth/login", { body: { email, password } });
  if (res.status !== 200)
    throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
  const setCookie = res.headers.get("set-cookie") ?? "";
  return { cookie: setCookie.split(";")[0]!, csrf: res.body.csrfToken, body: res.body };
}

/** The token of the newest invitation email to `email` in the tenant's outbox. */
export async function invitationToken(key: string, email: string): Promise<string> {
  const out = await call("GET", "/v1/outbox?channel=email&limit=100", { key });
  const message = (out.body.items as Json[]).find((m) => m.to === email);
  const token = /#token=([\w-]+)/.exec(String(message?.body ?? ""))?.[1];
  if (!token) throw new Error(`no invitation email to ${email} in the outbox`);
  return token;
}

/**
 * Adds a person the only way there is: the tenant invites them and they
 * accept the emailed link, choosing their own password (a new account) or
 * signed in already (`session`, an existing account).
 */
export async function addMember(
  key: string,
  email: string,
  role: string,
  opts: { password?: string; session?: { cookie: string; csrf: string } } = {},
): Promise<void> {
  const invited = await call("POST", "/v1/members", { key, body: { email, role } });
  if (invited.status !== 201)
    throw new Error(`invite failed: ${invited.status} ${JSON.stringify(invited.body)}`);
  const token = await invitationToken(key, email);
  const accepted = await call("POST", "/v1/invitations/accept", {
    body: opts.session ? { token } : { token, password: opts.password ?? "member-password-1" },
    ...(opts.session
      ? { cookie: opts.session.cookie, headers: { "x-csrf-token": opts.session.csrf } }
      : {}),
  });
  if (accepted.status !== 200)
    throw new Error(`accept failed: ${accepted.status} ${JSON.stringify(accepted.body)}`);
}

export const sampleDefinition = (name = "Big order approval") => ({
  name,
  trigger: { event: "order.created" },
  filter: "order.amount > 10000",
  steps: [
    {
      id: "tell",
      action: "send_email",
      config: { to: "{{ order.customer.email }}", subject: "Order {{ order.id }}", body: "Thanks" },
    },
  ],
});

/** Polls until `check` passes (queues deliver after their batch timeout). */
export async function eventually<T>(
  fn: () => Promise<T>,
  check: (v: T) => boolean,
  timeoutMs = 15_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (check(v)) return v;
    if (Date.now() > until)
      throw new Error(`condition not met in ${timeoutMs} ms; last value: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Raw SQL against a tenant's store (its Durable Object's own SQLite), for
 * tests that check what is stored. Rows come back as plain objects.
 * @example await storeSql(t.tenantId, "SELECT count(*) AS n FROM outbox")
 */
export async function storeSql<T = Json>(
  tenantId: string,
  query: string,
  ...params: (string | number | null)[]
): Promise<T[]> {
  return runInDurableObject(
    storeFor(env, tenantId),
    async (_instance, state) => state.storage.sql.exec(query, ...params).toArray() as T[],
  );
}

/**
 * Starts a run object directly, with one action step, whose action messages
 * go nowhere: the test plays the consumer (dispatch, input).
 * @example const stub = await quietRun(t.tenantId, "run_x", { id: "hook", action: "call_webhook", config: { url } })
 */
export async function quietRun(tenantId: string, runId: string, step: Json) {
  const stub = env.RUNS.get(env.RUNS.idFromName(runId));
  await runInDurableObject(stub, (instance) => {
    const i = instance as unknown as { env: Cloudflare.Env };
    const quiet = { send: async () => undefined, sendBatch: async () => undefined };
    i.env = {
      ...i.env,
      ACTIONS: quiet as unknown as Queue,
      ACTIONS_BULK: quiet as unknown as Queue,
    };
    const eventId = `ev-${runId}`;
    return (instance as unknown as WorkflowRun).start(tenantId, {
      runId,
      workflowId: `wf_${runId}`,
      version: 1,
      definition: { name: "Quiet", trigger: { event: "order.created" }, steps: [step] } as never,
      event: {
        id: eventId,
        type: "order.created",
        data: {},
        occurredAt: new Date().toISOString(),
        source: "api",
      },
      causation: { originEventId: eventId, chain: [], depth: 0 },
      now: Date.now(),
      test: false,
    });
  });
  return stub;
}

/**
 * An attempt's context as the action consumer builds it, for running an
 * executor directly; `over` replaces any part (a signal, an env).
 * @example await execute("send_email", config, attempt(t.tenantId))
 */
export function attempt(tenantId: string, over: Partial<ExecutionContext> = {}): ExecutionContext {
  const stepId = over.stepId ?? `s_${crypto.randomUUID().slice(0, 8)}`;
  return {
    env,
    db: createDb(env.DB),
    store: storeFor(env, tenantId),
    tenantId,
    workflowId: "wf_test",
    runId: "run_test",
    stepId,
    attempt: 1,
    idempotencyKey: `run_test:${stepId}`,
    timeoutMs: 30_000,
    signal: new AbortController().signal,
    now: new Date().toISOString(),
    emit: { causation: rootCausation("ev_root"), eventId: `ev_${stepId}` },
    ...over,
  };
}

/** Runs an action's executor as the consumer would. */
export function execute(action: string, config: unknown, ctx: ExecutionContext) {
  const executor = executorFor(action);
  if (!executor) throw new Error(`no executor for ${action}`);
  return executor.execute(config, ctx);
}
