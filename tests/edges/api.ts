// A small client for the edges suites: a fresh tenant on a started Worker,
// JSON calls with its key, and waiting for a run to finish.
import type { WorkerHandle } from "../support/worker.ts";

// biome-ignore lint/suspicious/noExplicitAny: the API answers arbitrary JSON
export type Json = any;

export interface Client {
  key: string;
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }>;
}

/** A new tenant (platform token) and a client holding its all-scopes key. */
export async function newTenant(w: WorkerHandle, name: string): Promise<Client> {
  const res = await fetch(`${w.baseUrl}/v1/tenants`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${w.vars.SWITCHYARD_PLATFORM_TOKEN}`,
      "content-type": "application/json",
    },
    body: JSON.stringify({
      name,
      admin: { email: `admin-${Date.now()}@edges.example`, password: "edges-password-123" },
    }),
  });
  if (res.status !== 201) throw new Error(`tenant: ${res.status} ${await res.text()}`);
  const key = ((await res.json()) as Json).apiKey as string;
  return {
    key,
    async call(method, path, body) {
      const r = await fetch(`${w.baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${key}`,
          ...(body !== undefined ? { "content-type": "application/json" } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await r.text();
      return { status: r.status, body: text ? JSON.parse(text) : {} };
    },
  };
}

export async function eventually<T>(
  fn: () => Promise<T>,
  ok: (v: T) => boolean,
  ms = 30_000,
): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > until)
      throw new Error(`not reached in ${ms} ms: ${JSON.stringify(v).slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const FINAL = ["succeeded", "failed", "filtered", "suppressed", "cancelled"];

/** Sends an event and waits for the one run it starts to finish. */
export async function runFor(c: Client, type: string, data: unknown): Promise<Json> {
  const ev = await c.call("POST", "/v1/events", { type, data });
  if (ev.status !== 202) throw new Error(`event: ${ev.status} ${JSON.stringify(ev.body)}`);
  const matched = await eventually(
    () => c.call("GET", `/v1/events/${ev.body.id}`),
    (e) => (e.body.runs ?? []).length === 1,
  );
  const runId = matched.body.runs[0].id as string;
  return (
    await eventually(
      () => c.call("GET", `/v1/runs/${runId}`),
      (r) => FINAL.includes(r.body.status),
    )
  ).body;
}
