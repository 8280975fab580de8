import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { hashPassword, sha256Hex } from "../src/lib/crypto.ts";
import { DEMO_ADMIN_EMAIL, DEMO_EVENT_TYPES } from "../src/services/demo.ts";
import { call, eventually, type Json, login, PLATFORM } from "./helpers.ts";

const DEMO_KEY = "sy_demotestkey0000000000000000000000000000000";
const DEMO_PASSWORD = "demo-password-123";

const seed = () => call("POST", "/v1/platform/demo-seed", { key: PLATFORM });
const resets = async (): Promise<Json[]> =>
  (await call("GET", "/v1/audit?type=demo.reset", { key: DEMO_KEY })).body.items;

describe("the demo seed", () => {
  it("audits what it resets in the demo tenant's change log: who and what", async () => {
    expect((await seed()).status).toBe(200);
    const before = await resets();
    // Someone changed the admin's password and revoked the key .dev.vars holds.
    await env.DB.prepare("UPDATE users SET password_hash = ? WHERE email = ?")
      .bind(await hashPassword("someone-elses-password"), DEMO_ADMIN_EMAIL)
      .run();
    await env.DB.prepare("DELETE FROM api_keys WHERE key_hash = ?")
      .bind(await sha256Hex(DEMO_KEY))
      .run();

    const reseeded = await seed();
    expect(reseeded.status).toBe(200);
    expect(reseeded.body.created).toEqual(expect.arrayContaining(["password", "api_key"]));
    const after = await resets();
    expect(after).toHaveLength(before.length + 1);
    expect(after[0]).toMatchObject({
      type: "demo.reset",
      actor: { type: "platform", id: "demo-seed" },
      details: { reset: ["password", "api_key"] },
    });
    // The reset took effect with its entry.
    expect((await login(DEMO_ADMIN_EMAIL, DEMO_PASSWORD)).cookie).toBeTruthy();

    // A seed that changes nothing records nothing.
    expect((await seed()).body.created).toEqual([]);
    expect(await resets()).toHaveLength(before.length + 1);
    expect((await call("GET", "/v1/audit/verify", { key: DEMO_KEY })).body.ok).toBe(true);
  });

  it("'Big order approval' marks an order approved without starting itself again (issue 14)", async () => {
    expect((await seed()).status).toBe(200);
    const key = DEMO_KEY;
    const orderId = `ord_${crypto.randomUUID().slice(0, 8)}`;
    const sent = await call("POST", "/v1/events", {
      key,
      body: { type: "order.created", data: { ...DEMO_EVENT_TYPES["order.created"], id: orderId } },
    });
    expect(sent.status).toBe(202);
    const started = await eventually(
      () => call("GET", `/v1/events/${sent.body.id}`, { key }),
      (r) => r.body.runs?.some((run: Json) => run.status === "waiting"),
    );
    const runId: string = started.body.runs[0].id;
    expect(started.body.runs).toEqual([
      { id: runId, workflowId: "wf_demo_big_order", status: "waiting" },
    ]);
    const approval = (await call("GET", "/v1/approvals?status=pending", { key })).body.items.find(
      (a: Json) => a.runId === runId,
    );
    // The facts to decide on (issue 14, item 7): the amount and the customer.
    expect(approval.summary).toEqual([
      { label: "Amount", value: "12,500" },
      { label: "Customer", value: "Dana Buyer" },
    ]);
    const decided = await call("POST", `/v1/approvals/${approval.id}/decide`, {
      key,
      body: { decision: "approved" },
    });
    expect(decided.status).toBe(200);
    await eventually(
      () => call("GET", `/v1/runs/${runId}`, { key }),
      (r) => r.body.status === "succeeded",
    );

    // The change the run made emits its event; once that event is matched,
    // it has started no run (before: an order.created that triggered this
    // workflow again, stopped only by the loop guard).
    const emitted = await eventually(
      () => call("GET", "/v1/events?limit=50", { key }),
      (r) => r.body.items.some((e: Json) => e.id !== sent.body.id && e.data?.id === orderId),
    );
    const change = emitted.body.items.find(
      (e: Json) => e.id !== sent.body.id && e.data?.id === orderId,
    );
    const matched = await eventually(
      () => call("GET", `/v1/events/${change.id}`, { key }),
      (r) => r.body.status === "matched",
    );
    expect(matched.body.runs).toEqual([]);
    expect(matched.body.type).toBe("order_approval.created");
  });
});
