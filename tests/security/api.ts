// Shared helpers for the security and bad-input suites: a small HTTP client
// for the real Worker, fresh tenants, sign-in, the OpenAPI operations, and a
// tenant fixture that owns one of everything (so every id-taking route has a
// real id to be probed with). People join by invitation only: addMember
// invites, reads the link from the tenant's outbox and accepts it.

// biome-ignore lint/suspicious/noExplicitAny: the API answers arbitrary JSON
export type Json = any;

export interface Auth {
  key?: string;
  cookie?: string;
  csrf?: string;
}

export interface Answer {
  status: number;
  body: Json;
  text: string;
  headers: Headers;
}

export interface CallOptions {
  body?: unknown;
  /** A raw body, sent as is (with `headers`' content-type, if any). */
  raw?: BodyInit;
  headers?: Record<string, string>;
}

/** One caller of the API: an API key, or a session cookie with its CSRF token. */
export class Client {
  constructor(
    readonly base: string,
    readonly auth: Auth = {},
  ) {}

  async call(method: string, path: string, opts: CallOptions = {}): Promise<Answer> {
    const headers: Record<string, string> = {};
    if (this.auth.key) headers.authorization = `Bearer ${this.auth.key}`;
    if (this.auth.cookie) headers.cookie = this.auth.cookie;
    if (this.auth.csrf) headers["x-csrf-token"] = this.auth.csrf;
    let body: BodyInit | undefined = opts.raw;
    if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers["content-type"] = "application/json";
    }
    Object.assign(headers, opts.headers);
    // duplex: a streamed body (no Content-Length) needs it in Node's fetch.
    const init = { method, headers, body, duplex: "half" } as RequestInit;
    const res = await fetch(`${this.base}${path}`, init);
    const text = await res.text();
    let parsed: Json;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, body: parsed, text, headers: res.headers };
  }

  get = (path: string) => this.call("GET", path);
  post = (path: string, body?: unknown) => this.call("POST", path, { body });
  put = (path: string, body?: unknown) => this.call("PUT", path, { body });
  patch = (path: string, body?: unknown) => this.call("PATCH", path, { body });
  delete = (path: string) => this.call("DELETE", path);

  /** Like call, but throws unless the status is one of `ok`. */
  async must(method: string, path: string, body?: unknown, ok = [200, 201, 202, 204]) {
    const res = await this.call(method, path, body === undefined ? {} : { body });
    if (!ok.includes(res.status)) {
      throw new Error(`${method} ${path} → ${res.status} ${res.text.slice(0, 500)}`);
    }
    return res.body as Json;
  }
}

export function rand(n = 8): string {
  return Math.random()
    .toString(36)
    .slice(2, 2 + n)
    .padEnd(n, "0");
}

export const PASSWORD = "a-long-enough-password";

export interface Tenant {
  tenantId: string;
  name: string;
  email: string;
  password: string;
  key: string;
  api: Client;
}

/** A fresh tenant through the platform token, with its owner and an all-scopes key. */
export async function newTenant(
  base: string,
  platformToken: string,
  label: string,
): Promise<Tenant> {
  const email = `owner-${label.toLowerCase().replace(/[^a-z0-9]/g, "")}-${rand()}@example.com`;
  const name = `${label} ${rand(4)}`;
  const res = await new Client(base, { key: platformToken }).call("POST", "/v1/tenants", {
    body: { name, admin: { email, password: PASSWORD } },
  });
  if (res.status !== 201) throw new Error(`tenant: ${res.status} ${res.text}`);
  return {
    tenantId: res.body.tenant.id,
    name,
    email,
    password: PASSWORD,
    key: res.body.apiKey,
    api: new Client(base, { key: res.body.apiKey }),
  };
}

/** Signs in; the client carries the cookie and (unless `csrf: false`) the CSRF token. */
export async function signIn(base: string, email: string, password: string): Promise<Client> {
  const res = await new Client(base).call("POST", "/v1/auth/login", {
    body: { email, password },
  });
  if (res.status !== 200) throw new Error(`sign-in ${email}: ${res.status} ${res.text}`);
  const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0]!;
  return new Client(base, { cookie, csrf: res.body.csrfToken });
}

/** The token in an invitation link, `<public url>/invite#token=<token>` (base64url). */
const INVITE_LINK = /\/invite#token=([\w-]+)/;

/**
 * The token of the newest invitation emailed to `email`, read from the
 * tenant's outbox (where its email lands while no provider is set up).
 * @example const token = await invitationToken(t.api, "robin@example.com");
 */
export async function invitationToken(reader: Client, email: string): Promise<string> {
  const to = email.toLowerCase();
  const out = await reader.must("GET", "/v1/outbox?channel=email&limit=100");
  // Newest first: a later invitation to the same email replaced the earlier ones.
  const mail = (out.items as Json[]).find((m) => String(m.to).toLowerCase() === to);
  const token = INVITE_LINK.exec(String(mail?.body ?? ""))?.[1];
  if (!token) throw new Error(`no invitation email to ${email} in the outbox`);
  return token;
}

