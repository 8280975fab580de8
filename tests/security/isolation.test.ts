// Tenant isolation, generated from the Worker's own OpenAPI document: every
// route that takes an id is called by tenant B with tenant A's real ids and
// must answer exactly as it does for an id that does not exist (DESIGN.md:
// "an id from another tenant is indistinguishable from a missing one"); every
// list and read without an id, B's view, never shows anything of A's; and
// after all of B's attempts A's things are as they were.
import { beforeAll, describe, expect, inject, it } from "vitest";
import {
  type Answer,
  type Fixture,
  fillPath,
  type Json,
  newTenant,
  type Operation,
  operations,
  populate,
  rand,
  type Tenant,
} from "./api.ts";

const base = inject("baseUrl");
const vars = inject("vars");

let a: Tenant;
let b: Tenant;
let fa: Fixture;
let ops: Operation[];
/** A's single sign-on domain (pending: A added it). */
let domainA: string;
/** A's bulk retry job (of no runs: finished at once). */
let jobA: string;
/** A's connection (issue 17), by name. */
let connA: string;
/** A's secret (issue 17), by name. */
let secretA: string;

/** Routes whose ids are not tenant-scoped, and why they are not in the matrix. */
const NOT_TENANT_SCOPED: Record<string, string> = {
  "DELETE /v1/auth/sessions/{id}":
    "a person's own sessions, across their tenants: another person's reads like a missing one (apps/api/test/account.test.ts)",
  "DELETE /v1/auth/passkeys/{id}":
    "a person's own passkeys: another person's reads like a missing one (apps/api/test/passkeys.test.ts)",
  "GET /v1/templates/{id}":
    "the platform's template gallery, the same for every tenant (its readiness is the caller's own: apps/api/test/templates.test.ts)",
  "POST /v1/templates/{id}/use":
    "a template of the platform's gallery: the draft it makes is the caller's own (apps/api/test/templates.test.ts)",
  "POST /hooks/{sourceId}":
    "authenticated by the source's signing secret, not by a tenant credential (forgery: apps/api/test/webhooks-inbound.test.ts and hooks.test.ts here)",
};

/** Routes that create what they name: B writing there must create B's own, leaving A's alone. */
const CREATES_BY_NAME = new Set([
  "PUT /v1/records/{type}/{id}",
  "PUT /v1/event-types/{type}",
  // B's own secret under the same name (names are per tenant).
  "PUT /v1/secrets/{name}",
]);

/** Lists under a name: B listing under A's name sees nothing. */
const LISTS_BY_NAME = new Set(["GET /v1/records/{type}"]);

/** A's real value for each path parameter, by route family. */
function realParams(path: string): Record<string, string> {
  const family = path.split("/")[2];
  const byFamily: Record<string, Record<string, string>> = {
    members: { id: fa.memberId },
    invitations: { id: fa.invitationId },
    "api-keys": { id: fa.apiKeyId },
    workflows: { id: fa.workflowId, n: "1" },
    "webhook-sources": { id: fa.sourceId },
    approvals: { id: fa.approvalId },
    events: { id: fa.eventId },
    runs: { id: fa.runId },
    waits: { runId: fa.waitRunId, stepId: fa.waitStepId },
    records: { type: fa.recordType, id: fa.recordId },
    tasks: { id: fa.taskId },
    notifications: { id: fa.notificationId },
    "event-types": { type: fa.eventType },
    settings: { domain: domainA },
    jobs: { id: jobA },
    connections: { name: connA },
    secrets: { name: secretA },
  };
  const found = family === undefined ? undefined : byFamily[family];
  if (!found) throw new Error(`no real id for ${path}: add the route family to this matrix`);
  return found;
}

/** Required query parameters, with A's real values (the loop of everythingWorkflow). */
const QUERY: Record<string, string> = { "GET /v1/runs/{id}/items": "?step=each" };

/** The same shape of ids, but ones that exist nowhere. */
function missingParams(real: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(real)) {
    out[k] = k === "n" ? v : k === "type" ? `${v}missing` : `${v.slice(0, -4)}zzzz`;
  }
  return out;
}

