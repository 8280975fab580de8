import { env } from "cloudflare:workers";
import type { RunState } from "@switchyard/engine";
import { afterEach, describe, expect, it, vi } from "vitest";
import { connectionRequest } from "../src/executors/connection-fetch.ts";
import { runAction } from "../src/queues/action-consumer.ts";
import { stepViews } from "../src/store/runs.ts";
import { attempt, call, execute, newTenant, quietRun, storeSql } from "./helpers.ts";

// /v1/connections and the calls made through a connection. The executors
// run in this isolate, so a stubbed global fetch plays the target and the
// token endpoint; tests/edges/connections.test.ts does the same over real
// HTTP, rate limits across runs included.

const TOKEN = "tok-bearer-5f1d2c9a";
const PASSWORD = "pw-basic-8e7d6c5b";
const API_KEY = "key-live-3a4b5c6d";
const CLIENT_SECRET = "cs-oauth-9a8b7c6d";

interface Seen {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string;
}

type Answer = Response | ((req: Seen) => Response);

/** Stubs fetch: each request is recorded and answered by `answer`. */
function stubFetch(answer: Answer): Seen[] {
  const seen: Seen[] = [];
  vi.stubGlobal("fetch", async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    const s: Seen = {
      url: req.url,
      method: req.method,
      headers: Object.fromEntries(req.headers),
      body: await req.text(),
    };
    seen.push(s);
    return typeof answer === "function" ? answer(s) : answer.clone();
  });
  return seen;
}

const json = (value: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(value), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });

