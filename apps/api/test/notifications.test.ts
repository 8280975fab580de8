import { env } from "cloudflare:workers";
import { rootCausation } from "@switchyard/engine";
import { describe, expect, it } from "vitest";
import { createDb } from "../src/db/client.ts";
import { executorFor } from "../src/executors/registry.ts";
import { storeFor } from "../src/store/client.ts";
import { addMember, call, type Json, login, newTenant } from "./helpers.ts";

let tick = 0;

/** Notifies a member the way a run's notify_user step does. */
async function notify(tenantId: string, config: Record<string, unknown>): Promise<string> {
  const stepId = `s_${crypto.randomUUID().slice(0, 8)}`;
  const out = await executorFor("notify_user")!.execute(config, {
    env,
    db: createDb(env.DB),
    store: storeFor(env, tenantId),
    tenantId,
    workflowId: "wf_test",
    runId: "run_ntf",
    stepId,
    attempt: 1,
    idempotencyKey: `run_ntf:${stepId}`,
    timeoutMs: 30_000,
    signal: new AbortController().signal,
    // Strictly increasing, so newest-first order is certain within a test.
    now: new Date(Date.now() + ++tick).toISOString(),
    emit: { causation: rootCausation("ev"), eventId: `ev_${stepId}` },
  });
  if (out.status !== "succeeded") throw new Error(JSON.stringify(out));
  return (out.output as { notificationId: string }).notificationId;
}

async function member(key: string, role: string) {
  const email = `${role}-${crypto.randomUUID().slice(0, 8)}@example.com`;
  await addMember(key, email, role, { password: "correct-horse-battery" });
  const s = await login(email, "correct-horse-battery");
  return { email, cookie: s.cookie, headers: { "x-csrf-token": s.csrf } };
}

const ids = (body: Json): string[] => body.items.map((n: { id: string }) => n.id);

describe("notifications", () => {
  it("a signed-in member sees their own by default; keys see everyone's or ?user=", async () => {
    const t = await newTenant();
    const viewer = await member(t.key, "viewer");
    const forOwner = await notify(t.tenantId, { user: t.email, message: "For the owner" });
    const forViewer = await notify(t.tenantId, {
      user: viewer.email,
      message: "Approve order 7",
      link: "/orders/7",
    });
    const own = await call("GET", "/v1/notifications", viewer);
    expect(own.status).toBe(200);
    expect(own.body.items).toEqual([
      {
        id: forViewer,
        user: viewer.email,
        message: "Approve order 7",
        link: "/orders/7",
        read: false,
        runId: "run_ntf",
        stepId: expect.any(String),
        createdAt: expect.any(String),
      },
    ]);
    expect(ids((await call("GET", "/v1/notifications", { key: t.key })).body)).toEqual([
      forViewer,
      forOwner,
    ]);
    const byUser = await call("GET", `/v1/notifications?user=${encodeURIComponent(t.email)}`, {
      key: t.key,
    });
    expect(ids(byUser.body)).toEqual([forOwner]);
  });

  it("marks read; ?unread=true leaves read ones out", async () => {
    const t = await newTenant();
    const viewer = await member(t.key, "viewer");
    const a = await notify(t.tenantId, { user: viewer.email, message: "a" });
    const b = await notify(t.tenantId, { user: viewer.email, message: "b" });
    const read = await call("POST", `/v1/notifications/${a}/read`, viewer);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id: a, read: true });
    expect(ids((await call("GET", "/v1/notifications?unread=true", viewer)).body)).toEqual([b]);
    expect(ids((await call("GET", "/v1/notifications", viewer)).body)).toEqual([b, a]);
    // Marking twice is harmless.
    expect((await call("POST", `/v1/notifications/${a}/read`, viewer)).status).toBe(200);
    expect((await call("GET", "/v1/notifications?unread=maybe", viewer)).status).toBe(400);
  });

  it("a viewer cannot mark someone else's read; an editor can", async () => {
    const t = await newTenant();
    const viewer = await member(t.key, "viewer");
    const editor = await member(t.key, "editor");
    const id = await notify(t.tenantId, { user: t.email, message: "owner's" });
    expect((await call("POST", `/v1/notifications/${id}/read`, viewer)).status).toBe(403);
    expect((await call("POST", `/v1/notifications/${id}/read`, editor)).status).toBe(200);
  });

  it("another tenant's notification answers 404 like a missing one; lists never leak", async () => {
    const a = await newTenant();
    const b = await newTenant();
    const id = await notify(a.tenantId, { user: a.email, message: "secret" });
    const theirs = await call("POST", `/v1/notifications/${id}/read`, { key: b.key });
    const missing = await call("POST", "/v1/notifications/ntf_missing/read", { key: b.key });
    expect(theirs.status).toBe(404);
    expect(theirs.body.error.message).toBe(missing.body.error.message);
    expect((await call("GET", "/v1/notifications", { key: b.key })).body.items).toEqual([]);
    const byEmail = await call("GET", `/v1/notifications?user=${encodeURIComponent(a.email)}`, {
      key: b.key,
    });
    expect(byEmail.body.items).toEqual([]);
    const still = await call("GET", "/v1/notifications", { key: a.key });
    expect(still.body.items[0]).toMatchObject({ id, read: false });
  });
});