/** How the invited person accepts: a new account chooses its password, an existing one is signed in. */
export type Acceptance = { name?: string } & ({ password: string } | { session: Client });

/**
 * Adds a person the only way there is: `inviter` (an admin's key or session)
 * invites them, the link comes from the tenant's outbox, and they accept it —
 * choosing `password` for a new account, or signed in already (`session`, an
 * existing account: their session moves to the inviter's tenant). Returns
 * their user id in the tenant.
 * @example const id = await addMember(t.api, "robin@example.com", "editor", { password: PASSWORD });
 */
export async function addMember(
  inviter: Client,
  email: string,
  role: string,
  how: Acceptance,
): Promise<string> {
  const invited = await inviter.must("POST", "/v1/members", {
    email,
    role,
    ...(how.name === undefined ? {} : { name: how.name }),
  });
  if (invited.sendError) throw new Error(`invitation to ${email} not sent: ${invited.sendError}`);
  const token = await invitationToken(inviter, email);
  const accepted =
    "session" in how
      ? await how.session.call("POST", "/v1/invitations/accept", { body: { token } })
      : await new Client(inviter.base).call("POST", "/v1/invitations/accept", {
          body: { token, password: how.password },
        });
  if (accepted.status !== 200) {
    throw new Error(`accepting the invitation to ${email}: ${accepted.status} ${accepted.text}`);
  }
  const members = await inviter.must("GET", "/v1/members");
  const member = (members.items as Json[]).find((m) => m.email === email.toLowerCase());
  if (!member) throw new Error(`${email} accepted but is not among the members`);
  return member.id as string;
}

export async function eventually<T>(
  fn: () => Promise<T>,
  ok: (v: T) => boolean,
  ms = 60_000,
  what = "condition",
): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > until) {
      throw new Error(`${what} not reached in ${ms} ms: ${JSON.stringify(v).slice(0, 1500)}`);
    }
    await new Promise((r) => setTimeout(r, 400));
  }
}

/** A workflow's run of one event, once it has finished (succeeded or failed). */
export async function finishedRun(api: Client, workflowId: string, eventId: string): Promise<Json> {
  const list = await eventually(
    () => api.must("GET", `/v1/runs?workflowId=${workflowId}&limit=50`),
    (r: Json) =>
      (r.items as Json[]).some(
        (x) => x.eventId === eventId && ["succeeded", "failed"].includes(x.status),
      ),
    60_000,
    `the run of ${eventId}`,
  );
  return (list.items as Json[]).find((x) => x.eventId === eventId);
}

export interface Operation {
  method: string;
  /** The OpenAPI path, e.g. `/v1/workflows/{id}`. */
  path: string;
  pathParams: string[];
  queryParams: string[];
  hasJsonBody: boolean;
  /** The request body's JSON Schema, when there is one. */
  bodySchema?: Json;
  op: Json;
}

/** Every operation of the Worker's own OpenAPI document. */
export async function operations(base: string): Promise<{ ops: Operation[]; doc: Json }> {
  const doc = (await (await fetch(`${base}/v1/openapi.json`)).json()) as Json;
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths as Record<string, Json>)) {
    for (const [method, op] of Object.entries(item as Record<string, Json>)) {
      const params = (op.parameters ?? []) as Array<{ in: string; name: string }>;
      const schema = op.requestBody?.content?.["application/json"]?.schema;
      ops.push({
        method: method.toUpperCase(),
        path,
        pathParams: params.filter((p) => p.in === "path").map((p) => p.name),
        queryParams: params.filter((p) => p.in === "query").map((p) => p.name),
        hasJsonBody: schema !== undefined,
        bodySchema: schema === undefined ? undefined : resolveRefs(schema, doc),
        op,
      });
    }
  }
  return { ops, doc };
}

function resolveRefs(schema: Json, doc: Json, depth = 0): Json {
  if (depth > 30 || schema === null || typeof schema !== "object") return schema;
  if (Array.isArray(schema)) return schema.map((s) => resolveRefs(s, doc, depth + 1));
  if (typeof schema.$ref === "string") {
    const name = schema.$ref.replace("#/components/schemas/", "");
    return resolveRefs(doc.components?.schemas?.[name] ?? {}, doc, depth + 1);
  }
  const out: Json = {};
  for (const [k, v] of Object.entries(schema)) out[k] = resolveRefs(v, doc, depth + 1);
  return out;
}

/** Fills `{param}` segments from `values` (each URI-encoded). */
export function fillPath(path: string, values: Record<string, string>): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const v = values[name];
    if (v === undefined) throw new Error(`no value for {${name}} in ${path}`);
    return encodeURIComponent(v);
  });
}

/**
 * A workflow that leaves one of every tenant-owned thing behind for each
 * event: an outbox email, a record, a task, a notification, a loop's items
 * (`each`) and a pending approval (so its run stays `waiting`).
 */
