// Every role and every API key scope against every write route of the
// OpenAPI document, with real ids and valid bodies: where API.md's roles
// table does not allow it the answer is exactly 403 (never a 2xx), and where
// it does the answer is never 401/403. Cookie-authenticated writes without
// the CSRF token, or with a wrong one, answer 403.
import { beforeAll, describe, expect, inject, it } from "vitest";
import {
  addMember,
  Client,
  eventually,
  everythingWorkflow,
  fillPath,
  type Json,
  newTenant,
  type Operation,
  openWait,
  operations,
  PASSWORD,
  rand,
  signIn,
  type Tenant,
} from "./api.ts";

const base = inject("baseUrl");
const vars = inject("vars");

type Need = "read" | "write" | "admin" | "owner" | "platform" | "self";
const LEVEL = { read: 1, write: 2, admin: 3, owner: 4 } as const;
const ROLE_LEVEL = { viewer: 1, editor: 2, admin: 3, owner: 4 } as const;

/**
 * What each write (and each read of a secret) needs, from API.md's roles
 * table — written out here rather than read from the code, so the code is
 * checked against the contract. A route missing here fails the test.
 */
const NEEDS: Record<string, Need> = {
  "POST /v1/tenants": "platform",
  "POST /v1/platform/demo-seed": "platform",
  "POST /v1/auth/login": "self",
  "POST /v1/auth/logout": "self",
  "POST /v1/auth/switch-tenant": "self",
  // A person's own password (a session only; an API key gets 403).
  "POST /v1/auth/password": "self",
  "DELETE /v1/auth/sessions/{id}": "self",
  // A person's own second factor and passkeys (a session only; an API key gets 403).
  "POST /v1/auth/2fa/enrol": "self",
  "POST /v1/auth/2fa/confirm": "self",
  "POST /v1/auth/2fa/recovery-codes": "self",
  "POST /v1/auth/2fa/disable": "self",
  "POST /v1/auth/passkeys/options": "self",
  "POST /v1/auth/passkeys": "self",
  "DELETE /v1/auth/passkeys/{id}": "self",
  // The steps of signing in: before any session, by design.
  "POST /v1/auth/login/2fa": "self",
  "POST /v1/auth/passkey/options": "self",
  "POST /v1/auth/passkey/login": "self",
  // Forgot my password: before any sign-in, by design.
  "POST /v1/auth/password-reset": "self",
  "POST /v1/auth/password-reset/confirm": "self",
  // The invited person holds the link: no sign-in needed (an existing account signs in as itself).
  "POST /v1/invitations/inspect": "self",
  "POST /v1/invitations/accept": "self",
  "POST /hooks/{sourceId}": "self",
  "POST /v1/members": "admin",
  "PATCH /v1/members/{id}": "admin",
  "DELETE /v1/members/{id}": "admin",
  "GET /v1/invitations": "admin",
  "POST /v1/invitations/{id}/resend": "admin",
  "DELETE /v1/invitations/{id}": "admin",
  "GET /v1/api-keys": "admin",
  "POST /v1/api-keys": "admin",
  "DELETE /v1/api-keys/{id}": "admin",
  "POST /v1/workflows": "write",
  "PUT /v1/workflows/{id}": "write",
  // Its settings (who is told when runs fail): an editor's, like the definition.
  "PATCH /v1/workflows/{id}": "write",
  "DELETE /v1/workflows/{id}": "write",
  "POST /v1/workflows/{id}/publish": "write",
  "POST /v1/workflows/{id}/enable": "write",
  "POST /v1/workflows/{id}/disable": "write",
  "POST /v1/workflows/{id}/test": "write",
  // A read of past events, but a dry run of drafts: an editor's, like /test.
  "POST /v1/workflows/{id}/backtest": "write",
  "POST /v1/workflows/{id}/runs": "write",
  // Export is a read (no ids, people or secret values in it); import creates drafts: an editor's.
  "GET /v1/workflows/{id}/export": "read",
  "GET /v1/workflows/export": "read",
  "POST /v1/workflows/import": "write",
  // Using a template saves a draft workflow: an editor's, like POST /v1/workflows.
  "POST /v1/templates/{id}/use": "write",
  "POST /v1/webhook-sources": "admin",
  "DELETE /v1/webhook-sources/{id}": "admin",
  // Connections (issue 17): every role reads them (never their credentials); admins change them.
  "POST /v1/connections": "admin",
  "PUT /v1/connections/{name}": "admin",
  "DELETE /v1/connections/{name}": "admin",
  // Secrets (issue 17): every role reads their names (never a value); admins change them.
  "GET /v1/secrets": "read",
  "GET /v1/secrets/{name}": "read",
  "PUT /v1/secrets/{name}": "admin",
  "DELETE /v1/secrets/{name}": "admin",
  "POST /v1/secrets/rotate-key": "admin",
  "POST /v1/webhook-sources/{id}/rotate-secret": "admin",
  // Its approver, or an admin or owner; none of the callers here is the approver.
  "POST /v1/approvals/{id}/decide": "admin",
  "POST /v1/events": "write",
  "POST /v1/events/{id}/redrive": "write",
  // A read like GET /v1/runs/{id}: every role and scope may page a run's items.
  "GET /v1/runs/{id}/items": "read",
  // Metrics (counters, no payloads): every role and scope may read them.
  "GET /v1/workflows/{id}/metrics": "read",
  "GET /v1/metrics/workflows": "read",
  "POST /v1/runs/{id}/retry": "write",
  "POST /v1/runs/{id}/cancel": "write",
  // A read like GET /v1/runs/{id}/retry-preview: nothing runs.
  "POST /v1/runs/bulk-retry/preview": "read",
  "POST /v1/runs/bulk-retry": "write",
  "POST /v1/jobs/{id}/cancel": "write",
  "DELETE /v1/waits/{runId}/{stepId}": "write",
  "PUT /v1/records/{type}/{id}": "write",
  "PATCH /v1/records/{type}/{id}": "write",
  // Its assignee, or an editor; none of the callers here is the assignee.
  "PATCH /v1/tasks/{id}": "write",
  // Its recipient, or an editor (API.md is silent; the route's own rule).
  "POST /v1/notifications/{id}/read": "write",
  "PUT /v1/event-types/{type}": "write",
  "PUT /v1/settings/providers": "admin",
  "PUT /v1/settings/tenant": "admin",
  "GET /v1/settings/webhook-signing": "admin",
  "POST /v1/settings/webhook-signing/rotate": "admin",
  // Single sign-on: its settings are admins' (the connection carries a secret).
  "GET /v1/settings/sso": "admin",
  "PUT /v1/settings/sso": "admin",
  "DELETE /v1/settings/sso": "admin",
  "POST /v1/settings/sso/domains": "admin",
  "POST /v1/settings/sso/domains/{domain}/verify": "admin",
  "DELETE /v1/settings/sso/domains/{domain}": "admin",
};

