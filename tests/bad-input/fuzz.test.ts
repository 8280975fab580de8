// A table-driven fuzzer over the Worker's own OpenAPI document. For every
// operation that takes a JSON body it sends input that is invalid by
// construction — malformed JSON, wrong content types, 10,000-deep nesting,
// oversized bodies (with and without Content-Length), non-object bodies,
// each required field missing, wrong types, values outside an enum, huge
// strings where the schema bounds them, unknown fields where it is strict —
// (oversized bodies, chunked or not, are in oversized.test.ts) —
// and expects a 4xx in the error shape, never a 5xx, and the tenant's data
// unchanged. Edge values (lone surrogates, NUL bytes, numbers beyond 2^53)
// in every field must never cause a 5xx. Free-form input (event `data`,
// record `fields`) full of such values is accepted and reads back unchanged.
import { beforeAll, describe, expect, inject, it } from "vitest";
import {
  type Answer,
  Client,
  type Fixture,
  fillPath,
  type Json,
  newTenant,
  type Operation,
  operations,
  PASSWORD,
  populate,
  rand,
  type Tenant,
} from "../security/api.ts";

const base = inject("baseUrl");
const vars = inject("vars");

let t: Tenant;
let fx: Fixture;
let ops: Operation[];

/** Valid bodies to mutate, by route; others are built from the schema. */
function validBody(op: Operation): Json {
  const key = `${op.method} ${op.path}`;
  const workflow = {
    name: "Fuzz target",
    trigger: { event: "fuzz.created" },
    steps: [{ id: "wait", delay: "1s" }],
  };
  const table: Record<string, Json> = {
    "POST /v1/tenants": { name: "Fuzz", admin: { email: "f@example.com", password: PASSWORD } },
    "POST /v1/auth/login": { email: t.email, password: "not-the-password" },
    "POST /v1/auth/switch-tenant": { tenantId: t.tenantId },
    "POST /v1/members": { email: "fuzz@example.com", role: "viewer" },
    // A real, unanswered link: no mutation here may use it up.
    "POST /v1/invitations/inspect": { token: fx.invitationToken },
    "POST /v1/invitations/accept": { token: fx.invitationToken, password: PASSWORD },
    "PATCH /v1/members/{id}": { role: "viewer" },
    "POST /v1/api-keys": { name: "fuzz", scopes: ["read"] },
    "POST /v1/workflows": workflow,
    "PUT /v1/workflows/{id}": workflow,
    "POST /v1/workflows/{id}/publish": { version: 1 },
    "POST /v1/workflows/{id}/test": { event: { data: {} } },
    "POST /v1/workflows/{id}/runs": { event: { data: {} } },
    "POST /v1/webhook-sources": { name: "fuzz" },
    "POST /v1/approvals/{id}/decide": { decision: "approved" },
    "POST /v1/events": { type: "fuzz.created", data: {} },
    "POST /v1/runs/{id}/retry": { version: 1 },
    "PUT /v1/records/{type}/{id}": { fields: { a: 1 } },
    "PATCH /v1/records/{type}/{id}": { fields: { a: 1 } },
    "PATCH /v1/tasks/{id}": { status: "done" },
    "PUT /v1/event-types/{type}": { sample: { a: 1 } },
    "PUT /v1/settings/providers": { email: { provider: "outbox" } },
    "POST /v1/connections": {
      name: "fuzz-erp",
      baseUrl: "https://erp.example.com/api",
      auth: { type: "basic", username: "fuzz", password: "fuzz-password" },
      headers: { accept: "application/json" },
      rateLimit: { limit: 5, period: "1m" },
    },
    "PUT /v1/connections/{name}": { auth: { type: "bearer", token: "fuzz-token" } },
  };
  return structuredClone(table[key] ?? fromSchema(op.bodySchema));
}

function fromSchema(s: Json): Json {
  if (!s || typeof s !== "object") return {};
  const variant = s.oneOf?.[0] ?? s.anyOf?.[0];
  if (variant) return fromSchema(variant);
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  if (s.enum) return s.enum[0];
  switch (type) {
    case "object": {
      const out: Json = {};
      for (const r of s.required ?? []) out[r] = fromSchema(s.properties?.[r]);
      return out;
    }
    case "array":
      return [];
    case "string":
      return "x";
    case "integer":
    case "number":
      return 1;
    case "boolean":
      return true;
    default:
      return {};
  }
}

