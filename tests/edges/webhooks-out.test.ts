import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorker, type WorkerHandle } from "../support/worker.ts";
import { type Client, eventually, type Json, newTenant, runFor } from "./api.ts";
import { type Answer, type Fake, Script, type SeenRequest, startFake } from "./fakes.ts";

// call_webhook against real HTTP receivers, with the SSRF guard on as in
// production: only the receiver's host:port is allowed. The trap listens on
// every loopback address; the guard must keep it at zero connections.

let w: WorkerHandle;
let c: Client;
let receiver: Fake;
let trap: Fake;
let secret = "";
const script = new Script();
const verified: boolean[] = [];

beforeAll(async () => {
  receiver = await startFake((req: SeenRequest): Answer => {
    try {
      new Webhook(secret).verify(req.body, req.headers);
      verified.push(true);
    } catch {
      verified.push(false);
    }
    const path = req.path.split("?")[0]!;
    if (path === "/redirect") {
      return { status: 302, headers: { location: `http://127.0.0.1:${trap.port}/internal` } };
    }
    return script.take(path).answer ?? { status: 200, body: { received: true, path } };
  });
  trap = await startFake(() => ({ status: 200, body: "trapped" }), "::");
  w = await startWorker({
    vars: {
      SWITCHYARD_ALLOW_PRIVATE_WEBHOOKS: "false",
      SWITCHYARD_WEBHOOK_ALLOW_HOSTS: `127.0.0.1:${receiver.port}`,
    },
  });
  c = await newTenant(w, "Edges webhooks");
  secret = (await c.call("GET", "/v1/settings/webhook-signing")).body.secret;
  const wf = await c.call("POST", "/v1/workflows", {
    name: "Call out",
    trigger: { event: "hook.call" },
    steps: [
      {
        id: "call",
        action: "call_webhook",
        config: { url: "{{ hook.url }}", body: { n: "{{ hook.n }}" } },
        retry: { attempts: 3, initial: "1s", max: "1s" },
      },
    ],
  });
  expect(wf.status).toBe(201);
  const slow = await c.call("POST", "/v1/workflows", {
    name: "Call out, 3 s per attempt",
    trigger: { event: "hook.slow" },
    steps: [
      {
        id: "call",
        action: "call_webhook",
        config: { url: "{{ hook.url }}" },
        retry: { attempts: 2, initial: "1s", max: "1s" },
        // Local queues deliver in 1 s batches, so an attempt's clock needs room.
        timeout: "3s",
      },
    ],
  });
  expect(slow.status).toBe(201);
}, 120_000);

afterAll(async () => {
  await w?.stop();
  await receiver?.close();
  await trap?.close();
});

const stepOf = (run: Json) => run.steps.find((s: Json) => s.id === "call");
const at = (path: string) => receiver.requests.filter((r) => r.path.startsWith(path));

describe("call_webhook over HTTP", () => {
  it("retries a 500 with the same webhook-id; the receiver verifies every signature", async () => {
    script.add("/flaky", { status: 500, body: "try later" });
    const run = await runFor(c, "hook.call", { url: `${receiver.url}/flaky`, n: 1 });
    expect(run.status).toBe("succeeded");
    expect(stepOf(run)).toMatchObject({
      attempts: 2,
      output: { status: 200, body: { received: true, path: "/flaky" } },
    });
    const seen = at("/flaky");
    expect(seen).toHaveLength(2);
    expect(seen[0]!.headers["webhook-id"]).toBe(seen[1]!.headers["webhook-id"]);
    expect(seen[0]!.headers["webhook-id"]).toBe(`${run.id}:call`);
    expect(JSON.parse(seen[1]!.body)).toEqual({ n: 1 });
    expect(verified.every(Boolean)).toBe(true);
  });

  it("waits as long as a 429's Retry-After says", async () => {
    script.add("/busy", { status: 429, headers: { "retry-after": "3" }, body: "slow down" });
    const run = await runFor(c, "hook.call", { url: `${receiver.url}/busy`, n: 2 });
    expect(run.status).toBe("succeeded");
    const [first, second] = at("/busy");
    // The step's own backoff is 1 s; only Retry-After explains 3.
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(2900);
  });

  it("gives up on an attempt at its timeout and tries again", async () => {
    script.add("/slow", { status: 200, body: { late: true }, lateMs: 6000 });
    const run = await runFor(c, "hook.slow", { url: `${receiver.url}/slow` });
    expect(run.status).toBe("succeeded");
    expect(stepOf(run)).toMatchObject({ attempts: 2, output: { body: { received: true } } });
    const [first, second] = at("/slow");
    expect(first!.headers["webhook-id"]).toBe(second!.headers["webhook-id"]);
  });

  it("keeps the webhook-id when a failed run is retried by hand", async () => {
    script.add("/later", { status: 410, body: "not yet" });
    const run = await runFor(c, "hook.call", { url: `${receiver.url}/later`, n: 5 });
    expect(run.status).toBe("failed");
    expect((await c.call("POST", `/v1/runs/${run.id}/retry`, {})).status).toBe(202);
    await eventually(
      () => c.call("GET", `/v1/runs/${run.id}`),
      (r) => r.body.status === "succeeded",
    );
    const ids = at("/later").map((r) => r.headers["webhook-id"]);
    expect(ids).toEqual([`${run.id}:call`, `${run.id}:call`]);
    expect(verified.every(Boolean)).toBe(true);
  });

  it("fails a 404 at once, without retrying", async () => {
    script.add("/gone", { status: 404, body: { error: "no such hook" } });
    const run = await runFor(c, "hook.call", { url: `${receiver.url}/gone`, n: 3 });
    expect(run.status).toBe("failed");
    expect(stepOf(run)).toMatchObject({
      status: "failed",
      attempts: 1,
      error: { code: "http_error", message: expect.stringContaining("404") },
    });
    await new Promise((r) => setTimeout(r, 1500));
    expect(at("/gone")).toHaveLength(1);
  });

  it("refuses every internal address form without connecting", async () => {
    const p = trap.port;
    const targets = [
      `http://127.0.0.1:${p}/`,
      `http://localhost:${p}/`,
      `http://[::1]:${p}/`,
      `http://2130706433:${p}/`,
      `http://0x7f.1:${p}/`,
      `http://0177.0.0.1:${p}/`,
      `http://127.1:${p}/`,
      `http://[::ffff:127.0.0.1]:${p}/`,
      `http://0.0.0.0:${p}/`,
      `http://169.254.169.254/latest/meta-data/`,
      `http://10.0.0.1:${p}/`,
    ];
    const runs = await Promise.all(targets.map((url, n) => runFor(c, "hook.call", { url, n })));
    for (const run of runs) {
      expect(run.status).toBe("failed");
      expect(stepOf(run)).toMatchObject({
        attempts: 1,
        error: { code: "ssrf_refused", message: expect.stringMatching(/SSRF guard \(\w+\)/) },
      });
    }
    expect(trap.connections).toBe(0);
  });

  it("refuses a redirect to an internal address, checked on the hop", async () => {
    const before = receiver.requests.length;
    const run = await runFor(c, "hook.call", { url: `${receiver.url}/redirect`, n: 4 });
    expect(run.status).toBe("failed");
    expect(stepOf(run).error).toMatchObject({
      code: "ssrf_refused",
      message: expect.stringContaining("loopback"),
    });
    expect(receiver.requests.length - before).toBe(1);
    expect(trap.connections).toBe(0);
  });
});
