import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, newTenant } from "./helpers.ts";

describe("HTTP foundation", () => {
  it("answers health without auth, with a request id", async () => {
    const res = await call("GET", "/v1/health");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true });
    expect(res.headers.get("x-request-id")).toMatch(/.+/);
  });

  it("serves the OpenAPI 3.1 document and a readable reference", async () => {
    const doc = await call("GET", "/v1/openapi.json");
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe("3.1.0");
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        "/v1/health",
        "/v1/tenants",
        "/v1/workflows",
        "/v1/workflows/{id}/versions/{n}",
        "/v1/audit/verify",
        // Issue 17: secrets, connections, export/import, templates.
        "/v1/secrets",
        "/v1/secrets/{name}",
        "/v1/secrets/rotate-key",
        "/v1/connections",
        "/v1/connections/{name}",
        "/v1/workflows/{id}/export",
        "/v1/workflows/export",
        "/v1/workflows/import",
        "/v1/templates",
        "/v1/templates/{id}",
        "/v1/templates/{id}/use",
      ]),
    );
    const page = await call("GET", "/docs");
    expect(page.status).toBe(200);
    expect(page.body.text).toContain("/v1/workflows");
    expect(page.headers.get("content-security-policy")).toContain("default-src 'none'");
  });

  it("answers unknown routes 404 and wrong methods 405, in the error shape", async () => {
    const missing = await call("GET", "/v1/nope");
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("not_found");
    const wrong = await call("DELETE", "/v1/health");
    expect(wrong.status).toBe(405);
    expect(wrong.body.error.code).toBe("method_not_allowed");
    expect(wrong.headers.get("allow")).toContain("GET");
  });

  it("answers malformed JSON 400 with the parse error", async () => {
    const { key } = await newTenant();
    const res = await call("POST", "/v1/workflows", {
      key,
      raw: '{"name": ',
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_json");
    expect(res.body.error.message).toMatch(/Malformed JSON: .+/);
  });

  it("answers JSON nested deeper than 64 levels 400", async () => {
    const { key } = await newTenant();
    const deep = `${"[".repeat(10_000)}${"]".repeat(10_000)}`;
    const res = await call("POST", "/v1/workflows", {
      key,
      raw: deep,
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain("64");
  });

  it("answers non-JSON bodies 415", async () => {
    const { key } = await newTenant();
    const res = await call("POST", "/v1/workflows", {
      key,
      raw: "name=x",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe("unsupported_media_type");
  });

  it("answers bodies over 256 KiB 413, streamed or with a length", async () => {
    const { key } = await newTenant();
    const big = JSON.stringify({ name: "x".repeat(300 * 1024) });
    const res = await call("POST", "/v1/workflows", {
      key,
      raw: big,
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe("payload_too_large");
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 40; i++)
          controller.enqueue(new TextEncoder().encode("x".repeat(10_000)));
        controller.close();
      },
    });
    const streamed = await call("POST", "/v1/workflows", {
      key,
      raw: stream,
      headers: { "content-type": "application/json" },
    });
    expect(streamed.status).toBe(413);
  });

  it("answers invalid shapes 400 with each problem's path", async () => {
    const res = await call("POST", "/v1/tenants", {
      key: "test-platform-token",
      body: { name: "", admin: { email: "not-an-email", password: "short" } },
    });
    expect(res.status).toBe(400);
    const paths = res.body.error.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(expect.arrayContaining(["name", "admin.email", "admin.password"]));
  });
});

describe("bindings", () => {
  it("binds the WorkflowRun Durable Object with SQLite storage", async () => {
    const stub = env.RUNS.get(env.RUNS.idFromName("binding-test"));
    expect(await stub.ping()).toEqual({ ok: true, storage: "sqlite" });
    const store = env.STORES.get(env.STORES.idFromName("binding-test"));
    expect(await store.ping()).toEqual({ ok: true, storage: "sqlite" });
  });

  it("binds both action queues as producers", async () => {
    await env.ACTIONS.send({ runId: "r", stepId: "s", attempt: 1 });
    await env.ACTIONS_BULK.send({ runId: "r", stepId: "s", attempt: 1 });
  });

  it("binds D1 with the migrations applied", async () => {
    const tables = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all<{
      name: string;
    }>();
    expect(tables.results.map((t) => t.name)).toEqual(
      expect.arrayContaining([
        "tenants",
        "users",
        "memberships",
        "api_keys",
        "workflows",
        "workflow_versions",
        "audit_log",
      ]),
    );
    // The data plane is not in D1: it lives in each tenant's store.
    const names = tables.results.map((t) => t.name);
    for (const moved of ["events", "runs", "run_steps", "records", "outbox", "tasks", "effects"])
      expect(names).not.toContain(moved);
  });
});