export function everythingWorkflow(name: string, trigger: string, person: string, marker: string) {
  return {
    name,
    trigger: { event: trigger },
    steps: [
      {
        id: "mail",
        name: `Mail ${marker}`,
        action: "send_email",
        config: {
          to: "someone@example.com",
          subject: `Hello ${marker}`,
          body: "Note {{ event.data.note }}",
        },
      },
      {
        id: "rec",
        action: "update_record",
        config: { type: "thing", id: "{{ event.id }}", fields: { note: marker } },
      },
      {
        id: "task",
        action: "create_task",
        config: { title: `Task ${marker}`, assignee: person },
      },
      {
        id: "note",
        action: "notify_user",
        config: { user: person, message: `Note ${marker}` },
      },
      {
        // A loop, so a run has items to aim GET /v1/runs/{id}/items at.
        id: "each",
        forEach: "[event.data.note, 2]",
        as: "line",
        steps: [{ id: "pause", delay: "1s" }],
      },
      {
        id: "ask",
        action: "request_approval",
        config: { approver: person, title: `Approve ${marker}` },
      },
    ],
  };
}

export interface Fixture {
  marker: string;
  workflowId: string;
  eventId: string;
  runId: string;
  approvalId: string;
  taskId: string;
  notificationId: string;
  outboxId: string;
  memberId: string;
  /** An invitation still waiting for an answer, and its link's token. */
  invitationId: string;
  invitationToken: string;
  apiKeyId: string;
  sourceId: string;
  recordType: string;
  recordId: string;
  eventType: string;
  /** A run waiting for an event that never comes, and its waiting step. */
  waitRunId: string;
  waitStepId: string;
}

/**
 * A run that waits (for a month) for an event nobody sends: an open wait
 * to aim the waits routes at.
 * @example const { runId, stepId } = await openWait(t.api, "roles")
 */
export async function openWait(
  api: Client,
  marker: string,
): Promise<{ runId: string; stepId: string }> {
  await api.must("POST", "/v1/workflows", {
    name: `Holds ${marker}`,
    trigger: { event: `${marker}.hold` },
    steps: [{ id: "hold", waitFor: { event: `${marker}.never`, timeout: "720h" } }],
  });
  const ev = await api.must("POST", "/v1/events", { type: `${marker}.hold`, data: { marker } });
  const event = await eventually(
    () => api.get(`/v1/events/${ev.id}`),
    (r) => r.body?.runs?.[0]?.status === "waiting",
    60_000,
    "a run waiting for an event",
  );
  return { runId: event.body.runs[0].id as string, stepId: "hold" };
}

/**
 * Gives a tenant one of everything, each carrying `marker`, and waits until
 * the run has produced its task, notification and pending approval.
 */
export async function populate(t: Tenant, marker: string): Promise<Fixture> {
  const api = t.api;
  const person = `member-${marker}@example.com`;
  const memberId = await addMember(api, person, "editor", {
    name: `Member ${marker}`,
    password: PASSWORD,
  });
  const pending = `invited-${marker}@example.com`;
  const invitation = await api.must("POST", "/v1/members", {
    email: pending,
    role: "viewer",
    name: `Invited ${marker}`,
  });
  const token = await invitationToken(api, pending);
  const key = await api.must("POST", "/v1/api-keys", { name: `Key ${marker}`, scopes: ["read"] });
  const source = await api.must("POST", "/v1/webhook-sources", { name: `Source ${marker}` });
  const eventType = `${marker}.happened`;
  await api.must("PUT", `/v1/event-types/${eventType}`, { sample: { note: marker } });
  const wf = await api.must(
    "POST",
    "/v1/workflows",
    everythingWorkflow(`Workflow ${marker}`, eventType, person, marker),
  );
  const recordType = `rec${marker}`;
  const recordId = `r-${marker}`;
  await api.must("PUT", `/v1/records/${recordType}/${recordId}`, { fields: { note: marker } });
  const ev = await api.must("POST", "/v1/events", {
    id: `ev-${marker}`,
    type: eventType,
    data: { note: marker },
  });
  const event = await eventually(
    () => api.get(`/v1/events/${ev.id}`),
    (r) => r.body?.runs?.length === 1,
    60_000,
    "the fixture's run",
  );
  const runId = event.body.runs[0].id as string;
  const approvals = await eventually(
    () => api.get(`/v1/approvals?status=pending`),
    (r) => r.body?.items?.some((a: Json) => a.runId === runId),
    60_000,
    "the fixture's approval",
  );
  const approvalId = approvals.body.items.find((a: Json) => a.runId === runId).id;
  const tasks = await api.must("GET", `/v1/tasks?runId=${runId}`);
  const notes = await api.must("GET", "/v1/notifications");
  const outbox = await api.must("GET", `/v1/outbox?runId=${runId}`);
  const wait = await openWait(api, marker);
  return {
    marker,
    workflowId: wf.id,
    eventId: ev.id,
    runId,
    approvalId,
    taskId: tasks.items[0].id,
    notificationId: notes.items.find((n: Json) => n.runId === runId).id,
    outboxId: outbox.items[0].id,
    memberId,
    invitationId: invitation.id,
    invitationToken: token,
    apiKeyId: key.id,
    sourceId: source.id,
    recordType,
    recordId,
    eventType,
    waitRunId: wait.runId,
    waitStepId: wait.stepId,
  };
}
