import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorker, type WorkerHandle } from "../support/worker.ts";
import { type Client, eventually, type Json, newTenant, runFor } from "./api.ts";
import { type Fake, type SeenRequest, startFake } from "./fakes.ts";

// Connections (issue 17, item 2) in `wrangler dev`, against a fake API and
// a fake OAuth token endpoint on 127.0.0.1 that check what real ones check.
// What counts is what the fakes saw: the credentials where they belong, one
// token reused across runs, a shared rate limit never exceeded, and no
// credential in any answer of the API.

const TOKEN = "edges-bearer-7f3a9c";
const USER = "switchyard";
const PASSWORD = "edges-password-4b8e1d";
const API_KEY = "edges-apikey-2c6f0a";
const CLIENT_SECRET = "edges-client-secret-9d5e7b";

let w: WorkerHandle;
let c: Client;
let api: Fake;
let trap: Fake;
/** Access tokens the fake token endpoint issued, in order, with their client. */
const issued: Array<{ token: string; clientId: string }> = [];
/** Access tokens the fake API still takes. */
const valid = new Set<string>();
/** Arrival times at /limited, in ms. */
const limitedAt: number[] = [];

const basic = (user: string, pass: string) =>
  `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;

function answer(req: SeenRequest) {
  const url = new URL(req.path, "http://fake");
  const [, area] = url.pathname.split("/");
  const ok = { status: 200, body: { ok: true, area } };
  const refused = { status: 401, body: { error: "unauthorized" } };
  switch (area) {
    case "token": {
      const form = new URLSearchParams(req.body);
      const [id, secret] = Buffer.from(
        (req.headers.authorization ?? "").replace(/^Basic /, ""),
        "base64",
      )
        .toString()
        .split(":");
      if (req.method !== "POST" || form.get("grant_type") !== "client_credentials") {
        return { status: 400, body: { error: "unsupported_grant_type" } };
      }
      if (secret !== CLIENT_SECRET || !id) {
        return { status: 401, body: { error: "invalid_client", error_description: "bad client" } };
      }
      const token = `at-${id}-${issued.length + 1}`;
      issued.push({ token, clientId: id });
      valid.add(token);
      // sy-short's tokens last 61 s: used until 60 s before they expire, so for 1 s.
      const expires = id === "sy-short" ? 61 : 3600;
      return {
        status: 200,
        body: { access_token: token, token_type: "Bearer", expires_in: expires },
      };
    }
    case "bearer":
      return req.headers.authorization === `Bearer ${TOKEN}` ? ok : refused;
    case "basic":
      return req.headers.authorization === basic(USER, PASSWORD) ? ok : refused;
    case "hdr":
      return req.headers["x-api-key"] === API_KEY ? ok : refused;
    case "qry":
      return url.searchParams.get("api_key") === API_KEY ? ok : refused;
    case "oauth": {
      const token = (req.headers.authorization ?? "").replace(/^Bearer /, "");
      return valid.has(token) ? ok : refused;
    }
    case "limited":
      limitedAt.push(req.at);
      return ok;
    case "echo":
      // A careless target that answers with what it was sent, credentials and all.
      return { status: 200, body: { youSent: req.headers, query: url.search } };
    case "flaky":
      return { status: 503, body: "down for maintenance" };
    case "orders":
      return {
        status: 201,
        headers: { "x-order-count": "3" },
        body: { data: { id: "ord_77", lines: [{ sku: "a" }, { sku: "b" }] } },
      };
    default:
      return { status: 404, body: { error: "not found" } };
  }
}

const step = (id: string, connection: string, extra: Json = {}) => ({
  id,
  action: "http_request",
  config: { connection, url: `/${connection}/check`, ...extra },
  retry: { attempts: 2, initial: "1s", max: "1s" },
  timeout: "5s",
});

const workflow = async (name: string, event: string, steps: Json[]) => {
  const res = await c.call("POST", "/v1/workflows", { name, trigger: { event }, steps });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
};

const connection = async (body: Json) => {
  const res = await c.call("POST", "/v1/connections", body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
};

const stepOf = (run: Json, id: string) => run.steps.find((s: Json) => s.id === id);

beforeAll(async () => {
  api = await startFake(answer);
  trap = await startFake(() => ({ status: 200, body: "trapped" }));
  w = await startWorker();
  c = await newTenant(w, "Edges connections");
  const base = (path: string) => `${api.url}/${path}`;
  await connection({
    name: "bearer",
    baseUrl: base("bearer"),
    auth: { type: "bearer", token: TOKEN },
  });
  await connection({
    name: "basic",
    baseUrl: base("basic"),
    auth: { type: "basic", username: USER, password: PASSWORD },
  });
  await connection({
    name: "hdr",
    baseUrl: base("hdr"),
    auth: { type: "api_key", in: "header", name: "X-Api-Key", value: API_KEY },
  });
  await connection({
    name: "qry",
    baseUrl: base("qry"),
    auth: { type: "api_key", in: "query", name: "api_key", value: API_KEY },
  });
  for (const [name, clientId] of [
    ["oauth", "sy-long"],
    ["oauth-short", "sy-short"],
  ] as const) {
    await connection({
      name,
      baseUrl: base("oauth"),
      auth: {
        type: "oauth2_client_credentials",
        tokenUrl: `${api.url}/token`,
        clientId,
        clientSecret: CLIENT_SECRET,
        scope: "orders",
      },
    });
  }
  await connection({
    name: "limited",
    baseUrl: base("limited"),
    auth: { type: "bearer", token: TOKEN },
    rateLimit: { limit: 2, period: "5s" },
  });
  await connection({ name: "flaky", baseUrl: base("flaky"), auth: { type: "none" } });
  await connection({ name: "shop", baseUrl: api.url, auth: { type: "bearer", token: TOKEN } });
}, 120_000);

afterAll(async () => {
  await w?.stop();
  await api?.close();
  await trap?.close();
});

describe("connections over HTTP", () => {
  it("puts each kind of credentials where the API expects them", async () => {
    await workflow("Auth kinds", "auth.checked", [
      step("bearer", "bearer"),
      step("basic", "basic"),
      step("hdr", "hdr"),
      step("qry", "qry"),
    ]);
    const run = await runFor(c, "auth.checked", {});
    expect(run.status, JSON.stringify(run.steps)).toBe("succeeded");
    for (const id of ["bearer", "basic", "hdr", "qry"]) {
      expect(stepOf(run, id)).toMatchObject({ attempts: 1, output: { status: 200 } });
    }
    const list = await c.call("GET", "/v1/connections");
    const health = Object.fromEntries(list.body.items.map((x: Json) => [x.name, x.health.status]));
    expect(health).toMatchObject({ bearer: "ok", basic: "ok", hdr: "ok", qry: "ok" });
  });

  it("OAuth: one token across runs, a new one after it expires, and one refresh on a 401", async () => {
    await workflow("OAuth", "oauth.checked", [step("call", "oauth")]);
    await workflow("OAuth short", "oauth_short.checked", [step("call", "oauth-short")]);
    const long = () => issued.filter((i) => i.clientId === "sy-long");
    for (let i = 0; i < 3; i++) {
      const run = await runFor(c, "oauth.checked", { i });
      expect(run.status).toBe("succeeded");
    }
    expect(long()).toHaveLength(1);
    // The target stops taking it: the next run refreshes once and succeeds in one attempt.
    valid.delete(long()[0]!.token);
    const refreshed = await runFor(c, "oauth.checked", { i: 3 });
    expect(refreshed.status).toBe("succeeded");
    expect(stepOf(refreshed, "call").attempts).toBe(1);
    expect(long()).toHaveLength(2);
    const again = await runFor(c, "oauth.checked", { i: 4 });
    expect(again.status).toBe("succeeded");
    expect(long()).toHaveLength(2);
    // A token that expires in 61 s is used for 1 s: the next run (later) fetches another.
    const short = () => issued.filter((i) => i.clientId === "sy-short");
    expect((await runFor(c, "oauth_short.checked", {})).status).toBe("succeeded");
    await new Promise((r) => setTimeout(r, 1_500));
    expect((await runFor(c, "oauth_short.checked", {})).status).toBe("succeeded");
    expect(short()).toHaveLength(2);
    const tokenCalls = api.requests.filter((r) => r.path === "/token");
    expect(tokenCalls.length).toBe(issued.length);
    for (const r of tokenCalls) {
      expect(r.headers["content-type"]).toBe("application/x-www-form-urlencoded");
      expect(r.headers.authorization).toMatch(/^Basic /);
    }
  });

  it("refuses an absolute URL outside the connection's base URL: nothing reaches the other host", async () => {
    await workflow("Elsewhere", "elsewhere.checked", [
      {
        id: "call",
        action: "http_request",
        config: { connection: "bearer", url: `${trap.url}/bearer/check` },
      },
    ]);
    const run = await runFor(c, "elsewhere.checked", {});
    expect(run.status).toBe("failed");
    expect(stepOf(run, "call")).toMatchObject({
      attempts: 1,
      error: { code: "connection_url_mismatch" },
    });
    expect(trap.connections).toBe(0);
  });

  it("shares a rate limit between workflows: never more than 2 calls in 5 s, and no step fails or spends an attempt", async () => {
    const limited = {
      id: "call",
      action: "http_request",
      config: { connection: "limited", url: "/limited/{{ event.data.n }}" },
      // One attempt only: a deferral that spent it would fail the run.
      retry: { attempts: 1 },
      timeout: "5s",
    };
    await workflow("Limited A", "limited.a", [limited]);
    await workflow("Limited B", "limited.b", [limited]);
    const events: string[] = [];
    for (let n = 0; n < 3; n++) {
      for (const type of ["limited.a", "limited.b"]) {
        const ev = await c.call("POST", "/v1/events", { type, data: { n: `${type}-${n}` } });
        expect(ev.status).toBe(202);
        events.push(ev.body.id);
      }
    }
    const runs: Json[] = [];
    for (const id of events) {
      const ev = await eventually(
        () => c.call("GET", `/v1/events/${id}`),
        (e) => (e.body.runs ?? []).length === 1,
      );
      const run = await eventually(
        () => c.call("GET", `/v1/runs/${ev.body.runs[0].id}`),
        (r) => ["succeeded", "failed"].includes(r.body.status),
        90_000,
      );
      runs.push(run.body);
    }
    for (const run of runs) {
      expect(run.status, JSON.stringify(run.steps)).toBe("succeeded");
      expect(stepOf(run, "call").attempts).toBe(1);
    }
    expect(limitedAt).toHaveLength(6);
    const at = [...limitedAt].sort((a, b) => a - b);
    // Any 3 calls span at least a period (5 s), less what the network adds
    // between the store's grant and the arrival here (well under 250 ms locally).
    for (let i = 0; i + 2 < at.length; i++) {
      expect(at[i + 2]! - at[i]!, `calls ${i}..${i + 2}`).toBeGreaterThanOrEqual(5_000 - 250);
    }
  }, 120_000);

  it("records health: a 503 makes the connection failing, with the status and no credential", async () => {
    await workflow("Flaky", "flaky.checked", [
      { ...step("call", "flaky"), retry: { attempts: 1 } },
    ]);
    const run = await runFor(c, "flaky.checked", {});
    expect(run.status).toBe("failed");
    const got = await c.call("GET", "/v1/connections/flaky");
    expect(got.body.health).toMatchObject({ status: "failing" });
    expect(got.body.health.lastError).toContain("answered 503");
    expect(got.body.usedBy).toEqual([expect.objectContaining({ name: "Flaky", live: true })]);
  });

  it("http_request sends query parameters and a form body, and maps response fields", async () => {
    await workflow("Orders", "order.pushed", [
      {
        id: "push",
        action: "http_request",
        config: {
          connection: "shop",
          url: "/orders/new",
          method: "POST",
          query: { customer: "{{ order.customer }}", source: "switchyard" },
          bodyType: "form",
          body: { sku: "{{ order.sku }}", qty: "{{ order.qty }}" },
          outputs: {
            orderId: "response.body.data.id",
            lines: "size(response.body.data.lines)",
            count: 'int(response.headers["x-order-count"])',
          },
        },
      },
    ]);
    const run = await runFor(c, "order.pushed", { customer: "c 17&x", sku: "A-1", qty: 2 });
    expect(run.status, JSON.stringify(run.steps)).toBe("succeeded");
    expect(stepOf(run, "push").output).toMatchObject({
      status: 201,
      fields: { orderId: "ord_77", lines: 2, count: 3 },
    });
    const seen = api.requests.filter((r) => r.path.startsWith("/orders/new"));
    expect(seen).toHaveLength(1);
    const url = new URL(seen[0]!.path, "http://fake");
    expect(Object.fromEntries(url.searchParams)).toEqual({
      customer: "c 17&x",
      source: "switchyard",
    });
    expect(seen[0]!.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(Object.fromEntries(new URLSearchParams(seen[0]!.body))).toEqual({
      sku: "A-1",
      qty: "2",
    });
    expect(seen[0]!.headers["idempotency-key"]).toMatch(/:push$/);
    expect(seen[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it("masks credentials a target echoes back: the run keeps the answer, never the token", async () => {
    await connection({
      name: "echo-basic",
      baseUrl: `${api.url}/echo`,
      auth: { type: "basic", username: USER, password: PASSWORD },
    });
    await connection({
      name: "echo-key",
      baseUrl: `${api.url}/echo`,
      auth: { type: "api_key", in: "query", name: "api_key", value: API_KEY },
    });
    await workflow("Echo", "echo.checked", [
      { ...step("basic", "echo-basic"), config: { connection: "echo-basic", url: "/b" } },
      { ...step("key", "echo-key"), config: { connection: "echo-key", url: "/k" } },
    ]);
    const run = await runFor(c, "echo.checked", {});
    expect(run.status, JSON.stringify(run.steps)).toBe("succeeded");
    const basicOut = stepOf(run, "basic").output;
    expect(basicOut.body.youSent.authorization).toBe("Basic [secret echo-basic credentials]");
    expect(stepOf(run, "key").output.body.query).toBe("?api_key=[secret echo-key credentials]");
    const text = JSON.stringify(await c.call("GET", `/v1/runs/${run.id}`));
    for (const s of [PASSWORD, API_KEY, Buffer.from(`${USER}:${PASSWORD}`).toString("base64")])
      expect(text).not.toContain(s);
  });

  it("shows no credential in any answer of the API", async () => {
    const credentials = [
      TOKEN,
      PASSWORD,
      API_KEY,
      CLIENT_SECRET,
      ...issued.map((i) => i.token),
      Buffer.from(`${USER}:${PASSWORD}`).toString("base64"),
    ];
    const runs = (await c.call("GET", "/v1/runs?limit=200")).body.items as Json[];
    expect(runs.length).toBeGreaterThan(10);
    const paths = [
      "/v1/connections",
      "/v1/workflows?limit=200",
      "/v1/runs?limit=200",
      "/v1/events?limit=200",
      "/v1/audit?limit=200",
      ...runs.map((r) => `/v1/runs/${r.id}`),
      ...["bearer", "basic", "hdr", "qry", "oauth", "limited"].map((n) => `/v1/connections/${n}`),
    ];
    const leaks: string[] = [];
    for (const path of paths) {
      const res = await c.call("GET", path);
      expect(res.status, path).toBe(200);
      const text = JSON.stringify(res.body);
      for (const s of credentials)
        if (text.includes(s)) leaks.push(`${path} shows ${s.slice(0, 8)}…`);
    }
    expect(leaks).toEqual([]);
  });
});
