import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { Command, RunState } from "@switchyard/engine";
import { describe, expect, it } from "vitest";
import {
  MAX_ROW_BYTES,
  MAX_STEP_OUTPUT_BYTES,
  RunStorage,
  type Stored,
} from "../src/durable-objects/run-storage.ts";
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
    // The reply comes once the result is stored; the runs index hears of the end next.
    const view = await eventually(
      () => call("GET", `/v1/runs/${runId}`, { key: t.key }),
      (r) => r.body.status === "failed",
    );
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

// Each commit of a new run object is an fsync of a brand-new file: a run's
// first checkpoint carries the tables with it, and the clear that follows
// carrying out a dispatch rides on the next checkpoint (the claim).
describe("a run's commits", () => {
  const tables = (state: DurableObjectState) =>
    state.storage.sql
      .exec<{ name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'run_%'",
      )
      .toArray()
      .map((r) => r.name)
      .sort();

  it("an object that never held a run writes nothing; its first checkpoint creates the tables", async () => {
    const stub = runStub(`never-${crypto.randomUUID()}`);
    expect(await stub.status()).toBeNull();
    expect(await stub.view()).toBeNull();
    await runInDurableObject(stub, (_i, state) => {
      expect(tables(state)).toEqual([]);
      const storage = new RunStorage(state.storage);
      expect(storage.load()).toBeUndefined();
      expect(storage.unclaimed()).toEqual([]);
      expect(storage.dispatch("a")).toBeUndefined();
      storage.save(stored([dispatchOf("a")]), {
        unclaimed: [{ stepId: "a", attempt: 1, at: 1, sends: 1 }],
      });
      expect(tables(state)).toEqual(["run_core", "run_dispatch", "run_steps", "run_unclaimed"]);
      expect(new RunStorage(state.storage).load()?.pending).toHaveLength(1);
    });
  });

  it("a settled clear is kept in memory until the next save; a restart before it replays the commands", async () => {
    const stub = runStub(`settle-${crypto.randomUUID()}`);
    await runInDurableObject(stub, (_i, state) => {
      const storage = new RunStorage(state.storage);
      storage.save(stored([dispatchOf("a")]));
      storage.settle({ ...storage.load()!, pending: [] });
      expect(storage.load()?.pending).toEqual([]);
      // A restart now (a fresh object over the same storage) still has the dispatch to replay.
      expect(new RunStorage(state.storage).load()?.pending).toHaveLength(1);
      // The next checkpoint writes the clear with it.
      storage.save({ ...storage.load()!, indexedStatus: "running" });
      expect(new RunStorage(state.storage).load()?.pending).toEqual([]);
    });
  });

  it("a one-step run leaves nothing pending once it ends", async () => {
    const t = await newTenant();
    const { runId } = await startRun(t.key, [
      {
        id: "tell",
        action: "send_email",
        config: { to: "a@example.com", subject: "Hi", body: "x" },
      },
    ]);
    await eventually(
      () => call("GET", `/v1/runs/${runId}`, { key: t.key }),
      (r) => r.body.status === "succeeded",
    );
    await runInDurableObject(runStub(runId), (_i, state) => {
      const fresh = new RunStorage(state.storage).load();
      expect(fresh?.state.status).toBe("succeeded");
      expect(fresh?.pending).toEqual([]);
    });
  });
});

function dispatchOf(stepId: string): Command {
  return {
    type: "dispatch",
    runId: "r1",
    stepId,
    attempt: 1,
    action: "send_email",
    config: {},
    idempotencyKey: `r1:${stepId}`,
    timeoutMs: 30_000,
  } as unknown as Command;
}

function stored(pending: Command[]): Stored {
  return {
    tenantId: "t1",
    state: {
      runId: "r1",
      workflowId: "w1",
      status: "running",
      steps: {},
      timers: [],
    } as unknown as RunState,
    pending,
  };
}
