import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { TenantStore } from "../src/durable-objects/tenant-store.ts";
import { storeFor } from "../src/store/client.ts";
import { addMember, call, eventually, type Json, login, newTenant, storeSql } from "./helpers.ts";

// Secrets (issue 17, item 1): the API, its roles and audit, where a secret
// is used, the run path (filled in at send time, masked after), and the
// envelope key's rotations. The full leak check over a real `wrangler dev`
// is tests/security/secret-leak.test.ts.

async function member(ownerKey: string, role: "viewer" | "editor" | "admin") {
  const email = `${role}-${crypto.randomUUID().slice(0, 8)}@example.com`;
  const password = `${role}-password-123`;
  await addMember(ownerKey, email, role, { password });
  const s = await login(email, password);
  return { cookie: s.cookie, headers: { "x-csrf-token": s.csrf } };
}

const VALUE = `tok-${crypto.randomUUID()}`;

/** A workflow whose webhook carries the secret in a header and in its body. */
const erpWorkflow = (name = "ERP sync", secret = "erp_token") => ({
  name,
  trigger: { event: "order.created" },
  steps: [
    {
      id: "push",
      action: "call_webhook",
      retry: { attempts: 1 },
      config: {
        url: "https://erp.example.com/orders",
        headers: { Authorization: `Bearer {{ secrets.${secret} }}` },
        body: { order: "{{ order.id }}", token: `{{ secrets.${secret} }}` },
      },
    },
  ],
});

interface Seen {
  headers: Record<string, string>;
  body: string;
}

/** The receiver echoes the request back (headers and body); `fail` makes it a 400 echoing it. */
const receiver = { seen: [] as Seen[], fail: false };

beforeEach(() => {
  receiver.seen = [];
  receiver.fail = false;
  vi.stubGlobal("fetch", async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    const seen = { headers: Object.fromEntries(req.headers), body: await req.text() };
    receiver.seen.push(seen);
    return new Response(JSON.stringify({ echo: seen }), {
      status: receiver.fail ? 400 : 200,
      headers: { "content-type": "application/json" },
    });
  });
});

afterEach(() => {
  vi.unstubAllGlobals();
});

async function finishedRun(key: string, eventId: string): Promise<Json> {
  const ev = await eventually(
    () => call("GET", `/v1/events/${eventId}`, { key }),
    (r) => (r.body.runs ?? []).length > 0,
  );
  const runId = ev.body.runs[0].id as string;
  return (
    await eventually(
      () => call("GET", `/v1/runs/${runId}`, { key }),
      (r) => ["succeeded", "failed"].includes(r.body.status),
    )
  ).body;
}