interface Caller {
  name: string;
  level: number;
  api: Client;
  session?: Client;
}

let t: Tenant;
let ops: Operation[];
const callers: Caller[] = [];
let ids: Record<string, string>;

/** A valid body per route, so the answer is about the caller alone. */
function bodyFor(key: string): unknown {
  const workflow = {
    name: `Role check ${rand(4)}`,
    trigger: { event: "role.checked" },
    steps: [{ id: "wait", delay: "1s" }],
  };
  const bodies: Record<string, unknown> = {
    "POST /v1/tenants": {
      name: "Nope",
      admin: { email: `x-${rand()}@example.com`, password: PASSWORD },
    },
    "POST /v1/members": { email: `new-${rand()}@example.com`, role: "viewer" },
    "PATCH /v1/members/{id}": { role: "viewer" },
    "POST /v1/api-keys": { name: "k", scopes: ["read"] },
    "POST /v1/workflows": workflow,
    "PUT /v1/workflows/{id}": workflow,
    "PATCH /v1/workflows/{id}": { alerts: { enabled: true, recipients: "default" } },
    "POST /v1/workflows/{id}/publish": { version: 1 },
    "POST /v1/workflows/{id}/test": { event: { data: {} } },
    "POST /v1/workflows/{id}/backtest": { limit: 5 },
    "POST /v1/workflows/{id}/runs": { event: { data: {} } },
    "POST /v1/workflows/import": {
      document: {
        switchyard: 1,
        kind: "workflow",
        workflow: { name: workflow.name, definition: workflow },
        requires: { connections: [], secrets: [] },
      },
    },
    "POST /v1/templates/{id}/use": { params: {} },
    "POST /v1/webhook-sources": { name: "s" },
    "POST /v1/connections": {
      name: `c-${rand(6)}`,
      baseUrl: "https://erp.example.com",
      auth: { type: "bearer", token: "roles-token" },
    },
    "PUT /v1/connections/{name}": { description: `checked ${rand(4)}` },
    "PUT /v1/secrets/{name}": { value: `roles-${rand(12)}` },
    "POST /v1/approvals/{id}/decide": { decision: "approved" },
    "POST /v1/events": { type: "role.checked", data: { n: 1 } },
    "POST /v1/runs/{id}/retry": {},
    // A selection of no runs: the answer is about the caller alone, and nothing is retried.
    "POST /v1/runs/bulk-retry/preview": { status: "failed", until: "2000-01-01T00:00:00Z" },
    "POST /v1/runs/bulk-retry": { status: "failed", until: "2000-01-01T00:00:00Z" },
    "PUT /v1/records/{type}/{id}": { fields: { n: rand() } },
    "PATCH /v1/records/{type}/{id}": { fields: { n: rand() } },
    "PATCH /v1/tasks/{id}": { status: "done" },
    "PUT /v1/event-types/{type}": { sample: { n: 1 } },
    "PUT /v1/settings/providers": {
      email: { provider: "outbox", from: "ops@example.com" },
      sms: { provider: "outbox", from: "+15550000000" },
    },
    "PUT /v1/settings/tenant": { retentionDays: 30 },
    // Allowed callers get 422 (nothing answers there): the check is about the caller alone.
    "PUT /v1/settings/sso": {
      issuer: "http://127.0.0.1:9",
      clientId: "roles",
      clientSecret: "roles-secret",
      defaultRole: "viewer",
      enabled: true,
      required: false,
    },
    "POST /v1/settings/sso/domains": { domain: `roles-${rand()}.example` },
  };
  return bodies[key];
}

