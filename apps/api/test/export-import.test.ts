// Export and import of workflows (issue 17, item 4), against real D1 and the
// tenants' real stores: a workspace exported from one tenant, imported into
// another and exported there is the same bytes; exports are deterministic
// and carry nothing of their tenant; imports land as drafts, map what the
// workspace names otherwise, and refuse what they cannot take with the
// paths of the problems.
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { addMember, BASE, call, type Json, login, newTenant } from "./helpers.ts";

type Tenant = Awaited<ReturnType<typeof newTenant>>;

/** An export's raw answer: the file's text and its headers. */
async function download(key: string, path: string) {
  const res = await exports.default.fetch(
    new Request(`${BASE}${path}`, { headers: { authorization: `Bearer ${key}` } }),
  );
  const text = await res.text();
  let json: Json = {};
  try {
    json = JSON.parse(text) as Json;
  } catch {
    // not JSON: the test says so
  }
  return { status: res.status, text, json, headers: res.headers };
}

async function create(t: Tenant, body: Json): Promise<string> {
  const res = await call("POST", "/v1/workflows", { key: t.key, body });
  if (res.status !== 201) throw new Error(`create: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

async function importDoc(t: Tenant, body: Json) {
  return call("POST", "/v1/workflows/import", { key: t.key, body });
}

/** Values that must never appear in an export. */
const SECRET_VALUE = "s3cr3t-erp-token-value";
const CONNECTION_TOKEN = "conn-bearer-token-value";

/** Gives the tenant secrets and bearer connections under these names, through the API. */
async function credentials(t: Tenant, names: { connections?: string[]; secrets?: string[] }) {
  for (const name of names.secrets ?? []) {
    const put = await call("PUT", `/v1/secrets/${name}`, {
      key: t.key,
      body: { value: SECRET_VALUE },
    });
    if (put.status >= 300)
      throw new Error(`secret ${name}: ${put.status} ${JSON.stringify(put.body)}`);
  }
  for (const name of names.connections ?? []) {
    const made = await call("POST", "/v1/connections", {
      key: t.key,
      body: {
        name,
        baseUrl: "https://erp.example.com/api",
        auth: { type: "bearer", token: CONNECTION_TOKEN },
      },
    });
    if (made.status !== 201) {
      throw new Error(`connection ${name}: ${made.status} ${JSON.stringify(made.body)}`);
    }
  }
}

/** A workflow that calls the ERP through a connection, with a secret in a header. */
const erp = {
  name: "Push orders to the ERP",
  trigger: { event: "order.created" },
  steps: [
    {
      id: "push",
      action: "call_webhook",
      config: {
        connection: "erp",
        url: "/orders",
        method: "POST",
        headers: { Authorization: "Bearer {{ secrets.erp_token }}", "X-Order": "{{ order.id }}" },
        body: "{{ order }}",
      },
    },
  ],
};

/** A failure handler (trigger workflow.failed), live. */
const handler = (name = "Tell ops about failures") => ({
  name,
  trigger: { event: "workflow.failed" },
  steps: [
    {
      id: "tell",
      action: "send_email",
      config: {
        to: "ops@example.com",
        subject: "{{ event.data.workflow.name }} failed",
        body: "{{ event.data.error }}",
      },
    },
  ],
});

/** Loops, a wait, flow control and a schedule in one. */
const scheduled = {
  name: "Monday stock check",
  description: "Checks every line's stock, waits for the ERP to confirm",
  trigger: { schedule: { cron: "0 9 * * 1", timezone: "Europe/Amsterdam", overlap: "skip" } },
  concurrency: { limit: 1 },
  throttle: { limit: 10, period: "1m" },
  steps: [
    {
      id: "lines",
      forEach: "[1, 2, 3]",
      as: "line",
      concurrency: 2,
      onItemFailure: "continue",
      steps: [
        {
          id: "note",
          action: "update_record",
          config: { type: "stock", id: "line-{{ line }}", fields: { checked: "{{ now }}" } },
        },
      ],
    },
    {
      id: "confirmed",
      waitFor: { event: "stock.confirmed", timeout: "24h" },
      onTimeout: [{ id: "remind", delay: "1m" }],
    },
  ],
};

/** Tenant A with one of everything that travels. */
async function populate(t: Tenant): Promise<Record<string, string>> {
  const handlerId = await create(t, handler());
  const orders = await create(t, {
    name: "Big orders",
    trigger: { event: "order.created" },
    filter: "order.amount > 10000",
    steps: [
      {
        id: "tell",
        action: "notify_user",
        config: {
          user: t.email,
          message: "Big order {{ order.id }}; failures go to the handler",
          link: `/workflows/${handlerId}`,
        },
      },
    ],
  });
  const patched = await call("PATCH", `/v1/workflows/${orders}`, {
    key: t.key,
    body: {
      onFailure: { workflowId: handlerId },
      alerts: { enabled: false, recipients: "default" },
      autoPause: { failures: 5, minutes: 10 },
    },
  });
  expect(patched.status, JSON.stringify(patched.body)).toBe(200);
  const versions = await create(t, {
    name: "Versioned",
    trigger: { event: "invoice.paid" },
    steps: [{ id: "wait", delay: "1m" }],
  });
  await call("PUT", `/v1/workflows/${versions}`, {
    key: t.key,
    body: {
      name: "Versioned",
      trigger: { event: "invoice.paid" },
      steps: [{ id: "wait", delay: "2m" }],
    },
  });
  await call("PUT", `/v1/workflows/${versions}`, {
    key: t.key,
    body: {
      name: "Versioned",
      trigger: { event: "invoice.paid" },
      filter: "invoice.amount >",
      steps: [{ id: "wait", delay: "3m" }],
      publish: false,
    },
  });
  const stock = await create(t, scheduled);
  await credentials(t, { connections: ["erp"], secrets: ["erp_token"] });
  const push = await create(t, erp);
  return { handlerId, orders, versions, stock, push };
}

describe("export", () => {
  it("is a deterministic document with nothing of its tenant, offered as a file", async () => {
    const a = await newTenant("Export A");
    const ids = await populate(a);
    const one = await download(a.key, `/v1/workflows/${ids.orders}/export`);
    expect(one.status, one.text).toBe(200);
    expect(one.headers.get("content-type")).toMatch(/^application\/json/);
    expect(one.headers.get("content-disposition")).toBe(
      'attachment; filename="big-orders.switchyard.json"',
    );
    expect(one.text.endsWith("}\n")).toBe(true);
    expect(one.text).toContain('\n  "kind": "workflow",\n');
    expect(one.json).toEqual({
      switchyard: 1,
      kind: "workflow",
      workflow: {
        name: "Big orders",
        definition: {
          name: "Big orders",
          trigger: { event: "order.created" },
          filter: "order.amount > 10000",
          steps: [
            {
              id: "tell",
              action: "notify_user",
              config: {
                user: a.email,
                message: "Big order {{ order.id }}; failures go to the handler",
                link: '/workflows/@workflow("Tell ops about failures")',
              },
            },
          ],
        },
        settings: {
          alerts: { enabled: false, recipients: "default" },
          autoPause: { failures: 5, minutes: 10 },
          onFailure: { workflow: "Tell ops about failures" },
        },
      },
      requires: { connections: [], secrets: [] },
    });
    // Keys sorted at every level; the same bytes every time.
    expect(one.text).toBe(`${JSON.stringify(sortDeep(one.json), null, 2)}\n`);
    expect((await download(a.key, `/v1/workflows/${ids.orders}/export`)).text).toBe(one.text);
    const all = await download(a.key, "/v1/workflows/export?versions=true");
    expect(all.status).toBe(200);
    expect(all.headers.get("content-disposition")).toBe(
      'attachment; filename="workspace.switchyard.json"',
    );
    expect(all.json.workflows.map((w: Json) => w.name)).toEqual([
      "Big orders",
      "Monday stock check",
      "Push orders to the ERP",
      "Tell ops about failures",
      "Versioned",
    ]);
    expect(all.json.requires).toEqual({ connections: ["erp"], secrets: ["erp_token"] });
    // No ids, times, people or credentials of tenant A (the notification's recipient is the workflow's own text).
    const never = [a.tenantId, ...Object.values(ids), "createdAt", "createdBy", "wf_", "us_"];
    for (const s of [...never, SECRET_VALUE, CONNECTION_TOKEN, "erp.example.com"]) {
      expect(all.text).not.toContain(s);
    }
    const push = await download(a.key, `/v1/workflows/${ids.push}/export?versions=true`);
    expect(push.json.requires).toEqual({ connections: ["erp"], secrets: ["erp_token"] });
    for (const s of [SECRET_VALUE, CONNECTION_TOKEN, "erp.example.com"]) {
      expect(push.text).not.toContain(s);
    }
  });

  it("chooses the version, and lists every version on request", async () => {
    const a = await newTenant("Export versions");
    const ids = await populate(a);
    const path = `/v1/workflows/${ids.versions}/export`;
    const latest = await download(a.key, path);
    expect(latest.json.workflow.definition.steps[0].delay).toBe("3m");
    expect(latest.json.workflow.versions).toBeUndefined();
    expect(
      (await download(a.key, `${path}?version=live`)).json.workflow.definition.steps[0].delay,
    ).toBe("2m");
    expect(
      (await download(a.key, `${path}?version=1`)).json.workflow.definition.steps[0].delay,
    ).toBe("1m");
    const all = await download(a.key, `${path}?versions=true`);
    expect(
      all.json.workflow.versions.map((v: Json) => [v.version, v.definition.steps[0].delay]),
    ).toEqual([
      [1, "1m"],
      [2, "2m"],
      [3, "3m"],
    ]);
    expect(Object.keys(all.json.workflow.versions[0]).sort()).toEqual(["definition", "version"]);
    expect((await download(a.key, `${path}?version=4`)).status).toBe(404);
    expect((await download(a.key, `${path}?version=first`)).status).toBe(400);
    const draftOnly = await call("POST", "/v1/workflows", {
      key: a.key,
      body: { ...handler("Draft only"), publish: false },
    });
    const noLive = await download(a.key, `/v1/workflows/${draftOnly.body.id}/export?version=live`);
    expect(noLive.status).toBe(404);
    expect(noLive.json.error.code).toBe("not_found");
  });

  it("writes the same bytes however the definition's keys were ordered", async () => {
    const [x, y] = [await newTenant("Order X"), await newTenant("Order Y")];
    const reversed = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(reversed)
        : v && typeof v === "object"
          ? Object.fromEntries(
              Object.entries(v)
                .reverse()
                .map(([k, w]) => [k, reversed(w)]),
            )
          : v;
    await create(x, scheduled);
    await create(y, reversed(scheduled) as Json);
    const [ex, ey] = [
      await download(x.key, "/v1/workflows/export"),
      await download(y.key, "/v1/workflows/export"),
    ];
    expect(ex.status).toBe(200);
    expect(ey.text).toBe(ex.text);
  });

  it("answers another tenant's workflow like a missing one", async () => {
    const [a, b] = [await newTenant("Iso A"), await newTenant("Iso B")];
    const id = await create(a, handler());
    const theirs = await download(b.key, `/v1/workflows/${id}/export`);
    const missing = await download(b.key, "/v1/workflows/wf_doesnotexist0000/export");
    expect(theirs.status).toBe(404);
    expect({ ...theirs.json.error, requestId: 0 }).toEqual({ ...missing.json.error, requestId: 0 });
    expect((await download(b.key, "/v1/workflows/export")).json.workflows).toEqual([]);
  });
});

describe("round trip", () => {
  it("export → import in another tenant → export is byte-identical (workspace and workflow)", async () => {
    const a = await newTenant("Trip A");
    const b = await newTenant("Trip B");
    const ids = await populate(a);
    await credentials(b, { connections: ["erp"], secrets: ["erp_token"] });
    const fromA = await download(a.key, "/v1/workflows/export?versions=true");
    const imported = await importDoc(b, { document: fromA.json });
    expect(imported.status, JSON.stringify(imported.body)).toBe(201);
    expect(imported.body.workflow).toBeUndefined();
    expect(imported.body.workflows.map((w: Json) => [w.name, w.version])).toEqual([
      ["Big orders", 1],
      ["Monday stock check", 1],
      ["Push orders to the ERP", 1],
      ["Tell ops about failures", 1],
      ["Versioned", 3],
    ]);
    const fromB = await download(b.key, "/v1/workflows/export?versions=true");
    expect(fromB.text).toBe(fromA.text);

    // Drafts, never live; settings and references point at B's own workflows.
    const byName = new Map(
      (imported.body.workflows as Json[]).map((w) => [w.name as string, w.id as string]),
    );
    const orders = (await call("GET", `/v1/workflows/${byName.get("Big orders")}`, { key: b.key }))
      .body;
    expect(orders).toMatchObject({
      liveVersion: null,
      draftVersion: 1,
      enabled: true,
      onFailure: { workflowId: byName.get("Tell ops about failures") },
      alerts: { enabled: false, recipients: "default" },
      autoPause: { failures: 5, minutes: 10 },
    });
    expect(orders.definition.steps[0].config.link).toBe(
      `/workflows/${byName.get("Tell ops about failures")}`,
    );
    const versions = await call("GET", `/v1/workflows/${byName.get("Versioned")}/versions`, {
      key: b.key,
    });
    expect(versions.body.items.map((v: Json) => [v.version, v.live, v.draft])).toEqual([
      [3, false, true],
      [2, false, false],
      [1, false, false],
    ]);
    // The draft with problems is listed with them, like a draft saved so.
    const versioned = imported.body.workflows.find((w: Json) => w.name === "Versioned");
    expect(versioned.problems.map((p: Json) => p.path)).toEqual(["filter"]);

    // One workflow alone, into a third tenant: the same bytes again.
    const c = await newTenant("Trip C");
    const one = await download(a.key, `/v1/workflows/${ids.stock}/export?versions=true`);
    const single = await importDoc(c, { document: one.json });
    expect(single.status, JSON.stringify(single.body)).toBe(201);
    expect(single.body.workflow).toMatchObject({
      id: single.body.workflows[0].id,
      name: "Monday stock check",
      liveVersion: null,
      draftVersion: 1,
      problems: [],
    });
    const back = await download(
      c.key,
      `/v1/workflows/${single.body.workflows[0].id}/export?versions=true`,
    );
    expect(back.text).toBe(one.text);
  });
});

describe("a large workspace", () => {
  it("pages its reads within D1's limits and round-trips 120 workflows with their versions", async () => {
    const a = await newTenant("Large A");
    const b = await newTenant("Large B");
    const wf = (i: number, delay: string) => ({
      name: `Flow ${String(i).padStart(3, "0")}`,
      trigger: { event: `large.e${i}` },
      steps: [{ id: "wait", delay }],
    });
    for (let i = 0; i < 120; i++) {
      const id = await create(a, wf(i, "1m"));
      if (i % 3 === 0) await call("PUT", `/v1/workflows/${id}`, { key: a.key, body: wf(i, "2m") });
    }
    const fromA = await download(a.key, "/v1/workflows/export?versions=true");
    expect(fromA.status, fromA.text.slice(0, 300)).toBe(200);
    expect(fromA.json.workflows).toHaveLength(120);
    expect(fromA.json.workflows[3].versions).toHaveLength(2);
    const latest = await download(a.key, "/v1/workflows/export");
    expect(latest.json.workflows.map((w: Json) => w.definition.steps[0].delay)).toEqual(
      fromA.json.workflows.map((_: Json, i: number) => (i % 3 === 0 ? "2m" : "1m")),
    );
    const imported = await importDoc(b, { document: fromA.json });
    expect(imported.status, JSON.stringify(imported.body).slice(0, 300)).toBe(201);
    expect(imported.body.workflows).toHaveLength(120);
    expect((await download(b.key, "/v1/workflows/export?versions=true")).text).toBe(fromA.text);
    // More workflows than one import takes: 413, nothing written.
    const many = {
      ...fromA.json,
      workflows: Array.from({ length: 201 }, (_, i) => ({
        name: `Many ${i}`,
        definition: { ...fromA.json.workflows[0].definition, name: `Many ${i}` },
      })),
    };
    const refused = await importDoc(b, { document: many });
    expect(refused.status).toBe(413);
    expect(refused.body.error.message).toMatch(/at most 200/);
  }, 120_000);
});

describe("import", () => {
  it("renames on a clash, takes a given name, and audits each as created with imported: true", async () => {
    const a = await newTenant("Clash");
    const id = await create(a, handler("Orders"));
    const doc = (await download(a.key, `/v1/workflows/${id}/export`)).json;
    const first = await importDoc(a, { document: doc });
    const second = await importDoc(a, { document: doc });
    const named = await importDoc(a, { document: doc, name: "Orders EU" });
    expect([first, second, named].map((r) => r.status)).toEqual([201, 201, 201]);
    expect([first, second, named].map((r) => r.body.workflow.name)).toEqual([
      "Orders (imported)",
      "Orders (imported 2)",
      "Orders EU",
    ]);
    expect(named.body.workflow.definition.name).toBe("Orders EU");
    const audit = await call("GET", "/v1/audit?type=workflow.created", { key: a.key });
    const entry = audit.body.items.find((e: Json) => e.subject === named.body.workflow.id);
    expect(entry.details).toMatchObject({ imported: true, published: false, name: "Orders EU" });
    expect((await call("GET", "/v1/audit/verify", { key: a.key })).body.ok).toBe(true);
  });

  it("reports what it could not carry over as the workflow's problems", async () => {
    const a = await newTenant("Partial A");
    const b = await newTenant("Partial B");
    const ids = await populate(a);
    // Big orders alone: its handler is neither in the document nor in B.
    const doc = (await download(a.key, `/v1/workflows/${ids.orders}/export`)).json;
    const res = await importDoc(b, { document: doc });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    // The reference stays as written, so the draft lists the link's own problem too.
    expect(res.body.workflows[0].problems).toEqual([
      { path: "steps[0].config.link", message: expect.stringContaining("a path on this platform") },
      {
        path: "steps[0].config.link",
        message: expect.stringContaining("names the workflow 'Tell ops about failures'"),
      },
      {
        path: "settings.onFailure.workflow",
        message: expect.stringContaining("no workflow named 'Tell ops about failures'"),
      },
    ]);
    expect(res.body.workflow.onFailure).toBeNull();
    // With the handler already in B, by name: both resolve to it.
    const h = await create(b, handler());
    const again = await importDoc(b, { document: doc });
    expect(again.body.workflows[0].problems).toEqual([]);
    expect(again.body.workflow.onFailure).toEqual({ workflowId: h });
    expect(again.body.workflow.definition.steps[0].config.link).toBe(`/workflows/${h}`);
  });

  it("asks for what the workspace lacks, and maps it onto what it has", async () => {
    const a = await newTenant("Needs A");
    await credentials(a, { connections: ["erp"], secrets: ["erp_token"] });
    const id = await create(a, erp);
    const doc = (await download(a.key, `/v1/workflows/${id}/export`)).json;
    const m = await newTenant("Needs M");
    await credentials(m, { connections: ["erp_eu"], secrets: ["erp_prod"] });

    const lacking = await importDoc(m, { document: doc });
    expect(lacking.status).toBe(422);
    expect(lacking.body.error.code).toBe("missing_requirements");
    expect(lacking.body.error.missing).toEqual({ connections: ["erp"], secrets: ["erp_token"] });
    expect(lacking.body.error.details).toEqual([
      {
        path: "requires.connections[0]",
        message: expect.stringMatching(/no connection 'erp'.*map\.connections\.erp/),
      },
      {
        path: "requires.secrets[0]",
        message: expect.stringMatching(/no secret 'erp_token'.*map\.secrets\.erp_token/),
      },
    ]);
    // Mapped onto a name it does not have either: still missing, and said so.
    const wrong = await importDoc(m, {
      document: doc,
      map: { connections: { erp: "erp_eu" }, secrets: { erp_token: "erp_nope" } },
    });
    expect(wrong.status).toBe(422);
    expect(wrong.body.error.missing).toEqual({ connections: [], secrets: ["erp_token"] });
    expect(wrong.body.error.details[0].message).toMatch(/mapped to 'erp_nope'/);
    expect((await call("GET", "/v1/workflows", { key: m.key })).body.items).toEqual([]);

    const mapped = await importDoc(m, {
      document: doc,
      map: { connections: { erp: "erp_eu" }, secrets: { erp_token: "erp_prod" } },
    });
    expect(mapped.status, JSON.stringify(mapped.body)).toBe(201);
    expect(mapped.body.workflows[0].problems).toEqual([]);
    expect(mapped.body.workflow.definition.steps[0].config).toMatchObject({
      connection: "erp_eu",
      headers: { Authorization: "Bearer {{ secrets.erp_prod }}", "X-Order": "{{ order.id }}" },
    });
    const back = await download(m.key, `/v1/workflows/${mapped.body.workflow.id}/export`);
    expect(back.json.requires).toEqual({ connections: ["erp_eu"], secrets: ["erp_prod"] });
  });

  it("refuses bad documents with the paths of their problems, and writes nothing", async () => {
    const a = await newTenant("Bad docs");
    const id = await create(a, handler("Good"));
    const doc = (await download(a.key, `/v1/workflows/${id}/export?versions=true`)).json;
    const bad = async (document: unknown, extra: Json = {}) => importDoc(a, { document, ...extra });
    const cases: Array<[unknown, Json, number, string, string[]]> = [
      [[], {}, 400, "bad_request", [""]],
      [{ kind: "workflow" }, {}, 400, "bad_request", ["switchyard"]],
      [{ ...doc, switchyard: 2 }, {}, 422, "unsupported_version", ["switchyard"]],
      [{ ...doc, kind: "folder" }, {}, 400, "bad_request", ["kind"]],
      [{ ...doc, extra: 1 }, {}, 400, "bad_request", [""]],
      [
        { ...doc, workflow: { ...doc.workflow, name: "Other" } },
        {},
        400,
        "bad_request",
        ["workflow.name"],
      ],
      [
        {
          ...doc,
          workflow: {
            ...doc.workflow,
            versions: [{ ...doc.workflow.versions[0], version: 2 }, doc.workflow.versions[0]],
          },
        },
        {},
        400,
        "bad_request",
        ["workflow.versions[1].version"],
      ],
      [
        {
          ...doc,
          workflow: { ...doc.workflow, definition: { ...doc.workflow.definition, steps: "x" } },
        },
        {},
        422,
        "invalid_definition",
        ["workflow.definition.steps"],
      ],
      [
        { ...doc, requires: { connections: ["erp"], secrets: [] } },
        {},
        400,
        "bad_request",
        ["requires.connections"],
      ],
      [doc, { map: { secrets: { nope: "other" } } }, 400, "bad_request", ["map.secrets.nope"]],
      [
        { switchyard: 1, kind: "workspace", workflows: [doc.workflow], requires: doc.requires },
        { name: "One name" },
        400,
        "bad_request",
        ["name"],
      ],
    ];
    for (const [document, extra, status, code, paths] of cases) {
      const res = await bad(document, extra);
      const what = JSON.stringify(document).slice(0, 120);
      expect(res.status, `${what} ${JSON.stringify(res.body)}`).toBe(status);
      expect(res.body.error.code, what).toBe(code);
      expect(
        res.body.error.details.map((d: Json) => d.path),
        what,
      ).toEqual(paths);
    }
    const notJson = await call("POST", "/v1/workflows/import", {
      key: a.key,
      raw: "{",
      headers: { "content-type": "application/json" },
    });
    expect(notJson.status).toBe(400);
    const list = await call("GET", "/v1/workflows", { key: a.key });
    expect(list.body.items.map((w: Json) => w.name)).toEqual(["Good"]);
  });

  it("lets a viewer export but not import", async () => {
    const a = await newTenant("Roles");
    const id = await create(a, handler());
    const email = `viewer-${crypto.randomUUID().slice(0, 8)}@example.com`;
    await addMember(a.key, email, "viewer", { password: "viewer-password-1" });
    const s = await login(email, "viewer-password-1");
    const as = { cookie: s.cookie, headers: { "x-csrf-token": s.csrf } };
    const exported = await call("GET", `/v1/workflows/${id}/export`, as);
    expect(exported.status).toBe(200);
    expect((await call("GET", "/v1/workflows/export", as)).status).toBe(200);
    const refused = await call("POST", "/v1/workflows/import", {
      ...as,
      body: { document: exported.body },
    });
    expect(refused.status).toBe(403);
    const readKey = await call("POST", "/v1/api-keys", {
      key: a.key,
      body: { name: "reader", scopes: ["read"] },
    });
    const byKey = await call("POST", "/v1/workflows/import", {
      key: readKey.body.key,
      body: { document: exported.body },
    });
    expect(byKey.status).toBe(403);
    expect((await call("GET", "/v1/workflows", { key: a.key })).body.items).toHaveLength(1);
  });
});

function sortDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortDeep);
  if (v && typeof v === "object") {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortDeep((v as Json)[k])]),
    );
  }
  return v;
}