/** Real ids for every path parameter, from the fixture. */
function paramsFor(op: Operation): Record<string, string> {
  const family = op.path.split("/")[2] ?? "";
  const table: Record<string, Record<string, string>> = {
    members: { id: fx.memberId },
    invitations: { id: fx.invitationId },
    "api-keys": { id: fx.apiKeyId },
    workflows: { id: fx.workflowId, n: "1" },
    "webhook-sources": { id: fx.sourceId },
    approvals: { id: fx.approvalId },
    events: { id: fx.eventId },
    runs: { id: fx.runId },
    records: { type: fx.recordType, id: fx.recordId },
    tasks: { id: fx.taskId },
    notifications: { id: fx.notificationId },
    "event-types": { type: fx.eventType },
    connections: { name: "fuzz-erp" },
    secrets: { name: "fuzz_secret" },
    templates: { id: "order-shipped-sms" },
  };
  return op.pathParams.length === 0 ? {} : (table[family] ?? {});
}

/** Routes for someone not signed in: sent without any credential. */
const PUBLIC = new Set(["/v1/auth/login", "/v1/invitations/inspect", "/v1/invitations/accept"]);

function clientFor(op: Operation): Client {
  if (op.path === "/v1/tenants") return new Client(base, { key: vars.SWITCHYARD_PLATFORM_TOKEN });
  if (PUBLIC.has(op.path)) return new Client(base);
  return t.api;
}

interface Case {
  name: string;
  raw?: BodyInit;
  body?: Json;
  headers?: Record<string, string>;
  /** The status when it is known exactly. */
  want?: number;
}

const deep = (n: number) => "[".repeat(n) + "]".repeat(n);
const BIG = "x".repeat(200 * 1024);

/** Inputs that are invalid whatever the operation. */
function genericCases(op: Operation): Case[] {
  const valid = JSON.stringify(validBody(op));
  const json = { "content-type": "application/json" };
  const oversized = JSON.stringify({ ...validBody(op), pad: "x".repeat(300 * 1024) });
  return [
    { name: "malformed JSON", raw: `${valid.slice(0, -1)},`, headers: json, want: 400 },
    { name: "trailing garbage", raw: `${valid} {}`, headers: json, want: 400 },
    { name: "text/plain", raw: valid, headers: { "content-type": "text/plain" }, want: 415 },
    {
      name: "form-encoded",
      raw: "a=1&b=2",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      want: 415,
    },
    { name: "no content type", raw: new Blob([valid]), want: 415 },
    { name: "10,000-deep nesting", raw: deep(10_000), headers: json, want: 400 },
    {
      name: "deep nesting inside the body",
      raw: `{"a":${deep(70)}}`,
      headers: json,
      want: 400,
    },
    { name: "over 256 KiB", raw: oversized, headers: json, want: 413 },
    { name: "an array", body: [validBody(op)] },
    { name: "a string", body: "hello" },
    { name: "null", body: null },
    { name: "a number beyond 2^53", raw: "9007199254740993", headers: json },
  ];
}

/** One mutation per field of the valid body, from the schema. */
function fieldCases(op: Operation): Case[] {
  const schema = op.bodySchema?.oneOf?.[0] ?? op.bodySchema;
  const props = (schema?.properties ?? {}) as Record<string, Json>;
  const required = (schema?.required ?? []) as string[];
  const valid = validBody(op);
  const cases: Case[] = [];
  const withField = (k: string, v: unknown): Json => ({ ...valid, [k]: v });
  for (const k of required) {
    const body = { ...valid };
    delete body[k];
    cases.push({ name: `missing ${k}`, body });
  }
  for (const [k, p] of Object.entries(props)) {
    if (p.oneOf || p.anyOf || Array.isArray(p.type)) continue;
    const wrong: Record<string, unknown> = {
      string: 12345,
      integer: "12",
      number: "12",
      boolean: "true",
      object: "an object",
      array: { not: "an array" },
    };
    if (p.type in wrong)
      cases.push({ name: `${k} of the wrong type`, body: withField(k, wrong[p.type]) });
    if (p.enum) cases.push({ name: `${k} outside its enum`, body: withField(k, "__nope__") });
    if (p.type === "string" && typeof p.maxLength === "number" && p.maxLength < BIG.length) {
      cases.push({ name: `${k} of 200 KB`, body: withField(k, BIG) });
    }
    if (p.type === "integer") cases.push({ name: `${k} of 1.5`, body: withField(k, 1.5) });
  }
  if (schema?.additionalProperties === false) {
    cases.push({ name: "an unknown field", body: { ...valid, zzUnknown: 1 } });
  }
  return cases;
}