/** Real targets; destructive routes get their own so the others keep theirs. */
function paramsFor(key: string): Record<string, string> {
  const table: Record<string, Record<string, string>> = {
    "PATCH /v1/members/{id}": { id: ids.patchMember! },
    "DELETE /v1/members/{id}": { id: ids.doomedMember! },
    "POST /v1/invitations/{id}/resend": { id: ids.invitation! },
    "DELETE /v1/invitations/{id}": { id: ids.doomedInvitation! },
    "DELETE /v1/api-keys/{id}": { id: ids.doomedKey! },
    "DELETE /v1/workflows/{id}": { id: ids.doomedWorkflow! },
    "DELETE /v1/webhook-sources/{id}": { id: ids.doomedSource! },
    "PUT /v1/connections/{name}": { name: ids.connection! },
    "DELETE /v1/connections/{name}": { name: ids.doomedConnection! },
    "GET /v1/secrets/{name}": { name: "roles_secret" },
    "PUT /v1/secrets/{name}": { name: "roles_secret" },
    "DELETE /v1/secrets/{name}": { name: "roles_doomed" },
    "POST /v1/webhook-sources/{id}/rotate-secret": { id: ids.source! },
    "POST /v1/approvals/{id}/decide": { id: ids.approval! },
    "POST /v1/templates/{id}/use": { id: "order-shipped-sms" },
    "POST /v1/runs/{id}/cancel": { id: ids.cancelRun! },
    "POST /v1/runs/{id}/retry": { id: ids.run! },
    "POST /v1/jobs/{id}/cancel": { id: ids.job! },
    "GET /v1/runs/{id}/items": { id: ids.run! },
    "DELETE /v1/waits/{runId}/{stepId}": { runId: ids.waitRun!, stepId: "hold" },
    "POST /v1/events/{id}/redrive": { id: ids.event! },
    "PATCH /v1/tasks/{id}": { id: ids.task! },
    "POST /v1/notifications/{id}/read": { id: ids.notification! },
    "PUT /v1/records/{type}/{id}": { type: "rolething", id: "r1" },
    "PATCH /v1/records/{type}/{id}": { type: "rolething", id: "r1" },
    "PUT /v1/event-types/{type}": { type: "role.declared" },
    "POST /v1/settings/sso/domains/{domain}/verify": { domain: "roles-missing.example" },
    "DELETE /v1/settings/sso/domains/{domain}": { domain: "roles-missing.example" },
  };
  if (table[key]) return table[key]!;
  if (key.includes("/v1/workflows/{id}")) return { id: ids.workflow! };
  return {};
}

/** Required query parameters, with real values (the loop of everythingWorkflow). */
const QUERY: Record<string, string> = { "GET /v1/runs/{id}/items": "?step=each" };

