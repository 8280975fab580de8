// A workflow that fails on demand, for the failure-alert suites (issue 14):
// its one step tells `order.user`, so an event naming a stranger fails the
// run (not_a_member, never retried) and one naming a member succeeds.
import { expect } from "vitest";
import { addMember, call, eventually, type Json, login, newTenant } from "./helpers.ts";

const PASSWORD = "correct-horse-battery";

/** A member of the tenant, signed in. */
export async function member(key: string, role: string) {
  const email = `${role}-${crypto.randomUUID().slice(0, 8)}@example.com`;
  await addMember(key, email, role, { password: PASSWORD });
  const s = await login(email, PASSWORD);
  const members = await call("GET", "/v1/members", { key });
  const id = (members.body.items as Json[]).find((m) => m.email === email)!.id as string;
  return { id, email, cookie: s.cookie, headers: { "x-csrf-token": s.csrf } };
}

/** Fails when `user` is not a member (not_a_member, never retried), succeeds when it is. */
export const definition = (name: string) => ({
  name,
  trigger: { event: "order.created" },
  steps: [
    {
      id: "tell",
      name: "Tell the account manager",
      action: "notify_user",
      config: { user: "{{ order.user }}", message: "Order {{ order.id }}" },
    },
  ],
});

/** A tenant with an admin, a viewer and an editor who publishes the workflow. */
export async function setup(name = "Orders") {
  const t = await newTenant();
  const admin = await member(t.key, "admin");
  const viewer = await member(t.key, "viewer");
  const editor = await member(t.key, "editor");
  const created = await call("POST", "/v1/workflows", {
    cookie: editor.cookie,
    headers: editor.headers,
    body: definition(name),
  });
  expect(created.status).toBe(201);
  return { t, admin, viewer, editor, workflowId: created.body.id as string };
}

let n = 0;
/** One run to its end: failed (a stranger is named) or succeeded; returns its id. */
export async function runOnce(
  s: Awaited<ReturnType<typeof setup>>,
  outcome: "failed" | "succeeded",
): Promise<string> {
  n += 1;
  const user = outcome === "failed" ? "stranger@example.com" : s.t.email;
  const ev = await call("POST", "/v1/events", {
    key: s.t.key,
    body: { type: "order.created", data: { id: n, user } },
  });
  expect(ev.status).toBe(202);
  const runs = await eventually(
    () => call("GET", `/v1/runs?eventId=${ev.body.id}`, { key: s.t.key }),
    (r) => r.body.items?.[0]?.status === outcome,
  );
  return runs.body.items[0].id as string;
}

export const alertsOf = async (key: string) =>
  ((await call("GET", "/v1/notifications?limit=200", { key })).body.items as Json[]).filter((x) =>
    String(x.message).startsWith("Workflow "),
  );
export const alertEmails = async (key: string) =>
  ((await call("GET", "/v1/outbox?channel=email&limit=200", { key })).body.items as Json[]).filter(
    (x) => String(x.subject).startsWith("Workflow "),
  );