const create = (key: string, body: unknown) => call("POST", "/v1/connections", { key, body });

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("/v1/connections", () => {
  it("creates, lists, reads: credentials are write-only and sealed at rest", async () => {
    const t = await newTenant();
    const made = await create(t.key, {
      name: "erp",
      description: "Our ERP",
      baseUrl: "https://erp.example.com/api/v2",
      auth: { type: "bearer", token: TOKEN },
      headers: { accept: "application/json" },
      rateLimit: { limit: 60, period: "1m" },
    });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({
      name: "erp",
      description: "Our ERP",
      baseUrl: "https://erp.example.com/api/v2",
      auth: { type: "bearer" },
      credentialsSet: true,
      headers: { accept: "application/json" },
      rateLimit: { limit: 60, period: "1m" },
      health: { status: "unused", lastSuccessAt: null, lastFailureAt: null, lastError: null },
      usedBy: [],
    });
    await create(t.key, {
      name: "billing",
      baseUrl: "https://billing.example.com",
      auth: { type: "basic", username: "switchyard", password: PASSWORD },
    });
    const list = await call("GET", "/v1/connections", { key: t.key });
    expect(list.body.items.map((c: { name: string }) => c.name)).toEqual(["billing", "erp"]);
    expect(list.body.items[0].auth).toEqual({ type: "basic", username: "switchyard" });
    const got = await call("GET", "/v1/connections/erp", { key: t.key });
    expect(got.body).toEqual(made.body);
    for (const answer of [made, list, got]) {
      expect(JSON.stringify(answer.body)).not.toContain(TOKEN);
      expect(JSON.stringify(answer.body)).not.toContain(PASSWORD);
    }
    const rows = await storeSql(t.tenantId, "SELECT * FROM connections");
    expect(JSON.stringify(rows)).not.toContain(TOKEN);
    expect(JSON.stringify(rows)).not.toContain(PASSWORD);
    expect(rows.find((r) => r.name === "erp")?.sealed).toMatch(/^s1\./);
    expect((await call("GET", "/v1/connections/nope", { key: t.key })).status).toBe(404);
  });

  it("refuses a taken name (409) and bad input with its path (400)", async () => {
    const t = await newTenant();
    const ok = { name: "crm", baseUrl: "https://crm.example.com", auth: { type: "none" } };
    expect((await create(t.key, ok)).status).toBe(201);
    const again = await create(t.key, ok);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("conflict");
    const bad = async (body: unknown) => {
      const res = await create(t.key, { ...ok, name: "other", ...(body as object) });
      expect(res.status).toBe(400);
      return res.body.error.details.map((d: { path: string }) => d.path);
    };
    expect(await bad({ name: "Not OK" })).toEqual(["name"]);
    expect(await bad({ baseUrl: "ftp://crm.example.com" })).toEqual(["baseUrl"]);
    expect(await bad({ baseUrl: "https://crm.example.com/x?key=1" })).toEqual(["baseUrl"]);
    expect(await bad({ baseUrl: "https://user:pw@crm.example.com" })).toEqual(["baseUrl"]);
    expect(await bad({ baseUrl: "\u0000" })).toEqual(["baseUrl"]);
    expect(await bad({ baseUrl: "https://\ud800.example" })).toEqual(["baseUrl"]);
    expect(await bad({ auth: { type: "bearer" } })).toEqual(["auth.token"]);
    expect(await bad({ auth: { type: "api_key", in: "cookie", name: "k", value: "v" } })).toEqual([
      "auth.in",
    ]);
    expect(await bad({ headers: { Authorization: "Bearer x" } })).toEqual([
      "headers.Authorization",
    ]);
    expect(await bad({ rateLimit: { limit: 0, period: "1m" } })).toEqual(["rateLimit.limit"]);
    expect(await bad({ rateLimit: { limit: 5, period: "2d" } })).toEqual(["rateLimit.period"]);
  });

  it("PUT changes what it names and keeps the rest, credentials included", async () => {
    const t = await newTenant();
    await create(t.key, {
      name: "erp",
      baseUrl: "https://erp.example.com",
      auth: { type: "basic", username: "sy", password: PASSWORD },
    });
    const put = (body: unknown) => call("PUT", "/v1/connections/erp", { key: t.key, body });
    const renamed = await put({ description: "ERP", auth: { username: "sy2" } });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({
      description: "ERP",
      auth: { type: "basic", username: "sy2" },
      credentialsSet: true,
    });
    // The password was kept: it still reaches the target.
    const seen = stubFetch(json({ ok: true }));
    const res = await connectionRequest(attempt(t.tenantId), "erp", { method: "GET", url: "/x" });
    expect(res).toBeInstanceOf(Response);
    expect(seen[0]?.headers.authorization).toBe(`Basic ${btoa(`sy2:${PASSWORD}`)}`);
    // A new kind needs its credentials; its old fields are not carried over.
    const noToken = await put({ auth: { type: "bearer" } });
    expect(noToken.status).toBe(400);
    expect(noToken.body.error.details).toEqual([{ path: "auth.token", message: "required" }]);
    const stray = await put({ auth: { type: "bearer", token: TOKEN, username: "x" } });
    expect(stray.status).toBe(400);
    const bearer = await put({ auth: { type: "bearer", token: TOKEN }, rateLimit: null });
    expect(bearer.status).toBe(200);
    expect(bearer.body.auth).toEqual({ type: "bearer" });
    expect(JSON.stringify(bearer.body)).not.toContain(TOKEN);
    const sealed = await storeSql(t.tenantId, "SELECT sealed FROM connections");
    expect(JSON.stringify(sealed)).not.toContain(PASSWORD);
    expect((await call("PUT", "/v1/connections/nope", { key: t.key, body: {} })).status).toBe(404);
  });

  it("is read by viewers and changed by admins only", async () => {
    const t = await newTenant();
    const key = async (scopes: string[]) =>
      (await call("POST", "/v1/api-keys", { key: t.key, body: { name: "k", scopes } })).body
        .key as string;
    const read = await key(["read"]);
    const write = await key(["write"]);
    const body = { name: "erp", baseUrl: "https://erp.example.com", auth: { type: "none" } };
    expect((await create(read, body)).status).toBe(403);
    expect((await create(write, body)).status).toBe(403);
    expect((await create(t.key, body)).status).toBe(201);
    expect((await call("GET", "/v1/connections", { key: read })).status).toBe(200);
    expect((await call("GET", "/v1/connections/erp", { key: read })).status).toBe(200);
    expect((await call("PUT", "/v1/connections/erp", { key: write, body: {} })).status).toBe(403);
    expect((await call("DELETE", "/v1/connections/erp", { key: write })).status).toBe(403);
    // Another tenant's connection reads as missing.
    const other = await newTenant();
    expect((await call("GET", "/v1/connections/erp", { key: other.key })).status).toBe(404);
  });

  it("shows the workflows that use it, refuses to delete it while live ones do, and audits without values", async () => {
    const t = await newTenant();
    await create(t.key, {
      name: "erp",
      baseUrl: "https://erp.example.com",
      auth: { type: "bearer", token: TOKEN },
    });
    const step = (connection: string) => ({
      id: "push",
      action: "http_request",
      config: { connection, url: "/orders", method: "POST", body: { id: "{{ order.id }}" } },
    });
    const def = (name: string, connection: string) => ({
      name,
      trigger: { event: "order.created" },
      steps: [step(connection)],
    });
    const live = await call("POST", "/v1/workflows", { key: t.key, body: def("Push", "erp") });
    expect(live.status).toBe(201);
    const draft = await call("POST", "/v1/workflows", {
      key: t.key,
      body: { ...def("Draft", "erp"), publish: false },
    });
    const got = await call("GET", "/v1/connections/erp", { key: t.key });
    expect(got.body.usedBy).toEqual(
      expect.arrayContaining([
        { workflowId: live.body.id, name: "Push", live: true },
        { workflowId: draft.body.id, name: "Draft", live: false },
      ]),
    );
    const refused = await call("DELETE", "/v1/connections/erp", { key: t.key });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({
      code: "in_use",
      details: { workflows: [{ workflowId: live.body.id, name: "Push" }] },
    });
    expect(refused.body.error.message).toContain("Push");
    await call("PUT", "/v1/connections/erp", { key: t.key, body: { auth: { token: "tok-2xyz" } } });
    expect((await call("DELETE", "/v1/connections/erp?force=true", { key: t.key })).status).toBe(
      204,
    );
    expect((await call("GET", "/v1/connections/erp", { key: t.key })).status).toBe(404);
    const audit = await call("GET", "/v1/audit?type=connection.created", { key: t.key });
    expect(audit.body.items).toHaveLength(1);
    const all = await call("GET", "/v1/audit", { key: t.key });
    const mine = all.body.items.filter((e: { type: string }) => e.type.startsWith("connection."));
    expect(mine.map((e: { type: string }) => e.type)).toEqual([
      "connection.deleted",
      "connection.updated",
      "connection.created",
    ]);
    expect(mine[1].details.changed).toEqual(["auth.token"]);
    expect(JSON.stringify(mine)).not.toContain(TOKEN);
    expect(JSON.stringify(mine)).not.toContain("tok-2xyz");
  });

  it("a definition naming a missing connection saves as a draft with the problem; publishing is 422", async () => {
    const t = await newTenant();
    const body = {
      name: "Push",
      trigger: { event: "order.created" },
      steps: [
        {
          id: "push",
          action: "call_webhook",
          config: { connection: "erp", url: "/orders/{{ order.id }}" },
        },
      ],
    };
    const live = await call("POST", "/v1/workflows", { key: t.key, body });
    expect(live.status).toBe(422);
    expect(live.body.error.details).toEqual([
      {
        path: "steps[0].config.connection",
        message: "there is no connection named 'erp': add it in Settings → Connections",
      },
    ]);
    const draft = await call("POST", "/v1/workflows", {
      key: t.key,
      body: { ...body, publish: false },
    });
    expect(draft.status).toBe(201);
    expect(draft.body.problems.map((p: { path: string }) => p.path)).toEqual([
      "steps[0].config.connection",
    ]);
    const publish = () =>
      call("POST", `/v1/workflows/${draft.body.id}/publish`, { key: t.key, body: { version: 1 } });
    expect((await publish()).status).toBe(422);
    await create(t.key, {
      name: "erp",
      baseUrl: "https://erp.example.com",
      auth: { type: "none" },
    });
    expect(
      (await call("GET", `/v1/workflows/${draft.body.id}`, { key: t.key })).body.problems,
    ).toEqual([]);
    expect((await publish()).status).toBe(200);
  });
});

