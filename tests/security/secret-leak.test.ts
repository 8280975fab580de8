// The secret-leak test (issue 17, item 1), on a dedicated `wrangler dev`
// whose state directory, log file and output this test owns: a workflow
// sends a secret to a receiver on 127.0.0.1 — in an Authorization header
// and in its body — and the receiver echoes the whole request back, once
// in a success and once in an error. The receiver must get the real value;
// afterwards the value, its JSON-escaped and its base64 forms appear in no
// file of the local D1, Durable Object or queue state (raw bytes, write-
// ahead logs included), in no line wrangler or the Worker printed, and in
// no answer of the API the test can reach.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorker, type WorkerHandle } from "../support/worker.ts";
import {
  type Answer,
  eventually,
  type Json,
  newTenant,
  operations,
  rand,
  type Tenant,
} from "./api.ts";

// A quote and a backslash, so its JSON-escaped form differs from it.
const SECRET = `erp"${rand(12)}\\${rand(12)}/${rand(8)}`;

let w: WorkerHandle;
let t: Tenant;
let receiver: Server;
let receiverUrl: string;
let logFile: string;
let outputFile: string;
/** What the receiver was sent. */
const received: Array<{ path: string; headers: IncomingMessage["headers"]; body: string }> = [];

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

/** The forms a leaked value would be found in. */
function forms(value: string): Record<string, string> {
  const b64 = Buffer.from(value, "utf8").toString("base64");
  return {
    value,
    "JSON-escaped": JSON.stringify(value).slice(1, -1),
    "JSON-escaped twice": JSON.stringify(JSON.stringify(value)).slice(1, -1),
    base64: b64.replace(/=+$/, ""),
    base64url: b64.replace(/=+$/, "").replaceAll("+", "-").replaceAll("/", "_"),
    "URL-encoded": encodeURIComponent(value),
  };
}

function leaksIn(where: string, text: string | Buffer, found: string[]): void {
  for (const [form, needle] of Object.entries(forms(SECRET))) {
    const hit =
      typeof text === "string" ? text.includes(needle) : text.includes(Buffer.from(needle));
    if (hit) found.push(`${form} in ${where}`);
  }
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      received.push({ path: req.url ?? "", headers: req.headers, body });
      const echo = JSON.stringify({ echo: { headers: req.headers, body } });
      const fail = (req.url ?? "").startsWith("/fail");
      res.writeHead(fail ? 400 : 200, { "content-type": "application/json" });
      res.end(echo);
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

  const stateDir = mkdtempSync(join(tmpdir(), "switchyard-secret-leak-"));
  logFile = join(stateDir, "wrangler.log");
  outputFile = join(stateDir, "worker-output.log");
  // Wrangler appends every message to WRANGLER_LOG_PATH; WORKER_LOG gets its stdout and stderr.
  process.env.WRANGLER_LOG_PATH = logFile;
  process.env.WORKER_LOG = outputFile;
  try {
    w = await startWorker({ stateDir });
  } finally {
    delete process.env.WRANGLER_LOG_PATH;
    delete process.env.WORKER_LOG;
  }
  t = await newTenant(w.baseUrl, w.vars.SWITCHYARD_PLATFORM_TOKEN!, "Leak");
}, 180_000);

afterAll(async () => {
  await w?.stop();
  await new Promise((r) => receiver?.close(r));
  if (w) rmSync(w.stateDir, { recursive: true, force: true });
});

/** A webhook to the receiver carrying the secret in a header and in the body, then a step that reads its output. */
const leakyWorkflow = (name: string, trigger: string, path: string) => ({
  name,
  trigger: { event: trigger },
  steps: [
    {
      id: "push",
      action: "call_webhook",
      retry: { attempts: 1 },
      config: {
        url: `${receiverUrl}${path}`,
        headers: { Authorization: "Bearer {{ secrets.erp_token }}", "X-Order": "{{ order.id }}" },
        body: { order: "{{ order.id }}", token: "{{ secrets.erp_token }}" },
      },
    },
    {
      // What came back flows on: into a record and an outbox email.
      id: "keep",
      action: "update_record",
      config: {
        type: "erpcall",
        id: "{{ order.id }}",
        fields: { echo: "{{ steps.push.output.body }}" },
      },
    },
    {
      id: "tell",
      action: "send_email",
      config: {
        to: "ops@example.com",
        subject: "ERP said",
        body: "{{ steps.push.output.body.echo.headers.authorization }}",
      },
    },
  ],
});

