import { env } from "cloudflare:workers";
import { rootCausation } from "@switchyard/engine";
import { describe, expect, it } from "vitest";
import { createDb } from "../src/db/client.ts";
import { executorFor } from "../src/executors/registry.ts";
import { storeFor } from "../src/store/client.ts";
import { addMember, call, login, newTenant } from "./helpers.ts";

let tick = 0;

/** Creates a task the way a run's create_task step does. */
async function createTask(tenantId: string, config: Record<string, unknown>): Promise<string> {
  const stepId = `s_${crypto.randomUUID().slice(0, 8)}`;
  const out = await executorFor("create_task")!.execute(config, {
    env,
    db: createDb(env.DB),
    store: storeFor(env, tenantId),
    tenantId,
    workflowId: "wf_test",
    runId: "run_tasks",
    stepId,
    attempt: 1,
    idempotencyKey: `run_tasks:${stepId}`,
    timeoutMs: 30_000,
    signal: new AbortController().signal,
    // Strictly increasing, so newest-first order is certain within a test.
    now: new Date(Date.now() + ++tick).toISOString(),
    emit: { causation: rootCausation("ev"), eventId: `ev_${stepId}` },
  });
  if (out.status !== "succeeded") throw new Error(JSON.stringify(out));
  return (out.output as { taskId: string }).taskId;
}

/** Invites a member, who accepts with their own password, and signs them in. */
async function member(key: string, role: string) {
  const email = `${role}-${crypto.randomUUID().slice(0, 8)}@example.com`;
  await addMember(key, email, role, { password: "correct-horse-battery" });
  return { email, ...(await login(email, "correct-horse-battery")) };
}

describe("tasks", () => {
  it("lists tasks in API.md's shape, filtered by status and assignee", async () => {
    const t = await newTenant();
    const viewer = await member(t.key, "viewer");
    const first = await createTask(t.tenantId, {
      title: "Call the customer",
      description: "About order 1",
      assignee: t.email,
      due: "2h",
    });
    const second = await createTask(t.tenantId, { title: "Check stock", assignee: viewer.email });
    const all = await call("GET", "/v1/tasks", { key: t.key });
    expect(all.status).toBe(200);
    expect(all.body.items.map((x: { id: string }) => x.id)).toEqual([second, first]);
    expect(all.body.items[1]).toMatchObject({
      id: first,
      title: "Call the customer",
      description: "About order 1",
      assignee: t.email,
      status: "open",
      runId: "run_tasks",
      stepId: expect.any(String),
      due: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
    });
    const mine = await call(
      "GET",
      `/v1/tasks?assignee=${encodeURIComponent(viewer.email.toUpperCase())}`,
      {
        key: t.key,
      },
    );
    expect(mine.body.items.map((x: { id: string }) => x.id)).toEqual([second]);
    await call("PATCH", `/v1/tasks/${first}`, { key: t.key, body: { status: "done" } });
    const open = await call("GET", "/v1/tasks?status=open", { key: t.key });
    expect(open.body.items.map((x: { id: string }) => x.id)).toEqual([second]);
    const done = await call("GET", "/v1/tasks?status=done", { key: t.key });
    expect(done.body.items.map((x: { id: string }) => x.id)).toEqual([first]);
    const page = await call("GET", "/v1/tasks?limit=1", { key: t.key });
    expect(page.body.items).toHaveLength(1);
    const next = await call("GET", `/v1/tasks?limit=1&cursor=${page.body.nextCursor}`, {
      key: t.key,
    });
    expect(next.body.items[0].id).toBe(first);
    expect(next.body.nextCursor).toBeNull();
  });

  it("PATCH marks done and open again; bad statuses are 400", async () => {
    const t = await newTenant();
    const id = await createTask(t.tenantId, { title: "T", assignee: t.email });
    const done = await call("PATCH", `/v1/tasks/${id}`, { key: t.key, body: { status: "done" } });
    expect(done.status).toBe(200);
    expect(done.body.status).toBe("done");
    expect((await call("GET", `/v1/tasks/${id}`, { key: t.key })).body.status).toBe("done");
    const reopened = await call("PATCH", `/v1/tasks/${id}`, {
      key: t.key,
      body: { status: "open" },
    });
    expect(reopened.body.status).toBe("open");
    for (const body of [{ status: "closed" }, {}, { status: "done", title: "x" }]) {
      expect((await call("PATCH", `/v1/tasks/${id}`, { key: t.key, body })).status).toBe(400);
    }
    expect((await call("GET", "/v1/tasks?status=maybe", { key: t.key })).status).toBe(400);
  });

  it("a viewer reads tasks and closes their own, but not others'", async () => {
    const t = await newTenant();
    const viewer = await member(t.key, "viewer");
    const own = await createTask(t.tenantId, { title: "Mine", assignee: viewer.email });
    const others = await createTask(t.tenantId, { title: "Theirs", assignee: t.email });
    const as = { cookie: viewer.cookie, headers: { "x-csrf-token": viewer.csrf } };
    expect((await call("GET", "/v1/tasks", as)).body.items).toHaveLength(2);
    const forbidden = await call("PATCH", `/v1/tasks/${others}`, {
      ...as,
      body: { status: "done" },
    });
    expect(forbidden.status).toBe(403);
    const allowed = await call("PATCH", `/v1/tasks/${own}`, { ...as, body: { status: "done" } });
    expect(allowed.status).toBe(200);
  });

  it("another tenant's task answers 404 like a missing one; lists never leak", async () => {
    const a = await newTenant();
    const b = await newTenant();
    const id = await createTask(a.tenantId, { title: "Secret", assignee: a.email });
    for (const [method, body] of [
      ["GET", undefined],
      ["PATCH", { status: "done" }],
    ] as const) {
      const theirs = await call(method, `/v1/tasks/${id}`, { key: b.key, body });
      const missing = await call(method, "/v1/tasks/tsk_missing", { key: b.key, body });
      expect(theirs.status).toBe(404);
      expect(theirs.body.error.message).toBe(missing.body.error.message);
    }
    expect((await call("GET", "/v1/tasks", { key: b.key })).body.items).toEqual([]);
    expect((await call("GET", `/v1/tasks/${id}`, { key: a.key })).body.status).toBe("open");
  });
});