async function runWithApproval(
  person: string,
): Promise<{ runId: string; approvalId: string; eventId: string }> {
  const ev = await t.api.must("POST", "/v1/events", {
    type: "roles.asked",
    data: { note: rand() },
  });
  const run = await eventually(
    () => t.api.get(`/v1/events/${ev.id}`),
    (r) => r.body?.runs?.length === 1,
    60_000,
    "a run",
  );
  const runId = run.body.runs[0].id as string;
  const approvals = await eventually(
    () => t.api.get(`/v1/approvals?status=pending&approver=${encodeURIComponent(person)}`),
    (r) => r.body?.items?.some((x: Json) => x.runId === runId),
    60_000,
    "an approval",
  );
  return {
    runId,
    approvalId: approvals.body.items.find((x: Json) => x.runId === runId).id,
    eventId: ev.id as string,
  };
}

beforeAll(async () => {
  t = await newTenant(base, vars.SWITCHYARD_PLATFORM_TOKEN!, "Roles");
  ({ ops } = await operations(base));
  const person = `approver-${rand()}@example.com`;
  // Only an owner may make owners: the tenant's first owner adds the members.
  const first = await signIn(base, t.email, t.password);
  const member = async (role: string, email = `${role}-${rand()}@example.com`) => {
    const id = await addMember(first, email, role, { password: PASSWORD });
    return { id, email };
  };
  const invite = async () => {
    const email = `invited-${rand()}@example.com`;
    return (await first.must("POST", "/v1/members", { email, role: "viewer" })).id as string;
  };
  await member("editor", person);
  for (const role of ["viewer", "editor", "admin", "owner"] as const) {
    const m = await member(role);
    const session = await signIn(base, m.email, PASSWORD);
    callers.push({ name: `${role} session`, level: ROLE_LEVEL[role], api: session, session });
  }
  for (const scope of ["read", "write", "admin"] as const) {
    const k = await t.api.must("POST", "/v1/api-keys", { name: scope, scopes: [scope] });
    callers.push({
      name: `${scope} key`,
      level: LEVEL[scope],
      api: new Client(base, { key: k.key }),
    });
  }
  const wf = await t.api.must(
    "POST",
    "/v1/workflows",
    everythingWorkflow("Roles", "roles.asked", person, "roles"),
  );
  const doomedWorkflow = await t.api.must("POST", "/v1/workflows", {
    name: "Doomed",
    trigger: { event: "doomed.created" },
    steps: [{ id: "wait", delay: "1s" }],
  });
  const one = await runWithApproval(person);
  const two = await runWithApproval(person);
  const tasks = await t.api.must("GET", `/v1/tasks?runId=${one.runId}`);
  const notes = await t.api.must("GET", "/v1/notifications");
  const source = await t.api.must("POST", "/v1/webhook-sources", { name: "src" });
  const doomedSource = await t.api.must("POST", "/v1/webhook-sources", { name: "doomed" });
  const doomedKey = await t.api.must("POST", "/v1/api-keys", { name: "doomed" });
  const connection = { baseUrl: "https://erp.example.com", auth: { type: "none" } };
  await t.api.must("POST", "/v1/connections", { name: "roles-erp", ...connection });
  await t.api.must("POST", "/v1/connections", { name: "roles-doomed", ...connection });
  await t.api.must("PUT", "/v1/secrets/roles_secret", { value: `roles-${rand(12)}` });
  await t.api.must("PUT", "/v1/secrets/roles_doomed", { value: `roles-${rand(12)}` });
  await t.api.must("PUT", "/v1/records/rolething/r1", { fields: { n: 0 } });
  const job = await t.api.must("POST", "/v1/runs/bulk-retry", {
    status: "failed",
    until: "2000-01-01T00:00:00Z",
  });
  ids = {
    job: job.job.id,
    workflow: wf.id,
    doomedWorkflow: doomedWorkflow.id,
    run: one.runId,
    event: one.eventId,
    approval: one.approvalId,
    cancelRun: two.runId,
    waitRun: (await openWait(t.api, "roles")).runId,
    task: tasks.items[0].id,
    notification: notes.items[0].id,
    source: source.id,
    doomedSource: doomedSource.id,
    doomedKey: doomedKey.id,
    connection: "roles-erp",
    doomedConnection: "roles-doomed",
    patchMember: (await member("editor")).id,
    doomedMember: (await member("editor")).id,
    invitation: await invite(),
    doomedInvitation: await invite(),
  };
}, 180_000);