/** A body that passes validation, so the answer is about the id alone. */
function validBody(op: Operation): unknown {
  if (!op.hasJsonBody) return undefined;
  const bodies: Record<string, unknown> = {
    "PATCH /v1/members/{id}": { role: "viewer" },
    "PUT /v1/workflows/{id}": {
      name: "Hijack",
      trigger: { event: "hijack.created" },
      steps: [{ id: "wait", delay: "1s" }],
    },
    "POST /v1/workflows/{id}/publish": { version: 1 },
    "PATCH /v1/workflows/{id}": { alerts: { enabled: false, recipients: "default" } },
    "POST /v1/workflows/{id}/test": { event: { data: {} } },
    "POST /v1/workflows/{id}/backtest": {},
    "POST /v1/workflows/{id}/runs": { event: { data: {} } },
    "POST /v1/approvals/{id}/decide": { decision: "approved" },
    "POST /v1/runs/{id}/retry": {},
    "PUT /v1/records/{type}/{id}": { fields: { note: "from B" } },
    "PATCH /v1/records/{type}/{id}": { fields: { note: "from B" } },
    "PATCH /v1/tasks/{id}": { status: "done" },
    "PUT /v1/event-types/{type}": { sample: { from: "B" } },
    "PUT /v1/connections/{name}": { description: "from B" },
    "PUT /v1/secrets/{name}": { value: "from-B-value" },
  };
  const key = `${op.method} ${op.path}`;
  if (!(key in bodies)) throw new Error(`no valid body for ${key}: add one to this matrix`);
  return bodies[key];
}

const shape = (r: Answer, id: string) => ({
  status: r.status,
  code: r.body?.error?.code,
  message: String(r.body?.error?.message ?? "").replaceAll(id, "<id>"),
});

/** What A can see of its own things; compared before and after B's attempts. */
async function snapshotA(): Promise<Json> {
  const get = async (path: string) => {
    const r = await a.api.get(path);
    const body = r.body as Json;
    if (body && typeof body === "object") delete body.requestId;
    return { status: r.status, body };
  };
  return {
    workflow: await get(`/v1/workflows/${fa.workflowId}`),
    versions: await get(`/v1/workflows/${fa.workflowId}/versions`),
    members: await get("/v1/members"),
    invitations: await get("/v1/invitations"),
    keys: await get("/v1/api-keys"),
    source: await get(`/v1/webhook-sources/${fa.sourceId}`),
    approval: await get(`/v1/approvals/${fa.approvalId}`),
    task: await get(`/v1/tasks/${fa.taskId}`),
    notifications: await get("/v1/notifications"),
    record: await get(`/v1/records/${fa.recordType}/${fa.recordId}`),
    runStatus: (await get(`/v1/runs/${fa.runId}`)).body.status,
    items: await get(`/v1/runs/${fa.runId}/items?step=each`),
    event: (await get(`/v1/events/${fa.eventId}`)).body.status,
    eventTypes: await get("/v1/event-types?limit=200"),
    job: await get(`/v1/jobs/${jobA}`),
    connection: await get(`/v1/connections/${connA}`),
    secret: await get(`/v1/secrets/${secretA}`),
  };
}

beforeAll(async () => {
  a = await newTenant(base, vars.SWITCHYARD_PLATFORM_TOKEN!, "Iso A");
  b = await newTenant(base, vars.SWITCHYARD_PLATFORM_TOKEN!, "Iso B");
  fa = await populate(a, `mk${rand(6)}`);
  domainA = `iso-${rand(6)}.example`;
  await a.api.must("POST", "/v1/settings/sso/domains", { domain: domainA });
  jobA = (
    await a.api.must("POST", "/v1/runs/bulk-retry", {
      status: "failed",
      until: "2000-01-01T00:00:00Z",
    })
  ).job.id as string;
  connA = `erp-${fa.marker}`;
  await a.api.must("POST", "/v1/connections", {
    name: connA,
    description: `Connection ${fa.marker}`,
    baseUrl: "https://erp.example.com",
    auth: { type: "bearer", token: `tok-${fa.marker}` },
  });
  secretA = `sec_${fa.marker}`;
  await a.api.must("PUT", `/v1/secrets/${secretA}`, { value: `value-${fa.marker}-${rand(12)}` });
  ({ ops } = await operations(base));
}, 120_000);

