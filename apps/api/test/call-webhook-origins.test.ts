import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Env } from "../src/env.ts";
import { executorFor } from "../src/executors/registry.ts";
import type { ExecutionContext } from "../src/executors/types.ts";
import { attempt, newTenant } from "./helpers.ts";

// Where call_webhook's requests may go, and what they carry there: a
// redirect to another origin keeps only harmless headers, and the platform's
// own public host is refused (it would bypass the run-loop guard) unless
// SWITCHYARD_WEBHOOK_ALLOW_HOSTS names it. The stubbed fetch sees exactly
// what would go on the wire, as in call-webhook.test.ts.

const PUBLIC_URL = "https://app.switchyard.example/";

function guarded(tenantId: string, envOver: Partial<Env> = {}): ExecutionContext {
  return attempt(tenantId, {
    env: {
      ...env,
      SWITCHYARD_ALLOW_PRIVATE_WEBHOOKS: undefined,
      SWITCHYARD_WEBHOOK_ALLOW_HOSTS: undefined,
      SWITCHYARD_PUBLIC_URL: PUBLIC_URL,
      ...envOver,
    },
  });
}

const run = (config: unknown, ctx: ExecutionContext) =>
  executorFor("call_webhook")!.execute(config, ctx);

interface Seen {
  url: string;
  headers: Record<string, string>;
}

/** Stubs fetch: a path `/go?to=URL` redirects (307) to URL; anything else answers 200. */
function receivers(): Seen[] {
  const seen: Seen[] = [];
  vi.stubGlobal("fetch", async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    seen.push({ url: req.url, headers: Object.fromEntries(req.headers) });
    const u = new URL(req.url);
    const to = u.pathname === "/go" ? u.searchParams.get("to") : null;
    if (to) return new Response(null, { status: 307, headers: { location: to } });
    return Response.json({ ok: true });
  });
  return seen;
}

afterEach(() => {
  vi.unstubAllGlobals();
});

const userHeaders = {
  "X-Api-Key": "secret-key",
  "X-Custom": "also-private",
  Authorization: "Bearer t",
  Accept: "application/json",
  "User-Agent": "acme-hooks/2",
  "Content-Type": "application/json; charset=utf-8",
};

describe("call_webhook redirects to another origin", () => {
  it("drop every user header that is not allow-listed; a same-origin hop keeps them", async () => {
    const t = await newTenant();
    const seen = receivers();
    const second = "https://second.example.com:8443/in";
    const out = await run(
      {
        url: `https://first.example.com/go?to=${encodeURIComponent(`/go?to=${encodeURIComponent(second)}`)}`,
        headers: userHeaders,
        body: { a: 1 },
      },
      guarded(t.tenantId),
    );
    expect(out).toMatchObject({ status: "succeeded" });
    expect(seen.map((s) => new URL(s.url).origin)).toEqual([
      "https://first.example.com",
      "https://first.example.com",
      "https://second.example.com:8443",
    ]);
    // Same origin: everything the author set.
    for (const s of seen.slice(0, 2)) {
      expect(s.headers["x-api-key"]).toBe("secret-key");
      expect(s.headers["x-custom"]).toBe("also-private");
      expect(s.headers.authorization).toBe("Bearer t");
    }
    const other = seen[2]!.headers;
    expect(other["x-api-key"]).toBeUndefined();
    expect(other["x-custom"]).toBeUndefined();
    expect(other.authorization).toBeUndefined();
    // The harmless ones travel, and every hop is signed anew.
    expect(other.accept).toBe("application/json");
    expect(other["user-agent"]).toBe("acme-hooks/2");
    expect(other["content-type"]).toBe("application/json; charset=utf-8");
    expect(other["webhook-signature"]).toMatch(/^v1,/);
  });

  it("another port of the same host is another origin", async () => {
    const t = await newTenant();
    const seen = receivers();
    await run(
      {
        url: `https://first.example.com/go?to=${encodeURIComponent("https://first.example.com:8443/")}`,
        headers: { "X-Api-Key": "secret-key" },
      },
      guarded(t.tenantId),
    );
    expect(seen).toHaveLength(2);
    expect(seen[0]!.headers["x-api-key"]).toBe("secret-key");
    expect(seen[1]!.headers["x-api-key"]).toBeUndefined();
  });
});

describe("call_webhook to the platform's own API", () => {
  it.each([
    "https://app.switchyard.example/v1/events",
    "https://APP.switchyard.example./v1/events",
    "http://app.switchyard.example/anything",
    "https://app.switchyard.example:443/v1/hooks/x",
    // Cloudflare answers a proxied host on its other ports with the same Worker.
    "https://app.switchyard.example:8443/v1/events",
  ])("refuses %s before connecting, without retry", async (url) => {
    const t = await newTenant();
    const seen = receivers();
    const out = await run({ url, body: {} }, guarded(t.tenantId));
    expect(out).toMatchObject({
      status: "failed",
      retryable: false,
      error: {
        code: "self_call_refused",
        message: expect.stringContaining(
          "calls to this platform's own API are refused: use an emitted event instead",
        ),
      },
    });
    expect(seen).toHaveLength(0);
  });

  it("refuses a redirect to the platform's own host the same way", async () => {
    const t = await newTenant();
    const seen = receivers();
    const out = await run(
      {
        url: `https://hooks.example.com/go?to=${encodeURIComponent("https://app.switchyard.example/v1/events")}`,
      },
      guarded(t.tenantId),
    );
    expect(out).toMatchObject({
      status: "failed",
      retryable: false,
      error: { code: "self_call_refused" },
    });
    expect(seen.map((s) => s.url)).toEqual([expect.stringContaining("https://hooks.example.com/")]);
  });

  it("allows it when SWITCHYARD_WEBHOOK_ALLOW_HOSTS names the host", async () => {
    const t = await newTenant();
    const seen = receivers();
    const out = await run(
      { url: "https://app.switchyard.example/v1/events" },
      guarded(t.tenantId, { SWITCHYARD_WEBHOOK_ALLOW_HOSTS: "app.switchyard.example" }),
    );
    expect(out).toMatchObject({ status: "succeeded" });
    expect(seen).toHaveLength(1);
  });

  it("another host is not the platform", async () => {
    const t = await newTenant();
    const seen = receivers();
    for (const url of [
      "https://hooks.example.com/v1/events",
      "https://api.app.switchyard.example/",
    ]) {
      expect(await run({ url }, guarded(t.tenantId))).toMatchObject({ status: "succeeded" });
    }
    expect(seen).toHaveLength(2);
  });

  it("with an explicit port in SWITCHYARD_PUBLIC_URL, only that port is the platform", async () => {
    const t = await newTenant();
    const seen = receivers();
    const local = { SWITCHYARD_PUBLIC_URL: "http://platform.test:8787" };
    expect(
      await run({ url: "http://platform.test:8787/v1/events" }, guarded(t.tenantId, local)),
    ).toMatchObject({ status: "failed", retryable: false, error: { code: "self_call_refused" } });
    expect(
      await run({ url: "http://platform.test:9000/hook" }, guarded(t.tenantId, local)),
    ).toMatchObject({ status: "succeeded" });
    expect(seen.map((s) => s.url)).toEqual(["http://platform.test:9000/hook"]);
  });
});