describe("roles and scopes against every write", () => {
  it("answers 403 (never 2xx) below the needed role, and never 401/403 at or above it", async () => {
    const guarded = ops.filter((o) => {
      const key = `${o.method} ${o.path}`;
      return o.method !== "GET" || NEEDS[key] !== undefined;
    });
    const unclassified = guarded.map((o) => `${o.method} ${o.path}`).filter((k) => !NEEDS[k]);
    expect(unclassified, "write routes missing from the roles table here").toEqual([]);
    const problems: string[] = [];
    let checked = 0;
    for (const op of guarded) {
      const key = `${op.method} ${op.path}`;
      const need = NEEDS[key]!;
      if (need === "self") continue; // any signed-in caller, or none: nothing to refuse
      const path = fillPath(op.path, paramsFor(key)) + (QUERY[key] ?? "");
      if (need === "platform") {
        for (const c of callers) {
          const r = await c.api.call(op.method, path, { body: bodyFor(key) });
          if (r.status !== 401) problems.push(`${key} as ${c.name}: ${r.status}, not 401`);
          checked += 1;
        }
        continue;
      }
      // Refused callers first (they must change nothing), then the allowed, weakest first.
      const ordered = [...callers].sort((x, y) => x.level - y.level);
      for (const c of ordered) {
        const r = await c.api.call(op.method, path, { body: bodyFor(key) });
        checked += 1;
        const allowed = c.level >= LEVEL[need];
        if (!allowed && r.status !== 403) {
          problems.push(`${key} as ${c.name}: ${r.status}, not 403 (${r.text.slice(0, 160)})`);
        }
        if (allowed && (r.status === 401 || r.status === 403 || r.status >= 500)) {
          problems.push(
            `${key} as ${c.name}: ${r.status} although allowed (${r.text.slice(0, 160)})`,
          );
        }
      }
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(150);
  });

  it("lets only an owner grant, change or remove the owner role", async () => {
    const admin = callers.find((c) => c.name === "admin session")!;
    const owner = callers.find((c) => c.name === "owner session")!;
    const invitee = `o-${rand()}@example.com`;
    const grant = await admin.api.post("/v1/members", { email: invitee, role: "owner" });
    expect(grant.status).toBe(403);
    // Not even an invitation to be an owner went out.
    const open = await admin.api.get("/v1/invitations");
    expect(open.body.items.map((i: Json) => i.email)).not.toContain(invitee);
    const me = await owner.api.get("/v1/auth/me");
    const demote = await admin.api.patch(`/v1/members/${me.body.user.id}`, { role: "viewer" });
    expect(demote.status).toBe(403);
    const remove = await admin.api.delete(`/v1/members/${me.body.user.id}`);
    expect(remove.status).toBe(403);
    expect((await owner.api.get("/v1/auth/me")).body.role).toBe("owner");
  });
});

describe("CSRF on the cookie session", () => {
  it("refuses every cookie-authenticated write without the token or with a wrong one", async () => {
    const owner = callers.find((c) => c.name === "owner session")!.session!;
    const before = (await t.api.get("/v1/audit?limit=200")).body.items.length;
    const problems: string[] = [];
    const writes = ops.filter(
      (o) => o.method !== "GET" && !["platform", "self"].includes(NEEDS[`${o.method} ${o.path}`]!),
    );
    for (const op of [...writes, { method: "POST", path: "/v1/auth/logout" } as Operation]) {
      const key = `${op.method} ${op.path}`;
      const path = fillPath(op.path, paramsFor(key));
      for (const csrf of [undefined, "wrong-token", `${owner.auth.csrf}x`]) {
        const c = new Client(base, { cookie: owner.auth.cookie, csrf });
        const r = await c.call(op.method, path, { body: bodyFor(key) });
        if (r.status !== 403) problems.push(`${key} with csrf=${csrf}: ${r.status}`);
        else expect(r.body.error.code).toBe("forbidden");
      }
    }
    expect(problems).toEqual([]);
    // Nothing was written: the audit log did not grow, and the session still works.
    expect((await t.api.get("/v1/audit?limit=200")).body.items.length).toBe(before);
    expect((await owner.get("/v1/auth/me")).status).toBe(200);
    const ok = await owner.post("/v1/events", { type: "role.checked", data: { csrf: true } });
    expect(ok.status).toBe(202);
  });
});