describe("tenant isolation over the OpenAPI document", () => {
  it("never shows A's things in B's lists, reads and filters", async () => {
    const secrets = [
      fa.marker,
      a.tenantId,
      fa.workflowId,
      fa.eventId,
      fa.runId,
      fa.approvalId,
      fa.taskId,
      fa.notificationId,
      fa.outboxId,
      fa.memberId,
      fa.invitationId,
      fa.apiKeyId,
      fa.sourceId,
      domainA,
      jobA,
      connA,
      secretA,
    ];
    // Query parameters that name another thing are given A's ids.
    const query: Record<string, string> = {
      workflowId: fa.workflowId,
      eventId: fa.eventId,
      runId: fa.runId,
      type: fa.eventType,
      actor: fa.memberId,
      approver: `member-${fa.marker}@example.com`,
      assignee: `member-${fa.marker}@example.com`,
      user: `member-${fa.marker}@example.com`,
    };
    const reads: string[] = [];
    for (const op of ops) {
      if (op.method !== "GET") continue;
      if (op.pathParams.length === 0) {
        reads.push(op.path === "/v1/openapi.json" ? "" : op.path);
        const filters = op.queryParams.filter((q) => q in query);
        for (const q of filters) reads.push(`${op.path}?${q}=${encodeURIComponent(query[q]!)}`);
        if (op.queryParams.includes("limit")) reads.push(`${op.path}?limit=200`);
      } else if (op.path === "/v1/records/{type}") {
        reads.push(`/v1/records/${fa.recordType}`);
      }
    }
    const leaks: string[] = [];
    for (const path of reads.filter(Boolean)) {
      for (const as of [b.api]) {
        const r = await as.get(path);
        expect(r.status, path).toBeLessThan(500);
        for (const s of secrets) if (r.text.includes(s)) leaks.push(`${path} shows ${s}`);
      }
    }
    expect(reads.length).toBeGreaterThan(15);
    expect(leaks).toEqual([]);
  });
  it("answers another tenant's ids exactly like missing ones, and changes nothing of theirs", async () => {
    const before = await snapshotA();
    // Writes that create by name go last, so they cannot mask the reads.
    const last = (o: Operation) => (CREATES_BY_NAME.has(`${o.method} ${o.path}`) ? 1 : 0);
    const withIds = ops.filter((o) => o.pathParams.length > 0).sort((x, y) => last(x) - last(y));
    expect(withIds.length).toBeGreaterThan(20);
    const problems: string[] = [];
    let probed = 0;
    for (const op of withIds) {
      const key = `${op.method} ${op.path}`;
      if (NOT_TENANT_SCOPED[key]) continue;
      const real = realParams(op.path);
      const body = validBody(op);
      const missing = missingParams(real);
      const query = QUERY[key] ?? "";
      const asMissing = await b.api.call(op.method, fillPath(op.path, missing) + query, { body });
      const asA = await b.api.call(op.method, fillPath(op.path, real) + query, { body });
      probed += 1;
      if (LISTS_BY_NAME.has(key)) {
        // A list under A's name: as empty for B as under a name nobody uses.
        if (asA.status !== 200 || asA.body?.items?.length !== 0) {
          problems.push(`${key}: B listed ${asA.status} ${asA.text.slice(0, 200)}`);
        }
        continue;
      }
      if (CREATES_BY_NAME.has(key)) {
        // B's own thing under the same name: answered like any new name.
        if (asA.status !== asMissing.status) {
          problems.push(
            `${key}: ${asA.status} under A's name, ${asMissing.status} under a new one`,
          );
        }
        continue;
      }
      if (asA.status >= 200 && asA.status < 300) {
        problems.push(`${key}: B got ${asA.status} with A's id: ${asA.text.slice(0, 200)}`);
        continue;
      }
      const idA = real.id ?? real.type ?? "";
      const idMissing = missing.id ?? missing.type ?? "";
      const got = shape(asA, idA);
      const want = shape(asMissing, idMissing);
      if (JSON.stringify(got) !== JSON.stringify(want)) {
        problems.push(
          `${key}: A's id → ${JSON.stringify(got)}, a missing id → ${JSON.stringify(want)}`,
        );
      }
      if (asA.status !== 404) {
        problems.push(`${key}: B got ${asA.status} (not 404) with A's id`);
      }
      if (asA.text.includes(fa.marker)) problems.push(`${key}: the answer to B shows A's data`);
    }
    expect(problems).toEqual([]);
    expect(probed).toBeGreaterThan(20);
    expect(await snapshotA()).toEqual(before);
  });
});
