import { describe, expect, it } from "vitest";
import { call, eventually, type Json, newTenant, storeSql } from "./helpers.ts";

const terminal = ["succeeded", "failed", "filtered", "suppressed", "cancelled"];

async function runFor(key: string, eventId: string, index = 0): Promise<Json> {
  const ev = await eventually(
    () => call("GET", `/v1/events/${eventId}`, { key }),
    (r) => (r.body.runs?.length ?? 0) > index && terminal.includes(r.body.runs[index].status),
  );
  return (await call("GET", `/v1/runs/${ev.body.runs[index].id}`, { key })).body;
}

const paymentWorkflow = (to: string, status = "paid") => ({
  name: "Payment received",
  trigger: { event: "payment.received" },
  steps: [
    {
      id: "mark",
      action: "update_record",
      config: { type: "contract", id: "{{ payment.contract }}", fields: { status } },
    },
    {
      id: "tell",
      action: "send_email",
      config: { to, subject: "Contract {{ payment.contract }} paid", body: "Thanks" },
    },
  ],
});

describe("retry from the failed step", () => {
  it("re-runs only the failed step, onto a fixed version, and refuses an incompatible one", async () => {
    const t = await newTenant();
    const wf = await call("POST", "/v1/workflows", {
      key: t.key,
      body: paymentWorkflow("{{ payment.manager }}"),
    });
    expect(wf.status).toBe(201);
    const sent = await call("POST", "/v1/events", {
      key: t.key,
      body: { type: "payment.received", data: { contract: "c-1", email: "m@example.com" } },
    });
    const failed = await runFor(t.key, sent.body.id);
    expect(failed.status).toBe("failed");
    const tell = failed.steps.find((s: Json) => s.id === "tell");
    expect(tell.status).toBe("failed");
    expect(tell.error.code).toBe("template_error");
    expect(failed.steps.find((s: Json) => s.id === "mark").status).toBe("succeeded");

    // The preview says what a retry would do, before anything runs.
    const preview = await call("GET", `/v1/runs/${failed.id}/retry-preview`, { key: t.key });
    expect(preview.status).toBe(200);
    expect(preview.body.retryable).toBe(true);
    expect(preview.body.steps.map((s: Json) => [s.id, s.plan])).toEqual([
      ["mark", "kept"],
      ["tell", "again"],
    ]);

    // A version that changes a finished step cannot take the run over.
    const changed = await call("PUT", `/v1/workflows/${wf.body.id}`, {
      key: t.key,
      body: paymentWorkflow("{{ payment.email }}", "settled"),
    });
    const refused = await call("POST", `/v1/runs/${failed.id}/retry`, {
      key: t.key,
      body: { version: changed.body.latestVersion },
    });
    expect(refused.status).toBe(409);
    expect(refused.body.error.details.differing).toEqual([{ stepId: "mark", reason: "changed" }]);

    const fixed = await call("PUT", `/v1/workflows/${wf.body.id}`, {
      key: t.key,
      body: paymentWorkflow("{{ payment.email }}"),
    });
    const retried = await call("POST", `/v1/runs/${failed.id}/retry`, {
      key: t.key,
      body: { version: fixed.body.latestVersion },
    });
    expect(retried.status).toBe(202);
    const done = await eventually(
      () => call("GET", `/v1/runs/${failed.id}`, { key: t.key }),
      (r) => r.body.status === "succeeded",
    );
    expect(done.body.workflowVersion).toBe(fixed.body.latestVersion);
    // The record was written once: version 1, one effect marker.
    const record = await call("GET", "/v1/records/contract/c-1", { key: t.key });
    expect(record.body.version).toBe(1);
    const outbox = await call("GET", "/v1/outbox?channel=email", { key: t.key });
    // The step's own email (the failure and recovery alerts to the owner come from no step).
    const stepEmails = (outbox.body.items as { stepId: string | null; to: string }[]).filter(
      (m) => m.stepId !== null,
    );
    expect(stepEmails).toHaveLength(1);
    expect(stepEmails[0]!.to).toBe("m@example.com");
    expect((await call("POST", `/v1/runs/${failed.id}/retry`, { key: t.key })).status).toBe(409);
    const audit = await call("GET", "/v1/audit?type=run.retried", { key: t.key });
    expect(audit.body.items).toHaveLength(1);
  });
});