/** Values at the edges; they may be valid, but must never cause a 5xx. */
function edgeCases(op: Operation): Case[] {
  const valid = validBody(op);
  const cases: Case[] = [];
  const edges: Array<[string, string]> = [
    ["a lone surrogate", '"\\ud800x"'],
    ["a NUL byte", '"a\\u0000b"'],
    ["a number beyond 2^53", "9007199254740993"],
    ["1e400", "1e400"],
  ];
  for (const k of Object.keys(valid)) {
    for (const [what, literal] of edges) {
      const text = JSON.stringify({ ...valid, [k]: "__EDGE__" }).replace('"__EDGE__"', literal);
      cases.push({
        name: `${k} as ${what}`,
        raw: text,
        headers: { "content-type": "application/json" },
      });
    }
  }
  return cases;
}

async function send(op: Operation, c: Case): Promise<Answer> {
  const path = fillPath(op.path, paramsFor(op));
  return clientFor(op).call(op.method, path, {
    ...(c.raw !== undefined ? { raw: c.raw } : { body: c.body }),
    headers: c.headers ?? {},
  });
}

function errorShapeProblem(r: Answer): string | undefined {
  const e = r.body?.error;
  if (!r.headers.get("content-type")?.includes("application/json")) return "not JSON";
  if (typeof e?.code !== "string" || typeof e?.message !== "string") return "not the error shape";
  return undefined;
}

/** Everything the tenant can list, without the parts that change by themselves. */
async function snapshot(): Promise<Json> {
  const out: Json = {};
  for (const path of [
    "/v1/workflows?limit=200",
    "/v1/members",
    "/v1/invitations",
    "/v1/api-keys",
    "/v1/webhook-sources",
    "/v1/events?limit=200",
    "/v1/runs?limit=200",
    `/v1/records/${fx.recordType}`,
    "/v1/tasks?limit=200",
    "/v1/event-types?limit=200",
    "/v1/approvals?limit=200",
    "/v1/outbox?limit=200",
    "/v1/notifications?limit=200",
    "/v1/audit?limit=200",
    "/v1/settings/providers",
    `/v1/workflows/${fx.workflowId}/versions`,
  ]) {
    const r = await t.api.get(path);
    out[path] = r.status === 200 ? r.body : r.status;
  }
  return out;
}

beforeAll(async () => {
  t = await newTenant(base, vars.SWITCHYARD_PLATFORM_TOKEN!, "Fuzz");
  fx = await populate(t, `fz${rand(6)}`);
  // A connection to aim its routes at (issue 17).
  await t.api.must("POST", "/v1/connections", {
    name: "fuzz-erp",
    baseUrl: "https://erp.example.com/api",
    auth: { type: "bearer", token: "fuzz-token" },
  });
  ({ ops } = await operations(base));
}, 120_000);

describe("bad input over the OpenAPI document", () => {
  it("answers invalid bodies with a 4xx in the error shape, never a 5xx, changing nothing", async () => {
    const withBody = ops.filter((o) => o.hasJsonBody && !o.path.startsWith("/hooks/"));
    expect(withBody.length).toBeGreaterThan(15);
    const before = await snapshot();
    const problems: string[] = [];
    let sent = 0;
    for (const op of withBody) {
      for (const c of [...genericCases(op), ...fieldCases(op)]) {
        const r = await send(op, c);
        sent += 1;
        const where = `${op.method} ${op.path} with ${c.name}`;
        if (r.status < 400 || r.status >= 500) {
          problems.push(`${where}: ${r.status} ${r.text.slice(0, 160)}`);
          continue;
        }
        if (c.want !== undefined && r.status !== c.want) {
          problems.push(`${where}: ${r.status}, want ${c.want} (${r.text.slice(0, 120)})`);
        }
        const shape = errorShapeProblem(r);
        if (shape) problems.push(`${where}: ${shape}: ${r.text.slice(0, 120)}`);
      }
    }
    expect(problems).toEqual([]);
    expect(sent).toBeGreaterThan(300);
    expect(await snapshot()).toEqual(before);
  }, 120_000);

  it("never answers edge values with a 5xx", async () => {
    const problems: string[] = [];
    for (const op of ops.filter((o) => o.hasJsonBody && !o.path.startsWith("/hooks/"))) {
      // Sign-out or switching would end the tenant's own session; tenants are platform-only.
      for (const c of edgeCases(op)) {
        const r = await send(op, c);
        if (r.status >= 500) problems.push(`${op.method} ${op.path} with ${c.name}: ${r.status}`);
        else if (r.status >= 400 && errorShapeProblem(r)) {
          problems.push(`${op.method} ${op.path} with ${c.name}: ${errorShapeProblem(r)}`);
        }
      }
    }
    expect(problems).toEqual([]);
    // None of them used up the fixture's invitation link.
    const link = await new Client(base).post("/v1/invitations/inspect", {
      token: fx.invitationToken,
    });
    expect(link.status, link.text).toBe(200);
  }, 120_000);
});