describe("calls through a connection", () => {
  it("applies each kind of auth where it belongs", async () => {
    const t = await newTenant();
    await create(t.key, {
      name: "hdr",
      baseUrl: "https://a.example.com/v1",
      auth: { type: "api_key", in: "header", name: "X-Api-Key", value: API_KEY },
      headers: { accept: "application/json", "x-team": "ops" },
    });
    await create(t.key, {
      name: "qry",
      baseUrl: "https://b.example.com",
      auth: { type: "api_key", in: "query", name: "api_key", value: API_KEY },
    });
    await create(t.key, {
      name: "tok",
      baseUrl: "https://c.example.com",
      auth: { type: "bearer", token: TOKEN },
    });
    await create(t.key, { name: "open", baseUrl: "https://d.example.com", auth: { type: "none" } });
    const seen = stubFetch(json({ ok: true }));
    const ctx = attempt(t.tenantId);
    await connectionRequest(ctx, "hdr", {
      method: "GET",
      url: "orders",
      headers: { "x-team": "sales", authorization: "Bearer forged" },
    });
    await connectionRequest(ctx, "qry", { method: "GET", url: "/x?a=1", query: { b: "2" } });
    await connectionRequest(ctx, "tok", { method: "POST", url: "/y", body: "{}" });
    await connectionRequest(ctx, "open", { method: "GET", url: "" });
    expect(seen.map((s) => s.url)).toEqual([
      "https://a.example.com/v1/orders",
      `https://b.example.com/x?a=1&b=2&api_key=${API_KEY}`,
      "https://c.example.com/y",
      "https://d.example.com/",
    ]);
    expect(seen[0]!.headers).toMatchObject({
      "x-api-key": API_KEY,
      accept: "application/json",
      "x-team": "sales",
    });
    expect(seen[0]!.headers.authorization).toBeUndefined();
    expect(seen[2]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(seen[3]!.headers.authorization).toBeUndefined();
    const health = await call("GET", "/v1/connections/tok", { key: t.key });
    expect(health.body.health.status).toBe("ok");
  });

  it("never sends credentials outside the base URL", async () => {
    const t = await newTenant();
    await create(t.key, {
      name: "erp",
      baseUrl: "https://erp.example.com/api/v2",
      auth: { type: "bearer", token: TOKEN },
    });
    const seen = stubFetch((s) =>
      s.url.endsWith("/moved")
        ? new Response(null, { status: 302, headers: { location: "https://evil.example/steal" } })
        : json({ ok: true }),
    );
    const ctx = attempt(t.tenantId);
    for (const url of [
      "https://evil.example/api/v2/orders",
      "https://erp.example.com/api/v3/orders",
      "https://erp.example.com/api/v2x",
      "/orders/../../admin",
      "//evil.example/x",
    ]) {
      const out = await connectionRequest(ctx, "erp", { method: "GET", url });
      expect(out).toMatchObject({ status: "failed", error: { code: "connection_url_mismatch" } });
    }
    expect(seen).toHaveLength(0);
    expect(
      await connectionRequest(ctx, "erp", {
        method: "GET",
        url: "https://erp.example.com/api/v2/ok",
      }),
    ).toBeInstanceOf(Response);
    const redirected = await connectionRequest(ctx, "erp", { method: "GET", url: "/moved" });
    expect(redirected).toMatchObject({
      status: "failed",
      error: { code: "connection_url_mismatch" },
    });
    expect(seen.map((s) => s.url)).toEqual([
      "https://erp.example.com/api/v2/ok",
      "https://erp.example.com/api/v2/moved",
    ]);
    const health = (await call("GET", "/v1/connections/erp", { key: t.key })).body.health;
    expect(health.status).toBe("failing");
    expect(health.lastError).toContain("connection_url_mismatch");
    expect(JSON.stringify(health)).not.toContain(TOKEN);
    expect(await connectionRequest(ctx, "nope", { method: "GET", url: "/" })).toMatchObject({
      status: "failed",
      retryable: false,
      error: { code: "connection_not_found" },
    });
  });

  it("OAuth client credentials: one token reused until it is refused, then refreshed once", async () => {
    const t = await newTenant();
    await create(t.key, {
      name: "crm",
      baseUrl: "https://crm.example.com",
      auth: {
        type: "oauth2_client_credentials",
        tokenUrl: "https://id.example.com/oauth/token",
        clientId: "switchyard",
        clientSecret: CLIENT_SECRET,
        scope: "orders:write",
      },
    });
    let issued = 0;
    let valid = "";
    const seen = stubFetch((s) => {
      if (s.url === "https://id.example.com/oauth/token") {
        issued += 1;
        valid = `at-${issued}`;
        return json({ access_token: valid, token_type: "Bearer", expires_in: 3600 });
      }
      return s.headers.authorization === `Bearer ${valid}`
        ? json({ ok: true })
        : json({ error: "invalid_token" }, 401);
    });
    const ctx = attempt(t.tenantId);
    for (let i = 0; i < 3; i++) {
      const res = await connectionRequest(ctx, "crm", { method: "GET", url: "/me" });
      expect((res as Response).status).toBe(200);
    }
    expect(issued).toBe(1);
    const tokenRequest = seen[0]!;
    expect(tokenRequest.method).toBe("POST");
    expect(tokenRequest.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(tokenRequest.headers.authorization).toBe(`Basic ${btoa(`switchyard:${CLIENT_SECRET}`)}`);
    expect(Object.fromEntries(new URLSearchParams(tokenRequest.body))).toEqual({
      grant_type: "client_credentials",
      scope: "orders:write",
    });
    // The token is cached sealed in the store.
    const cached = await storeSql(t.tenantId, "SELECT sealed FROM connection_tokens");
    expect(cached[0]?.sealed).toMatch(/^s1\./);
    expect(JSON.stringify(cached)).not.toContain("at-1");
    // The target stops taking it: one new token, one more call.
    valid = "revoked";
    const before = seen.length;
    issued = 1;
    const res = await connectionRequest(ctx, "crm", { method: "GET", url: "/me" });
    expect((res as Response).status).toBe(200);
    expect(seen.slice(before).map((s) => s.url)).toEqual([
      "https://crm.example.com/me",
      "https://id.example.com/oauth/token",
      "https://crm.example.com/me",
    ]);
  });

  it("a refused token request is a step error naming the endpoint's error, never the secret", async () => {
    const t = await newTenant();
    await create(t.key, {
      name: "crm",
      baseUrl: "https://crm.example.com",
      auth: {
        type: "oauth2_client_credentials",
        tokenUrl: "https://id.example.com/token",
        clientId: "switchyard",
        clientSecret: CLIENT_SECRET,
        clientAuth: "body",
      },
    });
    const seen = stubFetch(
      json(
        { error: "invalid_client", error_description: `client_secret ${CLIENT_SECRET} is wrong` },
        401,
      ),
    );
    const out = await connectionRequest(attempt(t.tenantId), "crm", { method: "GET", url: "/" });
    expect(out).toMatchObject({
      status: "failed",
      retryable: false,
      error: { code: "connection_auth_failed" },
    });
    const message = (out as { error: { message: string } }).error.message;
    expect(message).toContain("invalid_client");
    expect(message).not.toContain(CLIENT_SECRET);
    expect(Object.fromEntries(new URLSearchParams(seen[0]!.body))).toMatchObject({
      client_id: "switchyard",
      client_secret: CLIENT_SECRET,
    });
    expect(seen[0]!.headers.authorization).toBeUndefined();
    const health = (await call("GET", "/v1/connections/crm", { key: t.key })).body.health;
    expect(health).toMatchObject({ status: "failing" });
    expect(health.lastError).toContain("invalid_client");
    expect(health.lastError).not.toContain(CLIENT_SECRET);
  });

  it("a rate limit with no slot defers the attempt: nothing is sent", async () => {
    const t = await newTenant();
    await create(t.key, {
      name: "erp",
      baseUrl: "https://erp.example.com",
      auth: { type: "none" },
      rateLimit: { limit: 2, period: "10s" },
    });
    const seen = stubFetch(json({ ok: true }));
    const ctx = attempt(t.tenantId);
    const first = await connectionRequest(ctx, "erp", { method: "GET", url: "/" });
    expect(first).toBeInstanceOf(Response);
    const second = await connectionRequest(ctx, "erp", { method: "GET", url: "/" });
    expect(second).toMatchObject({
      status: "deferred",
      reason: "waiting for connection erp's limit (2 calls per 10s)",
    });
    const wait = (second as { retryAfterMs: number }).retryAfterMs;
    expect(wait).toBeGreaterThan(3_000);
    expect(wait).toBeLessThanOrEqual(6_000);
    expect(seen).toHaveLength(1);
  });
});

describe("a deferred attempt in its run", () => {
  it("waits for the limit without spending an attempt, and says why in the step's view", async () => {
    const t = await newTenant();
    await create(t.key, {
      name: "erp",
      baseUrl: "https://erp.example.com",
      auth: { type: "none" },
      rateLimit: { limit: 1, period: "1m" },
    });
    const seen = stubFetch(json({ ok: true }));
    // Another run took the minute's one call.
    expect(
      await connectionRequest(attempt(t.tenantId), "erp", { method: "GET", url: "/" }),
    ).toBeInstanceOf(Response);
    const runId = `run_deferred_${crypto.randomUUID().slice(0, 8)}`;
    const stub = await quietRun(t.tenantId, runId, {
      id: "push",
      action: "http_request",
      config: { connection: "erp", url: "/orders" },
      retry: { attempts: 1 },
    });
    await runAction(env, { tenantId: t.tenantId, runId, stepId: "push", attempt: 1 });
    expect(seen).toHaveLength(1);
    const state = (await stub.snapshot()) as unknown as RunState;
    expect(state.status).toBe("running");
    expect(state.steps.push).toMatchObject({
      status: "running",
      attempt: 1,
      attemptsInRound: 0,
      deferred: 1,
    });
    const view = stepViews(state).find((v) => v.id === "push")!;
    expect(view).toMatchObject({
      status: "running",
      attempts: 0,
      deferred: {
        count: 1,
        until: new Date(state.steps.push!.retryAt!).toISOString(),
        reason: "waiting for connection erp's limit (1 call a minute)",
      },
    });
    expect(state.steps.push!.retryAt! - Date.now()).toBeGreaterThan(50_000);
  });
});

describe("http_request", () => {
  it("sends query parameters and a form body, and maps response fields", async () => {
    const t = await newTenant();
    const seen = stubFetch(
      json({ data: { id: "ord_9", items: [1, 2, 3] } }, 201, { "x-request": "r-1" }),
    );
    const out = await execute(
      "http_request",
      {
        url: "https://api.example.com/orders?src=sy",
        method: "POST",
        query: { customer: "c 17" },
        bodyType: "form",
        body: { amount: 12.5, note: "a&b", urgent: true },
        outputs: {
          id: "response.body.data.id",
          count: "size(response.body.data.items)",
          request: 'response.headers["x-request"]',
        },
      },
      attempt(t.tenantId),
    );
    expect(out).toEqual({
      status: "succeeded",
      output: {
        status: 201,
        headers: expect.objectContaining({ "x-request": "r-1" }),
        body: { data: { id: "ord_9", items: [1, 2, 3] } },
        fields: { id: "ord_9", count: 3, request: "r-1" },
      },
    });
    expect(seen[0]!.url).toBe("https://api.example.com/orders?src=sy&customer=c+17");
    expect(seen[0]!.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(seen[0]!.body).toBe("amount=12.5&note=a%26b&urgent=true");
    expect(seen[0]!.headers["idempotency-key"]).toMatch(/^run_test:s_/);
  });

  it("GET carries no Idempotency-Key; an output that cannot be read fails the step by name", async () => {
    const t = await newTenant();
    const seen = stubFetch(json({ data: {} }));
    const out = await execute(
      "http_request",
      { url: "https://api.example.com/x", outputs: { id: "response.body.data.id" } },
      attempt(t.tenantId),
    );
    expect(out).toMatchObject({
      status: "failed",
      retryable: false,
      error: { code: "output_failed" },
    });
    expect((out as { error: { message: string } }).error.message).toMatch(/^outputs\.id: /);
    expect(seen[0]!.headers["idempotency-key"]).toBeUndefined();
  });

  it("408, 429 and 5xx are retried, other 4xx are not", async () => {
    const t = await newTenant();
    for (const [status, retryable] of [
      [408, true],
      [429, true],
      [503, true],
      [404, false],
      [422, false],
    ] as const) {
      stubFetch(json({ error: "x" }, status, { "retry-after": "7" }));
      const out = await execute(
        "http_request",
        { url: "https://api.example.com/x" },
        attempt(t.tenantId),
      );
      expect(out).toMatchObject({ status: "failed", retryable });
      if (retryable) expect(out).toMatchObject({ retryAfterMs: 7_000 });
    }
  });

  it("goes through a connection with a JSON body and a path", async () => {
    const t = await newTenant();
    await create(t.key, {
      name: "erp",
      baseUrl: "https://erp.example.com/api",
      auth: { type: "bearer", token: TOKEN },
    });
    const seen = stubFetch(json({ id: "o1" }));
    const out = await execute(
      "http_request",
      { connection: "erp", url: "/orders", method: "PUT", body: { id: "o1", total: 3 } },
      attempt(t.tenantId),
    );
    expect(out).toMatchObject({ status: "succeeded", output: { status: 200, body: { id: "o1" } } });
    expect(seen[0]).toMatchObject({
      url: "https://erp.example.com/api/orders",
      method: "PUT",
      body: '{"id":"o1","total":3}',
    });
    expect(seen[0]!.headers).toMatchObject({
      authorization: `Bearer ${TOKEN}`,
      "content-type": "application/json",
    });
    expect(JSON.stringify(out)).not.toContain(TOKEN);
  });
});

describe("call_webhook with a connection", () => {
  it("signs as always and sends to the path under the base URL with the connection's auth", async () => {
    const t = await newTenant();
    await create(t.key, {
      name: "erp",
      baseUrl: "https://erp.example.com/hooks",
      auth: { type: "api_key", in: "header", name: "x-erp-key", value: API_KEY },
    });
    const seen = stubFetch(json({ received: true }));
    const out = await execute(
      "call_webhook",
      { connection: "erp", url: "/orders/o-7", body: { id: "o-7" } },
      attempt(t.tenantId),
    );
    expect(out).toMatchObject({ status: "succeeded", output: { body: { received: true } } });
    expect(seen[0]!.url).toBe("https://erp.example.com/hooks/orders/o-7");
    expect(seen[0]!.method).toBe("POST");
    expect(seen[0]!.headers).toMatchObject({ "x-erp-key": API_KEY });
    expect(seen[0]!.headers["webhook-signature"]).toMatch(/^v1,/);
    expect(seen[0]!.headers["webhook-id"]).toMatch(/^run_test:/);
  });
});