describe("the loop guard", () => {
  it("stops a workflow that triggers itself", async () => {
    const t = await newTenant();
    const wf = await call("POST", "/v1/workflows", {
      key: t.key,
      body: {
        name: "Touch contract",
        trigger: { event: "contract.updated" },
        steps: [
          {
            id: "touch",
            action: "update_record",
            config: {
              type: "contract",
              id: "{{ contract.id }}",
              fields: { touched: "{{ event.id }}" },
            },
          },
        ],
      },
    });
    await call("PUT", "/v1/records/contract/c-9", {
      key: t.key,
      body: { fields: { status: "new" } },
    });
    await call("PATCH", "/v1/records/contract/c-9", {
      key: t.key,
      body: { fields: { status: "open" } },
    });
    const suppressed = await eventually(
      () => call("GET", `/v1/runs?workflowId=${wf.body.id}&status=suppressed`, { key: t.key }),
      (r) => r.body.items.length === 1,
    );
    const run = (await call("GET", `/v1/runs/${suppressed.body.items[0].id}`, { key: t.key })).body;
    expect(run.causation.chain.map((l: Json) => l.workflowId)).toEqual([wf.body.id]);
    expect(run.suppression.reason).toBe("cycle");
    const all = await call("GET", `/v1/runs?workflowId=${wf.body.id}`, { key: t.key });
    expect(all.body.items.map((r: Json) => r.status).sort()).toEqual(["succeeded", "suppressed"]);
    const audit = await call("GET", "/v1/audit?type=run.suppressed", { key: t.key });
    expect(audit.body.items[0].details.workflowId).toBe(wf.body.id);
  });

  it("stops a two-workflow cycle", async () => {
    const t = await newTenant();
    const a = await call("POST", "/v1/workflows", {
      key: t.key,
      body: {
        name: "Ticket to note",
        trigger: { event: "ticket.updated" },
        steps: [
          {
            id: "note",
            action: "update_record",
            config: { type: "note", id: "{{ ticket.id }}", fields: { from: "{{ event.id }}" } },
          },
        ],
      },
    });
    const b = await call("POST", "/v1/workflows", {
      key: t.key,
      body: {
        name: "Note to ticket",
        trigger: { event: "note.updated" },
        steps: [
          {
            id: "ticket",
            action: "update_record",
            config: { type: "ticket", id: "{{ note.id }}", fields: { from: "{{ event.id }}" } },
          },
        ],
      },
    });
    await call("PUT", "/v1/records/ticket/t-1", { key: t.key, body: { fields: { v: 1 } } });
    await call("PUT", "/v1/records/note/t-1", { key: t.key, body: { fields: { v: 1 } } });
    await call("PATCH", "/v1/records/ticket/t-1", { key: t.key, body: { fields: { v: 2 } } });
    const suppressed = await eventually(
      () => call("GET", `/v1/runs?workflowId=${a.body.id}&status=suppressed`, { key: t.key }),
      (r) => r.body.items.length >= 1,
    );
    const run = (await call("GET", `/v1/runs/${suppressed.body.items[0].id}`, { key: t.key })).body;
    expect(run.causation.chain.map((l: Json) => l.workflowId)).toEqual([a.body.id, b.body.id]);
    await new Promise((r) => setTimeout(r, 2000));
    const [total] = await storeSql<{ n: number }>(
      t.tenantId,
      "SELECT count(*) AS n FROM runs WHERE tenant_id = ?",
      t.tenantId,
    );
    expect(total!.n).toBeLessThan(6);
  });
});