/** Free-form values that must survive a round trip exactly. */
function awkward(): Json {
  const nested: Json = {};
  let cur = nested;
  for (let i = 0; i < 55; i++) cur = cur.next = {};
  cur.end = "bottom";
  return {
    nul: "a\u0000b",
    emoji: "🚂 switch — ü ß 漢字",
    rtl: "\u202Eevil",
    lone: "\ud800 and \udfff",
    "": "empty key",
    "dotted.key": 1,
    $dollar: true,
    constructor: "c",
    toString: "t",
    big: 9007199254740991,
    negative: -9007199254740991,
    tiny: 5e-324,
    huge: 1.7976931348623157e308,
    zero: 0,
    float: 0.1 + 0.2,
    list: [null, true, false, [], {}, [[1]]],
    html: "<script>alert(1)</script>",
    long: "y".repeat(100 * 1024),
    nested,
  };
}

/** Sorted keys, so two values compare by content. */
function canonical(v: Json): string {
  return JSON.stringify(v, (_k, x) =>
    x && typeof x === "object" && !Array.isArray(x)
      ? Object.fromEntries(
          Object.keys(x)
            .sort()
            .map((k) => [k, x[k]]),
        )
      : x,
  );
}

describe("free-form input", () => {
  it("keeps event data exactly as sent", async () => {
    const data = awkward();
    const r = await t.api.post("/v1/events", { id: `awk-${rand()}`, type: "fuzz.awkward", data });
    expect(r.status, r.text.slice(0, 300)).toBe(202);
    const back = await t.api.get(`/v1/events/${r.body.id}`);
    expect(back.status).toBe(200);
    expect(canonical(back.body.data) === canonical(data), "event data changed").toBe(true);
  });

  it("refuses a __proto__ key (400) rather than silently dropping it", async () => {
    const before = (await t.api.get("/v1/events?limit=200")).body.items.length;
    for (const [path, method, raw] of [
      ["/v1/events", "POST", '{"type":"fuzz.proto","data":{"__proto__":{"polluted":true}}}'],
      ["/v1/records/fuzzrec/proto", "PUT", '{"fields":{"a":{"__proto__":{"x":1}}}}'],
    ] as const) {
      const r = await t.api.call(method, path, {
        raw,
        headers: { "content-type": "application/json" },
      });
      expect(r.status, r.text).toBe(400);
      expect(r.body.error.details[0].path).toMatch(/__proto__/);
    }
    expect((await t.api.get("/v1/events?limit=200")).body.items.length).toBe(before);
    expect((await t.api.get("/v1/records/fuzzrec/proto")).status).toBe(404);
  });

  it("keeps record fields exactly as sent through PUT and PATCH", async () => {
    const fields = awkward();
    const put = await t.api.put("/v1/records/fuzzrec/awk-1", { fields });
    expect(put.status, put.text.slice(0, 300)).toBe(201);
    const got = (await t.api.get("/v1/records/fuzzrec/awk-1")).body.fields;
    expect(canonical(got) === canonical(fields), "record fields changed").toBe(true);
    const patch = await t.api.patch("/v1/records/fuzzrec/awk-1", {
      fields: { added: "\u0000\ud83d", big: -1 },
    });
    expect(patch.status, patch.text.slice(0, 300)).toBe(200);
    const after = (await t.api.get("/v1/records/fuzzrec/awk-1")).body.fields;
    const want = canonical({ ...fields, added: "\u0000\ud83d", big: -1 });
    expect(canonical(after) === want, "patched record fields changed").toBe(true);
  });

  it("refuses a number beyond a double's range (1e400) rather than storing null", async () => {
    for (const raw of [
      '{"type":"fuzz.inf","data":{"n":1e400}}',
      '{"type":"fuzz.inf","data":{"n":[-1e999]}}',
    ]) {
      const r = await t.api.call("POST", "/v1/events", {
        raw,
        headers: { "content-type": "application/json" },
      });
      expect(r.status, r.text).toBe(400);
      expect(r.body.error.code).toBe("invalid_json");
    }
  });
});