describe("a secret used by a run", () => {
  it("reaches the receiver and nothing else: no stored byte, log line or API answer holds it", async () => {
    const api = t.api;
    expect((await api.put("/v1/secrets/erp_token", { value: SECRET })).status).toBe(201);
    const ok = await api.must(
      "POST",
      "/v1/workflows",
      leakyWorkflow("ERP push", "order.created", "/echo"),
    );
    const bad = await api.must(
      "POST",
      "/v1/workflows",
      leakyWorkflow("ERP refuses", "order.refused", "/fail"),
    );
    const answers: Array<[string, Answer]> = [];
    const keep = async (path: string, method = "GET", body?: unknown) => {
      const r = await api.call(method, path, body === undefined ? {} : { body });
      answers.push([`${method} ${path}`, r]);
      return r;
    };
    await keep(`/v1/workflows/${ok.id}/test`, "POST", {
      event: { type: "order.created", data: { id: "dry" } },
    });
    const sent = await api.must("POST", "/v1/events", {
      type: "order.created",
      data: { id: "o1" },
    });
    const refused = await api.must("POST", "/v1/events", {
      type: "order.refused",
      data: { id: "o2" },
    });
    const finished = async (eventId: string, status: string) => {
      const ev = await eventually(
        () => api.get(`/v1/events/${eventId}`),
        (r) => r.body?.runs?.[0]?.status === status,
        90_000,
        `a ${status} run`,
      );
      return ev.body.runs[0].id as string;
    };
    const okRun = await finished(sent.id, "succeeded");
    const badRun = await finished(refused.id, "failed");

    // The receiver got the real value, both times.
    expect(received.map((r) => r.path).sort()).toEqual(["/echo", "/fail"]);
    for (const r of received) {
      expect(r.headers.authorization).toBe(`Bearer ${SECRET}`);
      expect(JSON.parse(r.body).token).toBe(SECRET);
    }
    // What the runs show: the placeholder as input, the mask in outputs and errors.
    const okView = await keep(`/v1/runs/${okRun}`);
    const push = okView.body.steps.find((s: Json) => s.id === "push");
    expect(push.input.headers.Authorization).toBe("Bearer {{ secrets.erp_token }}");
    expect(push.output.body.echo.headers.authorization).toBe("Bearer [secret erp_token]");
    const badView = await keep(`/v1/runs/${badRun}`);
    const failed = badView.body.steps.find((s: Json) => s.id === "push");
    expect(failed.error.message).toContain("[secret erp_token]");

    // Every answer the API gives about it.
    for (const id of [okRun, badRun]) {
      await keep(`/v1/runs/${id}/history`);
      await keep(`/v1/runs/${id}/retry-preview`);
    }
    for (const id of [sent.id, refused.id]) await keep(`/v1/events/${id}`);
    for (const id of [ok.id, bad.id]) {
      await keep(`/v1/workflows/${id}`);
      await keep(`/v1/workflows/${id}/versions/1`);
      await keep(`/v1/workflows/${id}/export`);
    }
    await keep("/v1/records/erpcall/o1");
    await keep("/v1/secrets/erp_token");
    // Every list of the OpenAPI document, and each with the most it gives.
    const { ops } = await operations(w.baseUrl);
    for (const op of ops) {
      if (op.method !== "GET" || op.pathParams.length > 0 || op.path === "/v1/openapi.json")
        continue;
      await keep(op.path);
      if (op.queryParams.includes("limit")) await keep(`${op.path}?limit=200`);
    }
    expect(answers.length).toBeGreaterThan(30);
    const found: string[] = [];
    for (const [what, r] of answers) {
      expect(r.status, what).toBeLessThan(500);
      leaksIn(what, r.text, found);
    }
    // The email made from the echo carries the mask.
    const outbox = answers.find(([what]) => what.startsWith("GET /v1/outbox?limit"))?.[1];
    expect(JSON.stringify(outbox?.body)).toContain("Bearer [secret erp_token]");

    // Let the run audit reach D1 (archived every few seconds) and the storage flush.
    await new Promise((r) => setTimeout(r, 7_000));
    const files = filesUnder(w.stateDir);
    expect(files.some((f) => f.endsWith(".sqlite"))).toBe(true);
    expect(files).toContain(logFile);
    for (const f of files) {
      if (f.endsWith("e2e.env")) continue; // the Worker's own secrets, written by the harness
      leaksIn(f.slice(w.stateDir.length), readFileSync(f), found);
    }
    expect(found).toEqual([]);
    // The logs are really the dev session's.
    expect(readFileSync(logFile, "utf8")).toContain("core:user:switchyard");
  });
});
