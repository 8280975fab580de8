import { env } from "cloudflare:workers";
import { rootCausation } from "@switchyard/engine";
import { describe, expect, it } from "vitest";
import { createDb } from "../src/db/client.ts";
import { executorFor } from "../src/executors/registry.ts";
import { storeFor } from "../src/store/client.ts";
import { call, newTenant } from "./helpers.ts";

let tick = 0;

/** Sends a message the way a run's send_email / send_sms step does. */
async function send(tenantId: string, action: string, config: unknown, stepId: string) {
  const out = await executorFor(action)!.execute(config, {
    env,
    db: createDb(env.DB),
    store: storeFor(env, tenantId),
    tenantId,
    workflowId: "wf_test",
    runId: "run_out",
    stepId,
    attempt: 1,
    idempotencyKey: `run_out:${stepId}`,
    timeoutMs: 30_000,
    signal: new AbortController().signal,
    // Strictly increasing, so newest-first order is certain within a test.
    now: new Date(Date.now() + ++tick).toISOString(),
    emit: { causation: rootCausation("ev"), eventId: `ev_${stepId}` },
  });
  if (out.status !== "succeeded") throw new Error(JSON.stringify(out));
  return (out.output as { messageId: string }).messageId;
}

describe("outbox", () => {
  it("lists sent messages in API.md's shape, by channel, once per idempotency key", async () => {
    const t = await newTenant();
    const email = { to: "ann@example.com", subject: "Order 1", body: "Thanks" };
    const m1 = await send(t.tenantId, "send_email", email, "mail");
    const m2 = await send(t.tenantId, "send_sms", { to: "+15550100", body: "Done" }, "sms");
    // The same step again (a retry, a redelivery): no second message.
    expect(await send(t.tenantId, "send_email", email, "mail")).toBe(m1);
    const all = await call("GET", "/v1/outbox", { key: t.key });
    expect(all.status).toBe(200);
    expect(all.body.items.map((m: { id: string }) => m.id)).toEqual([m2, m1]);
    expect(all.body.nextCursor).toBeNull();
    const emails = await call("GET", "/v1/outbox?channel=email", { key: t.key });
    expect(emails.body.items).toEqual([
      {
        id: m1,
        channel: "email",
        to: "ann@example.com",
        subject: "Order 1",
        body: "Thanks",
        cc: null,
        replyTo: null,
        runId: "run_out",
        stepId: "mail",
        idempotencyKey: "run_out:mail",
        createdAt: expect.any(String),
      },
    ]);
    const sms = await call("GET", "/v1/outbox?channel=sms", { key: t.key });
    expect(sms.body.items).toMatchObject([
      { id: m2, channel: "sms", subject: null, to: "+15550100" },
    ]);
    const byRun = await call("GET", "/v1/outbox?runId=run_other", { key: t.key });
    expect(byRun.body.items).toEqual([]);
  });

  it("keeps an email's cc and reply-to", async () => {
    const t = await newTenant();
    await send(
      t.tenantId,
      "send_email",
      {
        to: "a@example.com",
        subject: "s",
        body: "b",
        cc: "boss@example.com",
        replyTo: "ops@example.com",
      },
      "cc",
    );
    const emails = await call("GET", "/v1/outbox?channel=email", { key: t.key });
    expect(emails.body.items[0]).toMatchObject({
      cc: "boss@example.com",
      replyTo: "ops@example.com",
    });
  });

  it("pages with limit and cursor", async () => {
    const t = await newTenant();
    const sent: string[] = [];
    for (let i = 0; i < 5; i++) {
      sent.unshift(await send(t.tenantId, "send_sms", { to: "+15550100", body: `#${i}` }, `s${i}`));
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = cursor ? `&cursor=${cursor}` : "";
      const page = await call("GET", `/v1/outbox?limit=2${q}`, { key: t.key });
      seen.push(...page.body.items.map((m: { id: string }) => m.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(sent);
  });

  it("answers 400 for a bad channel or limit, 401 without credentials", async () => {
    const t = await newTenant();
    for (const q of ["channel=fax", "limit=0", "limit=201", "cursor=%%%"]) {
      const res = await call("GET", `/v1/outbox?${q}`, { key: t.key });
      expect(res.status, q).toBe(400);
      expect(res.body.error.code).toBeDefined();
    }
    expect((await call("GET", "/v1/outbox")).status).toBe(401);
  });

  it("never shows another tenant's messages", async () => {
    const a = await newTenant();
    const b = await newTenant();
    await send(a.tenantId, "send_email", { to: "x@example.com", subject: "s", body: "b" }, "m");
    // The same idempotency key in another tenant is another message.
    await send(b.tenantId, "send_email", { to: "y@example.com", subject: "s", body: "b" }, "m");
    const seenByB = await call("GET", "/v1/outbox", { key: b.key });
    expect(seenByB.body.items.map((m: { to: string }) => m.to)).toEqual(["y@example.com"]);
  });
});
