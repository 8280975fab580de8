import { describe, expect, it } from "vitest";
import { definition } from "./failing-workflow.ts";
import { addMember, call, eventually, type Json, login, newTenant } from "./helpers.ts";

// A run keeps its history (issue 14): after a retry into success, it still
// shows that it failed, when and why, and who retried it onto which version.

describe("a run's history", () => {
  it("shows the failure, the retry (who, which version) and the success", async () => {
    const t = await newTenant();
    const editorEmail = `editor-${crypto.randomUUID().slice(0, 8)}@example.com`;
    await addMember(t.key, editorEmail, "editor", { password: "correct-horse-battery" });
    const editor = await login(editorEmail, "correct-horse-battery");
    const wf = await call("POST", "/v1/workflows", { key: t.key, body: definition("Orders") });
    const late = `late-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const ev = await call("POST", "/v1/events", {
      key: t.key,
      body: { type: "order.created", data: { id: 1, user: late } },
    });
    const failed = await eventually(
      () => call("GET", `/v1/runs?eventId=${ev.body.id}`, { key: t.key }),
      (r) => r.body.items?.[0]?.status === "failed",
    );
    const runId = failed.body.items[0].id as string;

    // The person it tells joins; an editor retries on version 2.
    await addMember(t.key, late, "viewer", { password: "correct-horse-battery" });
    const v2 = await call("PUT", `/v1/workflows/${wf.body.id}`, {
      key: t.key,
      body: definition("Orders (v2)"),
    });
    expect(v2.status).toBe(200);
    const retry = await call("POST", `/v1/runs/${runId}/retry`, {
      cookie: editor.cookie,
      headers: { "x-csrf-token": editor.csrf },
      body: { version: 2 },
    });
    expect(retry.status).toBe(202);
    await eventually(
      () => call("GET", `/v1/runs/${runId}`, { key: t.key }),
      (r) => r.body.status === "succeeded",
    );

    const history = await eventually(
      () => call("GET", `/v1/runs/${runId}/history`, { key: t.key }),
      (r) => (r.body.items as Json[] | undefined)?.length === 3,
    );
    expect(history.body.items).toEqual([
      {
        kind: "failed",
        at: expect.any(String),
        version: 1,
        step: "Tell the account manager",
        error: `config.user: '${late}' is not a member of this tenant; invite them first (POST /v1/members)`,
      },
      {
        kind: "retried",
        at: expect.any(String),
        version: 2,
        fromVersion: 1,
        by: { type: "user", id: expect.any(String), name: expect.any(String) },
      },
      { kind: "succeeded", at: expect.any(String), version: 2 },
    ]);
    const members = (await call("GET", "/v1/members", { key: t.key })).body.items as Json[];
    const me = members.find((m) => m.email === editorEmail)!;
    expect(history.body.items[1].by).toEqual({ type: "user", id: me.id, name: me.name });

    const missing = await call("GET", "/v1/runs/run_missing/history", { key: t.key });
    expect(missing.status).toBe(404);
  });
});
