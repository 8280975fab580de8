import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { addMember, call, eventually, type Json, login, newTenant, storeSql } from "./helpers.ts";

const approvalWorkflow = (timeout = "48h") => ({
  name: "Big order approval",
  trigger: { event: "order.created" },
  steps: [
    {
      id: "approve",
      action: "request_approval",
      config: {
        approver: "{{ order.manager }}",
        title: "Approve order {{ order.id }}",
        summary: [
          { label: "Amount", value: "{{ order.amount }}" },
          { label: "Customer", value: "{{ order.customer.name }} <{{ order.customer.email }}>" },
          { label: "Rush", value: "{{ order.rush }}" },
        ],
        timeout,
      },
    },
    {
      id: "decide",
      if: "steps.approve.output.decision == 'approved'",
      then: [
        {
          id: "mark",
          action: "update_record",
          config: { type: "order", id: "{{ order.id }}", fields: { status: "approved" } },
        },
      ],
      else: [
        {
          id: "tell",
          action: "send_email",
          config: {
            to: "customer@example.com",
            subject: "Order {{ order.id }} {{ steps.approve.output.decision }}",
            body: "Sorry",
          },
        },
      ],
    },
  ],
});

async function setup(timeout?: string, settings?: { timezone: string; locale: string }) {
  const t = await newTenant();
  if (settings) {
    const put = await call("PUT", "/v1/settings/tenant", { key: t.key, body: settings });
    expect(put.status).toBe(200);
  }
  const manager = `manager-${crypto.randomUUID().slice(0, 6)}@example.com`;
  await addMember(t.key, manager, "editor", { password: "manager-password-1" });
  const viewer = `viewer-${crypto.randomUUID().slice(0, 6)}@example.com`;
  await addMember(t.key, viewer, "viewer", { password: "viewer-password-1" });
  await call("POST", "/v1/workflows", { key: t.key, body: approvalWorkflow(timeout) });
  const sent = await call("POST", "/v1/events", {
    key: t.key,
    body: {
      type: "order.created",
      data: {
        id: "o-1",
        manager,
        amount: 12500,
        rush: true,
        customer: { name: "Dana Buyer", email: "dana@example.com" },
      },
    },
  });
  const ev = await eventually(
    () => call("GET", `/v1/events/${sent.body.id}`, { key: t.key }),
    (r) => r.body.runs?.[0]?.status === "waiting",
  );
  const runId: string = ev.body.runs[0].id;
  return { t, manager, viewer, runId };
}

async function stepsOf(key: string, runId: string, status: string): Promise<Json> {
  return (
    await eventually(
      () => call("GET", `/v1/runs/${runId}`, { key }),
      (r) => r.body.status === status,
    )
  ).body;
}

