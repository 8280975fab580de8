import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { RunState } from "@switchyard/engine";
import { describe, expect, it } from "vitest";
import { MAX_ROW_BYTES, MAX_STEP_OUTPUT_BYTES } from "../src/durable-objects/run-storage.ts";
import type { Env } from "../src/env.ts";
import { call, eventually, type Json, newTenant, quietRun } from "./helpers.ts";

// A run keeps its own state in its Durable Object's SQLite storage, a row
// per step, and can never wedge on its own size.

const runStub = (runId: string) => env.RUNS.get(env.RUNS.idFromName(runId));

/** Every row of the run's storage is under the production row limit (local SQLite has none). */
async function largestRow(runId: string): Promise<number> {
  return runInDurableObject(runStub(runId), async (_i, state) => {
    let max = 0;
    for (const table of ["run_core", "run_steps", "run_dispatch"]) {
      for (const row of state.storage.sql.exec<{ n: number }>(
        `SELECT length(CAST(body AS BLOB)) AS n FROM ${table}`,
      ))
        max = Math.max(max, row.n);
    }
    return max;
  });
}

async function startRun(
  key: string,
  steps: unknown[],
  data: Json = {},
): Promise<{ runId: string; eventId: string }> {
  const wf = await call("POST", "/v1/workflows", {
    key,
    body: { name: "Sizes", trigger: { event: "order.created" }, steps },
  });
  expect(wf.status).toBe(201);
  const sent = await call("POST", "/v1/events", {
    key,
    body: { type: "order.created", data },
  });
  const ev = await eventually(
    () => call("GET", `/v1/events/${sent.body.id}`, { key }),
    (r) => r.body.runs?.length === 1,
  );
  return { runId: ev.body.runs[0].id, eventId: sent.body.id };
}

describe("a run's own storage", () => {
  it("keeps a row per step", async () => {
    const t = await newTenant();
    const { runId } = await startRun(t.key, [
      { id: "a", delay: "1s" },
      { id: "b", delay: "1s" },
    ]);
    await eventually(
      () => call("GET", `/v1/runs/${runId}`, { key: t.key }),
      (r) => r.body.status === "succeeded",
    );
    const ids = await runInDurableObject(runStub(runId), async (_i, state) =>
      state.storage.sql
        .exec<{ step_id: string }>("SELECT step_id FROM run_steps ORDER BY step_id")
        .toArray()
        .map((r) => r.step_id),
    );
    expect(ids).toEqual(["a", "b"]);
  });

  it("keeps a capped copy of a big rendered input, marked with its size and hash", async () => {
    const t = await newTenant();
    const body = "x".repeat(200_000);
    const { runId } = await startRun(
      t.key,
      [
        {
          id: "tell",
          action: "send_email",
          config: { to: "a@example.com", subject: "Big", body: "{{ order.text }}" },
        },
      ],
      { text: body },
    );
    const run = await eventually(
      () => call("GET", `/v1/runs/${runId}`, { key: t.key }),
      (r) => r.body.status === "succeeded",
    );
    const input = run.body.steps[0].input;
    expect(input.to).toBe("a@example.com");
    expect(input.body.$truncated.bytes).toBe(200_000);
    expect(input.body.$truncated.sha256).toMatch(/^[0-9a-f]{64}$/);
    // The email itself went out whole.
    const outbox = await call("GET", "/v1/outbox", { key: t.key });
    expect(outbox.body.items[0].body).toHaveLength(200_000);
    expect(await largestRow(runId)).toBeLessThan(MAX_ROW_BYTES);
  });

  it("fails a step whose output is too big to keep as state_too_large, and the run ends", async () => {
    const t = await newTenant();
    const runId = `run_big_${crypto.randomUUID().slice(0, 8)}`;
    const stub = await quietRun(t.tenantId, runId, {
      id: "hook",
      action: "call_webhook",
      config: { url: "https://erp.example/x" },
    });
    const running = (await stub.snapshot()) as unknown as RunState | null;
    expect(running?.steps.hook?.status).toBe("running");
    const reply = await stub.input({
      type: "stepSucceeded",
      stepId: "hook",
      attempt: running!.steps.hook!.attempt,
      output: { status: 200, headers: {}, body: "z".repeat(MAX_STEP_OUTPUT_BYTES + 1) },
      at: Date.now(),
    });
    expect(reply).toMatchObject({ ok: true, status: "failed" });
    const view = await call("GET", `/v1/runs/${runId}`, { key: t.key });
    expect(view.body.status).toBe("failed");
    expect(view.body.steps[0].error.code).toBe("state_too_large");
    expect(view.body.steps[0].error.message).toMatch(/at most/);
    expect(await largestRow(runId)).toBeLessThan(MAX_ROW_BYTES);
  });
});

describe("a run's alarm", () => {
  it("never gives up: queue and store failures during a delay, then the run finishes and its event exists", async () => {
    const t = await newTenant();
    const { runId } = await startRun(t.key, [
      { id: "pause", delay: "1s" },
      {
        id: "mark",
        action: "update_record",
        config: { type: "order", id: "o-1", fields: { paid: true } },
      },
    ]);
    await eventually(
      () => call("GET", `/v1/runs/${runId}`, { key: t.key }),
      (r) => r.body.status === "waiting",
    );
    const stub = runStub(runId);
    const broken = (): never => {
      throw new Error("simulated outage");
    };
    // Queues and the tenant's store unreachable, for more passes than
    // Cloudflare's own alarm retries (6) would ever make.
    await runInDurableObject(stub, (instance) => {
      const real = (instance as unknown as { env: Env }).env;
      (instance as unknown as { env: Env; realEnv: Env }).realEnv = real;
      (instance as unknown as { env: Env }).env = {
        ...real,
        ACTIONS: { send: broken, sendBatch: broken } as unknown as Queue,
        ACTIONS_BULK: { send: broken, sendBatch: broken } as unknown as Queue,
        STORES: { idFromName: broken, get: broken } as unknown as Env["STORES"],
      };
    });
    await new Promise((r) => setTimeout(r, 1100));
    for (let i = 0; i < 8; i++) {
      // Scheduled ahead so the runtime does not fire it on its own while the
      // test runs it (and reads the alarm in between): the test drives each pass.
      await runInDurableObject(stub, (_i, state) => state.storage.setAlarm(Date.now() + 60_000));
      await runDurableObjectAlarm(stub);
      const alarm = await runInDurableObject(stub, (_i, state) => state.storage.getAlarm());
      expect(alarm, `pass ${i}: the alarm is armed again`).not.toBeNull();
    }
    expect(((await stub.snapshot()) as unknown as RunState | null)?.status).not.toBe("succeeded");
    // The outage ends.
    await runInDurableObject(stub, (instance) => {
      const i = instance as unknown as { env: Env; realEnv: Env };
      i.env = i.realEnv;
    });
    await runInDurableObject(stub, (_i, state) => state.storage.setAlarm(Date.now()));
    await runDurableObjectAlarm(stub);
    const done = await eventually(
      () => call("GET", `/v1/runs/${runId}`, { key: t.key }),
      (r) => r.body.status === "succeeded",
    );
    expect(done.body.steps.map((s: Json) => s.status)).toEqual(["succeeded", "succeeded"]);
    const emitted = await eventually(
      () => call("GET", "/v1/events?type=order.created", { key: t.key }),
      (r) => r.body.items.some((e: Json) => e.source === `run:${runId}`),
    );
    expect(emitted.body.items.filter((e: Json) => e.source === `run:${runId}`)).toHaveLength(1);
  });
});