describe("the secrets API", () => {
  it("creates (201), replaces (200), lists and reads a secret, never answering its value", async () => {
    const t = await newTenant();
    const created = await call("PUT", "/v1/secrets/erp_token", {
      key: t.key,
      body: { value: VALUE },
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      name: "erp_token",
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      updatedBy: expect.any(String),
      usedBy: [],
    });
    const replaced = await call("PUT", "/v1/secrets/erp_token", {
      key: t.key,
      body: { value: `${VALUE}-2` },
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body.createdAt).toBe(created.body.createdAt);
    const list = await call("GET", "/v1/secrets", { key: t.key });
    expect(list.status).toBe(200);
    expect(list.body.items.map((s: Json) => s.name)).toEqual(["erp_token"]);
    expect((await call("GET", "/v1/secrets/erp_token", { key: t.key })).body.name).toBe(
      "erp_token",
    );
    for (const answer of [created, replaced, list]) {
      expect(JSON.stringify(answer.body)).not.toContain(VALUE);
    }
    // Sealed in the store: the value is nowhere in its row.
    const rows = await storeSql(t.tenantId, "SELECT * FROM secrets");
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(VALUE);
    expect(rows[0]!.sealed).toMatch(/^s1\.1\./);
    const keys = await storeSql(t.tenantId, "SELECT * FROM tenant_keys");
    expect(keys).toEqual([expect.objectContaining({ version: 1, retired_at: null })]);
  });

  it("lets viewers read names, and only admins change secrets", async () => {
    const t = await newTenant();
    await call("PUT", "/v1/secrets/k1", { key: t.key, body: { value: VALUE } });
    const viewer = await member(t.key, "viewer");
    const editor = await member(t.key, "editor");
    const readKey = (
      await call("POST", "/v1/api-keys", {
        key: t.key,
        body: { name: "r", scopes: ["read", "write"] },
      })
    ).body.key as string;
    expect((await call("GET", "/v1/secrets", viewer)).status).toBe(200);
    expect((await call("GET", "/v1/secrets/k1", viewer)).status).toBe(200);
    for (const who of [viewer, editor, { key: readKey }]) {
      expect(
        (await call("PUT", "/v1/secrets/k2", { ...who, body: { value: "abcdef" } })).status,
      ).toBe(403);
      expect((await call("DELETE", "/v1/secrets/k1", who)).status).toBe(403);
      expect((await call("POST", "/v1/secrets/rotate-key", who)).status).toBe(403);
    }
    const admin = await member(t.key, "admin");
    expect(
      (await call("PUT", "/v1/secrets/k2", { ...admin, body: { value: "abcdef" } })).status,
    ).toBe(201);
    // Another tenant's secret is as missing as one that never was.
    const other = await newTenant();
    expect((await call("GET", "/v1/secrets/k1", { key: other.key })).status).toBe(404);
    expect((await call("GET", "/v1/secrets", { key: other.key })).body.items).toEqual([]);
  });

  it("answers bad input with a 4xx that says what is wrong", async () => {
    const t = await newTenant();
    const put = (path: string, body: unknown) => call("PUT", path, { key: t.key, body });
    const bad: Array<[Promise<{ status: number; body: Json }>, number]> = [
      [put("/v1/secrets/9lives", { value: "abcd" }), 400],
      [put("/v1/secrets/has-dash", { value: "abcd" }), 400],
      [put(`/v1/secrets/${"a".repeat(65)}`, { value: "abcd" }), 400],
      [put("/v1/secrets/ok", { value: "" }), 400],
      [put("/v1/secrets/ok", { value: "x".repeat(16_385) }), 400],
      [put("/v1/secrets/ok", {}), 400],
      [put("/v1/secrets/ok", { value: 12 }), 400],
      [put("/v1/secrets/ok", { value: "abcd", extra: 1 }), 400],
      [
        call("PUT", "/v1/secrets/ok", {
          key: t.key,
          raw: "value=abcd",
          headers: { "content-type": "text/plain" },
        }),
        415,
      ],
      [call("GET", "/v1/secrets/nope", { key: t.key }), 404],
      [call("DELETE", "/v1/secrets/nope", { key: t.key }), 404],
      [call("DELETE", "/v1/secrets/ok?force=maybe", { key: t.key }), 400],
    ];
    for (const [answer, status] of bad) {
      const r = await answer;
      expect(r.status, JSON.stringify(r.body)).toBe(status);
      expect(r.body.error.code).toEqual(expect.any(String));
    }
    expect((await put("/v1/secrets/ok", { value: "x".repeat(16_384) })).status).toBe(201);
    expect((await call("GET", "/v1/secrets", { key: t.key })).body.items).toHaveLength(1);
  });

  it("audits each change with the name only", async () => {
    const t = await newTenant();
    await call("PUT", "/v1/secrets/erp_token", { key: t.key, body: { value: VALUE } });
    await call("PUT", "/v1/secrets/erp_token", { key: t.key, body: { value: `${VALUE}-2` } });
    expect((await call("POST", "/v1/secrets/rotate-key", { key: t.key })).status).toBe(200);
    expect((await call("DELETE", "/v1/secrets/erp_token", { key: t.key })).status).toBe(204);
    const log = await call("GET", "/v1/audit?limit=200", { key: t.key });
    const ours = (log.body.items as Json[]).filter((e) => String(e.type).startsWith("secret."));
    expect(ours.map((e) => e.type).reverse()).toEqual([
      "secret.created",
      "secret.updated",
      "secret.key_rotated",
      "secret.deleted",
    ]);
    expect(ours.find((e) => e.type === "secret.created")).toMatchObject({
      subject: "erp_token",
      details: { name: "erp_token" },
      actor: { type: "api_key" },
    });
    expect(JSON.stringify(log.body)).not.toContain(VALUE);
    expect((await call("GET", "/v1/audit/verify", { key: t.key })).body.ok).toBe(true);
  });
});

describe("where secrets are used", () => {
  it("lists the workflows that read a secret, live or only in a draft", async () => {
    const t = await newTenant();
    await call("PUT", "/v1/secrets/erp_token", { key: t.key, body: { value: VALUE } });
    await call("PUT", "/v1/secrets/draft_only", { key: t.key, body: { value: VALUE } });
    const live = await call("POST", "/v1/workflows", { key: t.key, body: erpWorkflow() });
    expect(live.status).toBe(201);
    const draft = await call("POST", "/v1/workflows", {
      key: t.key,
      body: { ...erpWorkflow("Draft", "draft_only"), publish: false },
    });
    expect(draft.status).toBe(201);
    const list = (await call("GET", "/v1/secrets", { key: t.key })).body.items as Json[];
    expect(list).toEqual([
      expect.objectContaining({
        name: "draft_only",
        usedBy: [{ workflowId: draft.body.id, name: "Draft", live: false }],
      }),
      expect.objectContaining({
        name: "erp_token",
        usedBy: [{ workflowId: live.body.id, name: "ERP sync", live: true }],
      }),
    ]);
  });

  it("refuses to delete a secret live workflows use (409 in_use naming them) unless forced", async () => {
    const t = await newTenant();
    await call("PUT", "/v1/secrets/erp_token", { key: t.key, body: { value: VALUE } });
    const wf = await call("POST", "/v1/workflows", { key: t.key, body: erpWorkflow() });
    const refused = await call("DELETE", "/v1/secrets/erp_token", { key: t.key });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("in_use");
    expect(refused.body.error.message).toContain("ERP sync");
    expect(refused.body.error.details.usedBy).toEqual([
      { workflowId: wf.body.id, name: "ERP sync", live: true },
    ]);
    expect((await call("DELETE", "/v1/secrets/erp_token?force=true", { key: t.key })).status).toBe(
      204,
    );
    expect((await call("GET", "/v1/secrets/erp_token", { key: t.key })).status).toBe(404);
  });

  it("names a missing secret at its field: a draft saves with the problem, publishing is 422", async () => {
    const t = await newTenant();
    const live = await call("POST", "/v1/workflows", { key: t.key, body: erpWorkflow() });
    expect(live.status).toBe(422);
    expect(live.body.error.details).toContainEqual(
      expect.objectContaining({
        path: "steps[0].config.headers.Authorization",
        message: "secret 'erp_token' does not exist: add it in Settings → Secrets",
        position: expect.objectContaining({ offset: 10 }),
      }),
    );
    const draft = await call("POST", "/v1/workflows", {
      key: t.key,
      body: { ...erpWorkflow(), publish: false },
    });
    expect(draft.status).toBe(201);
    expect(draft.body.problems.map((p: Json) => p.path).sort()).toEqual([
      "steps[0].config.body.token",
      "steps[0].config.headers.Authorization",
    ]);
    const publish = await call("POST", `/v1/workflows/${draft.body.id}/publish`, {
      key: t.key,
      body: { version: 1 },
    });
    expect(publish.status).toBe(422);
    await call("PUT", "/v1/secrets/erp_token", { key: t.key, body: { value: VALUE } });
    expect(
      (await call("GET", `/v1/workflows/${draft.body.id}`, { key: t.key })).body.problems,
    ).toEqual([]);
    expect(
      (
        await call("POST", `/v1/workflows/${draft.body.id}/publish`, {
          key: t.key,
          body: { version: 1 },
        })
      ).status,
    ).toBe(200);
  });

  it("refuses secrets outside an action's fields", async () => {
    const t = await newTenant();
    const res = await call("POST", "/v1/workflows", {
      key: t.key,
      body: { ...erpWorkflow(), filter: "secrets.erp_token == 'x'" },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.details).toContainEqual(
      expect.objectContaining({
        path: "filter",
        message: "secrets can only be used in an action's fields, as {{ secrets.name }}",
      }),
    );
  });
});

describe("a run that uses a secret", () => {
  it("sends the real value, keeps only the placeholder, and masks the value in what comes back", async () => {
    const t = await newTenant();
    await call("PUT", "/v1/secrets/erp_token", { key: t.key, body: { value: VALUE } });
    await call("POST", "/v1/workflows", { key: t.key, body: erpWorkflow() });
    const ev = await call("POST", "/v1/events", {
      key: t.key,
      body: { type: "order.created", data: { id: "o1" } },
    });
    const run = await finishedRun(t.key, ev.body.id);
    expect(run.status).toBe("succeeded");
    // The receiver got the real value.
    expect(receiver.seen).toHaveLength(1);
    expect(receiver.seen[0]!.headers.authorization).toBe(`Bearer ${VALUE}`);
    expect(JSON.parse(receiver.seen[0]!.body)).toEqual({ order: "o1", token: VALUE });
    // The run keeps the placeholder as input, and the echo comes back masked.
    const step = run.steps.find((s: Json) => s.id === "push");
    expect(step.input.headers.Authorization).toBe("Bearer {{ secrets.erp_token }}");
    expect(step.output.body.echo.headers.authorization).toBe("Bearer [secret erp_token]");
    expect(JSON.stringify(run)).not.toContain(VALUE);
    // Nor does the run's own storage hold it.
    const stored = await runInDurableObject(
      env.RUNS.get(env.RUNS.idFromName(run.id)),
      (_i, state) =>
        JSON.stringify(state.storage.sql.exec("SELECT * FROM run_steps").toArray()) +
        JSON.stringify(state.storage.sql.exec("SELECT * FROM run_dispatch").toArray()),
    ).catch(() => "");
    expect(stored).not.toContain(VALUE);
  });

  it("masks the value in an error message too", async () => {
    const t = await newTenant();
    await call("PUT", "/v1/secrets/erp_token", { key: t.key, body: { value: VALUE } });
    await call("POST", "/v1/workflows", { key: t.key, body: erpWorkflow() });
    receiver.fail = true;
    const ev = await call("POST", "/v1/events", {
      key: t.key,
      body: { type: "order.created", data: { id: "o2" } },
    });
    const run = await finishedRun(t.key, ev.body.id);
    expect(run.status).toBe("failed");
    const step = run.steps.find((s: Json) => s.id === "push");
    expect(step.error.message).toContain("[secret erp_token]");
    expect(JSON.stringify(run)).not.toContain(VALUE);
  });

  it("fails with secret_missing when the secret is gone, and a retry after adding it works", async () => {
    const t = await newTenant();
    await call("PUT", "/v1/secrets/erp_token", { key: t.key, body: { value: VALUE } });
    await call("POST", "/v1/workflows", { key: t.key, body: erpWorkflow() });
    await call("DELETE", "/v1/secrets/erp_token?force=true", { key: t.key });
    const ev = await call("POST", "/v1/events", {
      key: t.key,
      body: { type: "order.created", data: { id: "o3" } },
    });
    const run = await finishedRun(t.key, ev.body.id);
    expect(run.status).toBe("failed");
    const step = run.steps.find((s: Json) => s.id === "push");
    expect(step.error.code).toBe("secret_missing");
    expect(step.error.message).toContain("'erp_token'");
    expect(step.error.message).toContain("Settings → Secrets");
    expect(step.attempts).toBe(1);
    expect(receiver.seen).toEqual([]);
    await call("PUT", "/v1/secrets/erp_token", { key: t.key, body: { value: VALUE } });
    expect((await call("POST", `/v1/runs/${run.id}/retry`, { key: t.key, body: {} })).status).toBe(
      202,
    );
    const again = await eventually(
      () => call("GET", `/v1/runs/${run.id}`, { key: t.key }),
      (r) => r.body.status === "succeeded",
    );
    expect(again.body.status).toBe("succeeded");
    expect(receiver.seen[0]!.headers.authorization).toBe(`Bearer ${VALUE}`);
  });
});

describe("the envelope key", () => {
  /** The store's values for these names, as the consumer reads them. */
  const valuesOf = (tenantId: string, names: string[]) =>
    runInDurableObject(storeFor(env, tenantId), async (instance) =>
      (instance as unknown as TenantStore).secretValues(tenantId, names),
    );

  it("rotates the data key: a new version, every secret re-sealed, values unchanged", async () => {
    const t = await newTenant();
    await call("PUT", "/v1/secrets/a_one", { key: t.key, body: { value: `${VALUE}-a` } });
    await call("PUT", "/v1/secrets/b_two", { key: t.key, body: { value: `${VALUE}-b` } });
    // A connection's credentials are sealed with the same key, and re-sealed with the secrets.
    const connection = await call("POST", "/v1/connections", {
      key: t.key,
      body: {
        name: "erp",
        baseUrl: "https://erp.example.com",
        auth: { type: "bearer", token: VALUE },
      },
    });
    expect(connection.status).toBe(201);
    const before = await storeSql(t.tenantId, "SELECT name, sealed FROM secrets ORDER BY name");
    const rotated = await call("POST", "/v1/secrets/rotate-key", { key: t.key });
    expect(rotated.status).toBe(200);
    expect(rotated.body).toEqual({ version: 2, resealed: 3 });
    const [conn] = await storeSql(t.tenantId, "SELECT sealed FROM connections");
    expect(conn!.sealed).toMatch(/^s1\.2\./);
    const after = await storeSql(
      t.tenantId,
      "SELECT name, sealed, key_version FROM secrets ORDER BY name",
    );
    expect(after.map((r) => r.key_version)).toEqual([2, 2]);
    expect(after.map((r) => r.sealed)).not.toEqual(before.map((r) => r.sealed));
    const keys = await storeSql(
      t.tenantId,
      "SELECT version, retired_at FROM tenant_keys ORDER BY version",
    );
    expect(keys).toEqual([
      { version: 1, retired_at: expect.any(String) },
      { version: 2, retired_at: null },
    ]);
    expect((await valuesOf(t.tenantId, ["a_one", "b_two"])).values).toEqual([
      ["a_one", `${VALUE}-a`],
      ["b_two", `${VALUE}-b`],
    ]);
    // New secrets are sealed under the new version.
    await call("PUT", "/v1/secrets/c_three", { key: t.key, body: { value: VALUE } });
    expect(
      (await storeSql(t.tenantId, "SELECT sealed FROM secrets WHERE name = 'c_three'"))[0]!.sealed,
    ).toMatch(/^s1\.2\./);
  });

  it("survives a master-key rotation with the previous key set, re-wrapping on use", async () => {
    const t = await newTenant();
    await call("PUT", "/v1/secrets/erp_token", { key: t.key, body: { value: VALUE } });
    const wrappedBefore = (await storeSql(t.tenantId, "SELECT wrapped FROM tenant_keys"))[0]!
      .wrapped;
    const stub = storeFor(env, t.tenantId);
    const withKeys = (current: string, previous?: string) =>
      runInDurableObject(stub, async (instance) => {
        const i = instance as unknown as { env: Cloudflare.Env };
        i.env = {
          ...i.env,
          SWITCHYARD_ENCRYPTION_KEY: current,
          SWITCHYARD_ENCRYPTION_KEY_PREVIOUS: previous,
        } as Cloudflare.Env;
        // A fresh vault (no key unwrapped yet), as after a deploy with the new keys.
        (instance as unknown as { vaultOfStore: unknown }).vaultOfStore = null;
        return (instance as unknown as TenantStore).secretValues(t.tenantId, ["erp_token"]);
      });
    // The new master key alone does not open what the old one wrapped…
    await expect(withKeys("new-master-key")).rejects.toThrow(/SWITCHYARD_ENCRYPTION_KEY_PREVIOUS/);
    // …with the previous one set it does, and re-wraps the data key under the new one.
    expect((await withKeys("new-master-key", "test-encryption-key")).values).toEqual([
      ["erp_token", VALUE],
    ]);
    const wrappedAfter = (await storeSql(t.tenantId, "SELECT wrapped FROM tenant_keys"))[0]!
      .wrapped;
    expect(wrappedAfter).not.toBe(wrappedBefore);
    // From then on the new key alone is enough; the old one alone no longer is.
    expect((await withKeys("new-master-key")).values).toEqual([["erp_token", VALUE]]);
    await expect(withKeys("test-encryption-key")).rejects.toThrow();
    await withKeys("test-encryption-key", "new-master-key"); // put it back for nobody else's sake
  });
});
