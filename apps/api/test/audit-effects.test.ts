// A retry, a cancel and an approval's decision are audited with their
// effect: neither can happen without the other. Each test breaks the audit
// write between the effect and its entry (D1's change log and the store's
// run log both refuse the entry's type for this tenant), then mends it, and
// checks that the run changed and its entry appeared exactly once — or
// that neither happened.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { addMember, call, eventually, type Json, login, newTenant, storeSql } from "./helpers.ts";

const trigger = (tenantId: string, type: string) =>
  `fail_${tenantId}_${type}`.replace(/[^a-z0-9_]/gi, "_");

/** Both audit logs refuse entries of `type` for the tenant until the returned function runs. */
async function breakAudit(tenantId: string, type: string): Promise<() => Promise<void>> {
  const name = trigger(tenantId, type);
  await env.DB.prepare(
    `CREATE TRIGGER ${name} BEFORE INSERT ON audit_log WHEN NEW.tenant_id = '${tenantId}' AND NEW.type = '${type}' BEGIN SELECT RAISE(ABORT, 'injected: the audit write fails'); END`,
  ).run();
  await storeSql(
    tenantId,
    `CREATE TRIGGER ${name} BEFORE INSERT ON run_log WHEN NEW.type = '${type}' BEGIN SELECT RAISE(ABORT, 'injected: the audit write fails'); END`,
  );
  return async () => {
    await env.DB.prepare(`DROP TRIGGER ${name}`).run();
    await storeSql(tenantId, `DROP TRIGGER ${name}`);
  };
}

const entriesOf = async (key: string, type: string, subject: string): Promise<Json[]> =>
  (await call("GET", `/v1/audit?type=${type}`, { key })).body.items.filter(
    (e: Json) => e.subject === subject,
  );

/** The run as GET shows it (touching the run also lets it deliver what it owes). */
const runOf = async (key: string, id: string): Promise<Json> =>
  (await call("GET", `/v1/runs/${id}`, { key })).body;

async function waitingRun(key: string, steps: Json[], data: Json = {}): Promise<string> {
  await call("POST", "/v1/workflows", {
    key,
    body: { name: "w", trigger: { event: "order.created" }, steps },
  });
  const sent = await call("POST", "/v1/events", { key, body: { type: "order.created", data } });
  const ev = await eventually(
    () => call("GET", `/v1/events/${sent.body.id}`, { key }),
    (r) => ["waiting", "failed"].includes(r.body.runs?.[0]?.status),
  );
  return ev.body.runs[0].id;
}

describe("an audited run change and its entry commit together", () => {
  it("a cancel whose audit write fails is still audited once the log works again", async () => {
    const t = await newTenant();
    const runId = await waitingRun(t.key, [{ id: "wait", delay: "1h" }]);
    const mend = await breakAudit(t.tenantId, "run.cancelled");
    const res = await call("POST", `/v1/runs/${runId}/cancel`, { key: t.key });
    await mend();
    const read = async () => ({
      run: await runOf(t.key, runId),
      entries: await entriesOf(t.key, "run.cancelled", runId),
    });
    const done = await eventually(read, (v) => v.entries.length > 0, 8_000).catch(read);
    // Both or neither: a cancelled run has its entry, once.
    expect(done.run.status).toBe("cancelled");
    expect(done.entries).toHaveLength(1);
    expect(done.entries[0]?.actor.type).toBe("api_key");
    // The change happened, so it is no error: the entry follows it.
    expect(res.status).toBe(202);
  });

  it("a retry whose audit write fails is still audited once the log works again", async () => {
    const t = await newTenant();
    // The email's address is missing from the event: the step fails.
    const step = (to: string) => ({
      id: "tell",
      action: "send_email",
      config: { to, subject: "s", body: "b" },
    });
    const runId = await waitingRun(t.key, [step("{{ order.to }}")]);
    expect((await runOf(t.key, runId)).status).toBe("failed");
    const wf = (await runOf(t.key, runId)).workflowId;
    const fixed = await call("PUT", `/v1/workflows/${wf}`, {
      key: t.key,
      body: { name: "w", trigger: { event: "order.created" }, steps: [step("a@example.com")] },
    });
    const mend = await breakAudit(t.tenantId, "run.retried");
    const res = await call("POST", `/v1/runs/${runId}/retry`, {
      key: t.key,
      body: { version: fixed.body.latestVersion },
    });
    await mend();
    const read = async () => ({
      run: await runOf(t.key, runId),
      entries: await entriesOf(t.key, "run.retried", runId),
    });
    const done = await eventually(
      read,
      (v) => v.run.status === "succeeded" && v.entries.length > 0,
      8_000,
    ).catch(read);
    // The retry ran (the run succeeded on the fixed version) and it is audited, once.
    expect(done.run).toMatchObject({ status: "succeeded", workflowVersion: 2 });
    expect(done.entries).toHaveLength(1);
    expect(done.entries[0]?.details).toMatchObject({ fromVersion: 1, toVersion: 2 });
    expect(res.status).toBe(202);
  });

  it("a refused retry writes no entry", async () => {
    const t = await newTenant();
    const runId = await waitingRun(t.key, [{ id: "wait", delay: "1h" }]);
    expect((await call("POST", `/v1/runs/${runId}/retry`, { key: t.key, body: {} })).status).toBe(
      409,
    );
    expect(await entriesOf(t.key, "run.retried", runId)).toHaveLength(0);
  });

  it("an approval decided while its audit write fails is still audited, once", async () => {
    const t = await newTenant();
    const manager = `manager-${crypto.randomUUID().slice(0, 6)}@example.com`;
    await addMember(t.key, manager, "editor", { password: "manager-password-1" });
    const runId = await waitingRun(
      t.key,
      [
        {
          id: "approve",
          action: "request_approval",
          config: { approver: "{{ order.manager }}", title: "Approve" },
        },
      ],
      { manager },
    );
    const a = (
      await eventually(
        () => call("GET", "/v1/approvals?status=pending", { key: t.key }),
        (r) => r.body.items?.length === 1,
      )
    ).body.items[0];
    const mend = await breakAudit(t.tenantId, "approval.decided");
    const m = await login(manager, "manager-password-1");
    const res = await call("POST", `/v1/approvals/${a.id}/decide`, {
      cookie: m.cookie,
      headers: { "x-csrf-token": m.csrf },
      body: { decision: "approved" },
    });
    await mend();
    // Nobody sends the decision again: the run itself delivers what it owes.
    const read = async () => ({
      run: await runOf(t.key, runId),
      approval: (await call("GET", `/v1/approvals/${a.id}`, { key: t.key })).body,
      entries: await entriesOf(t.key, "approval.decided", a.id),
    });
    const done = await eventually(read, (v) => v.entries.length > 0, 8_000).catch(read);
    expect(done.run.steps[0].output.decision).toBe("approved");
    expect(done.entries).toHaveLength(1);
    expect(done.entries[0]?.details).toMatchObject({ decision: "approved", runId });
    expect(done.approval).toMatchObject({ status: "approved", decidedBy: manager });
    expect(res.status).toBe(200);
  });
});