describe("approvals", () => {
  it("open a pending approval with an email (and no second item: no task), and approving takes the then branch", async () => {
    const { t, manager, viewer, runId } = await setup();
    const pending = await call("GET", "/v1/approvals?status=pending", { key: t.key });
    expect(pending.body.items).toHaveLength(1);
    const a = pending.body.items[0];
    expect(a).toMatchObject({
      runId,
      stepId: "approve",
      approver: manager,
      title: "Approve order o-1",
      status: "pending",
    });
    // One item per decision: the approval is the approver's inbox item, with
    // no "Approve: Approve order o-1" task beside it (issue 14, item 7).
    expect((await call("GET", "/v1/tasks", { key: t.key })).body.items).toEqual([]);
    const mail = await call("GET", "/v1/outbox?channel=email", { key: t.key });
    expect(mail.body.items[0].to).toBe(manager);
    expect(mail.body.items[0].body).toContain(`/approvals/${a.id}`);

    const v = await login(viewer, "viewer-password-1");
    const denied = await call("POST", `/v1/approvals/${a.id}/decide`, {
      cookie: v.cookie,
      headers: { "x-csrf-token": v.csrf },
      body: { decision: "approved" },
    });
    expect(denied.status).toBe(403);

    const m = await login(manager, "manager-password-1");
    const ok = await call("POST", `/v1/approvals/${a.id}/decide`, {
      cookie: m.cookie,
      headers: { "x-csrf-token": m.csrf },
      body: { decision: "approved", comment: "fine" },
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ status: "approved", decidedBy: manager, comment: "fine" });
    const twice = await call("POST", `/v1/approvals/${a.id}/decide`, {
      cookie: m.cookie,
      headers: { "x-csrf-token": m.csrf },
      body: { decision: "rejected" },
    });
    expect(twice.status).toBe(409);

    const run = await stepsOf(t.key, runId, "succeeded");
    const byId = Object.fromEntries(run.steps.map((s: Json) => [s.id, s]));
    expect(byId.approve.output).toMatchObject({
      approvalId: a.id,
      decision: "approved",
      decidedBy: manager,
      comment: "fine",
    });
    expect(byId.mark.status).toBe("succeeded");
    expect(byId.tell.status).toBe("skipped");
    expect((await call("GET", `/v1/tasks?status=open`, { key: t.key })).body.items).toHaveLength(0);
    const audit = await call("GET", "/v1/audit?type=approval.decided", { key: t.key });
    expect(audit.body.items[0].subject).toBe(a.id);
  });

  it("carry the author's summary, rendered, in the list, the approval and the email (issue 14, item 7)", async () => {
    const { t, manager } = await setup();
    const expected = [
      { label: "Amount", value: "12,500" },
      { label: "Customer", value: "Dana Buyer <dana@example.com>" },
      { label: "Rush", value: "yes" },
    ];
    const listed = (await call("GET", "/v1/approvals?status=pending", { key: t.key })).body.items;
    expect(listed[0].summary).toEqual(expected);
    const one = await call("GET", `/v1/approvals/${listed[0].id}`, { key: t.key });
    expect(one.body.summary).toEqual(expected);
    const mail = (await call("GET", "/v1/outbox?channel=email", { key: t.key })).body.items[0];
    expect(mail.to).toBe(manager);
    expect(mail.body).toContain(
      "Amount: 12,500\nCustomer: Dana Buyer <dana@example.com>\nRush: yes",
    );
    // The expiry in the tenant's time zone (UTC by default), saying which.
    expect(mail.body).toMatch(/This request expires on .+ \(UTC\)\./);
    // The served contract describes it.
    const doc = await call("GET", "/v1/openapi.json");
    expect(doc.body.components.schemas.Approval.required).toContain("summary");
  });

  it("write the summary's numbers as the tenant's locale does, and the expiry in its zone", async () => {
    const { t } = await setup("48h", { timezone: "Europe/Berlin", locale: "de-DE" });
    const listed = (await call("GET", "/v1/approvals?status=pending", { key: t.key })).body.items;
    expect(listed[0].summary[0]).toEqual({ label: "Amount", value: "12.500" });
    expect(listed[0].summary[2]).toEqual({ label: "Rush", value: "yes" });
    const mail = (await call("GET", "/v1/outbox?channel=email", { key: t.key })).body.items[0];
    expect(mail.body).toContain("Amount: 12.500\n");
    expect(mail.body).toMatch(/This request expires on .+ \(Europe\/Berlin\)\./);
  });

  it("a summary value that cannot be rendered fails the step in words, naming the line", async () => {
    const t = await newTenant();
    const manager = `m-${crypto.randomUUID().slice(0, 6)}@example.com`;
    await addMember(t.key, manager, "editor");
    await call("POST", "/v1/workflows", { key: t.key, body: approvalWorkflow() });
    const sent = await call("POST", "/v1/events", {
      key: t.key,
      body: { type: "order.created", data: { id: "o-2", manager, amount: 1 } },
    });
    const ev = await eventually(
      () => call("GET", `/v1/events/${sent.body.id}`, { key: t.key }),
      (r) => r.body.runs?.[0]?.status === "failed",
    );
    const run = (await call("GET", `/v1/runs/${ev.body.runs[0].id}`, { key: t.key })).body;
    const approve = run.steps.find((s: Json) => s.id === "approve");
    expect(approve.error.path).toBe("config.summary[1].value");
    expect((await call("GET", "/v1/approvals", { key: t.key })).body.items).toEqual([]);
  });

  it("rejecting (by an admin key) takes the else branch", async () => {
    const { t, runId } = await setup();
    const a = (await call("GET", "/v1/approvals?status=pending", { key: t.key })).body.items[0];
    const res = await call("POST", `/v1/approvals/${a.id}/decide`, {
      key: t.key,
      body: { decision: "rejected" },
    });
    expect(res.status).toBe(200);
    const run = await stepsOf(t.key, runId, "succeeded");
    const byId = Object.fromEntries(run.steps.map((s: Json) => [s.id, s]));
    expect(byId.approve.output.decision).toBe("rejected");
    expect(byId.tell.status).toBe("succeeded");
    expect(byId.mark.status).toBe("skipped");
  });

  it("expire after their timeout, and the step succeeds with decision 'expired'", async () => {
    const { t, runId } = await setup("2s");
    const run = await stepsOf(t.key, runId, "succeeded");
    const byId = Object.fromEntries(run.steps.map((s: Json) => [s.id, s]));
    expect(byId.approve.output.decision).toBe("expired");
    expect(byId.tell.status).toBe("succeeded");
    const a = (await call("GET", "/v1/approvals", { key: t.key })).body.items[0];
    expect(a.status).toBe("expired");
    expect(
      (
        await call("POST", `/v1/approvals/${a.id}/decide`, {
          key: t.key,
          body: { decision: "approved" },
        })
      ).status,
    ).toBe(409);
  });

  it("are invisible to other tenants", async () => {
    const { t } = await setup();
    const a = (await call("GET", "/v1/approvals", { key: t.key })).body.items[0];
    const other = await newTenant();
    expect((await call("GET", `/v1/approvals/${a.id}`, { key: other.key })).status).toBe(404);
    expect(
      (
        await call("POST", `/v1/approvals/${a.id}/decide`, {
          key: other.key,
          body: { decision: "approved" },
        })
      ).status,
    ).toBe(404);
    expect((await call("GET", "/v1/approvals", { key: other.key })).body.items).toHaveLength(0);
  });

  it("a decision the run refuses (it already expired) answers 409 and changes nothing", async () => {
    const { t, runId } = await setup("1s");
    await stepsOf(t.key, runId, "succeeded");
    const a = (await call("GET", "/v1/approvals", { key: t.key })).body.items[0];
    expect(a.status).toBe("expired");
    // The store has not heard of the expiry yet: only the run knows.
    await storeSql(
      t.tenantId,
      "UPDATE approvals SET status = 'pending', decided_at = NULL WHERE id = ?",
      a.id,
    );
    const res = await call("POST", `/v1/approvals/${a.id}/decide`, {
      key: t.key,
      body: { decision: "approved" },
    });
    expect(res.status).toBe(409);
    const after = await call("GET", `/v1/approvals/${a.id}`, { key: t.key });
    expect(after.body).toMatchObject({ status: "pending", decidedBy: null });
    const audit = await call("GET", "/v1/audit?type=approval.decided", { key: t.key });
    expect(audit.body.items).toHaveLength(0);
    const run = await call("GET", `/v1/runs/${runId}`, { key: t.key });
    const approve = run.body.steps.find((s: Json) => s.id === "approve");
    expect(approve.output.decision).toBe("expired");
  });

  it("a decision the run took but the approval missed is completed by its retry, once", async () => {
    const { t, manager, runId } = await setup();
    const a = (await call("GET", "/v1/approvals?status=pending", { key: t.key })).body.items[0];
    // As if the first attempt reached the run and failed before the store and the audit.
    const reply = await env.RUNS.get(env.RUNS.idFromName(runId)).input({
      type: "approvalDecided",
      stepId: "approve",
      decision: "approved",
      decidedBy: manager,
      comment: null,
      at: Date.now(),
    });
    expect(reply.ok).toBe(true);
    // Anyone else's decision now is refused: the run holds the manager's.
    const other = await call("POST", `/v1/approvals/${a.id}/decide`, {
      key: t.key,
      body: { decision: "rejected" },
    });
    expect(other.status).toBe(409);
    expect((await call("GET", `/v1/approvals/${a.id}`, { key: t.key })).body.status).toBe(
      "pending",
    );
    const m = await login(manager, "manager-password-1");
    const decide = () =>
      call("POST", `/v1/approvals/${a.id}/decide`, {
        cookie: m.cookie,
        headers: { "x-csrf-token": m.csrf },
        body: { decision: "approved" },
      });
    const retried = await decide();
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ status: "approved", decidedBy: manager });
    expect((await decide()).status).toBe(409);
    const audit = await call("GET", "/v1/audit?type=approval.decided", { key: t.key });
    expect(audit.body.items.map((e: Json) => e.subject)).toEqual([a.id]);
    const run = await stepsOf(t.key, runId, "succeeded");
    const byId = Object.fromEntries(run.steps.map((s: Json) => [s.id, s]));
    expect(byId.mark.status).toBe("succeeded");
    expect((await call("GET", "/v1/tasks?status=open", { key: t.key })).body.items).toHaveLength(0);
  });
});
