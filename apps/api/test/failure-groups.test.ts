import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { TenantStore } from "../src/durable-objects/tenant-store.ts";
import { storeFor } from "../src/store/client.ts";
import { normaliseMessage } from "../src/store/failure-groups.ts";
import { purgeBatch } from "../src/store/retention.ts";
import { addMember, call, eventually, type Json, newTenant, storeSql } from "./helpers.ts";

// Failure groups (issue 16, item 3): failed runs grouped by step, error
// code and normalised message, counted from the runs index.

describe("normalising a failure's message", () => {
  it("replaces what differs between runs and keeps what says what went wrong", () => {
    expect(normaliseMessage("order 1042 for 'Ann' at 2026-05-01T10:00:00.000Z")).toBe(
      'order <n> for "…" at <time>',
    );
    expect(
      normaliseMessage(
        "no member stranger-7@example.com in run 3f2a9c1e-0b4d-4e8f-9a6b-1c2d3e4f5a6b",
      ),
    ).toBe("no member <email> in run <id>");
    expect(
      normaliseMessage("call to https://erp.example/orders?id=991&tag=x answered 400: unknown sku"),
    ).toBe("call to https://erp.example/orders?id=<v>&tag=<v> answered 400: unknown sku");
    // A 400 and a 503 are different failures; the rest of the numbers are not.
    expect(normaliseMessage("answered 503 after 12 tries")).toBe("answered 503 after <n> tries");
    expect(normaliseMessage("payment pay_9004ab1 and blob deadbeef42cafe00 failed")).toBe(
      "payment <id> and blob <id> failed",
    );
    expect(normaliseMessage('  many\n\t spaces   and "quoted \\ text" ')).toBe(
      'many spaces and "…"',
    );
    expect(normaliseMessage("x".repeat(500))).toHaveLength(200);
  });
});

const workflow = {
  name: "Tell the manager",
  trigger: { event: "order.created" },
  steps: [
    {
      id: "tell",
      action: "notify_user",
      config: { user: "{{ order.user }}", message: "Order {{ order.id }} {{ order.note.text }}" },
    },
  ],
};

/** Sends an order and waits for its run to end; returns the run. */
async function order(key: string, data: Json): Promise<Json> {
  const ev = await call("POST", "/v1/events", { key, body: { type: "order.created", data } });
  expect(ev.status).toBe(202);
  const runs = await eventually(
    () => call("GET", `/v1/runs?eventId=${ev.body.id}`, { key }),
    (r) => ["failed", "succeeded"].includes(r.body.items?.[0]?.status),
  );
  return runs.body.items[0];
}

describe("failure groups", () => {
  it("names a loop's failed step without its item index", async () => {
    const t = await newTenant();
    const wf = await call("POST", "/v1/workflows", {
      key: t.key,
      body: {
        name: "Tell each",
        trigger: { event: "order.created" },
        steps: [
          {
            id: "each",
            forEach: "order.lines",
            as: "line",
            steps: [
              {
                id: "reserve",
                action: "notify_user",
                config: { user: "{{ line.user }}", message: "Line {{ index }}" },
              },
            ],
          },
        ],
      },
    });
    expect(wf.status).toBe(201);
    const lines = [{ user: t.email }, { user: t.email }, { user: "nobody-3@example.com" }];
    const failed = await order(t.key, { id: 7, lines });
    expect(failed.status).toBe("failed");
    const groups = (await call("GET", "/v1/failure-groups", { key: t.key })).body.items as Json[];
    expect(groups).toHaveLength(1);
    expect(groups[0]).toMatchObject({ stepId: "reserve", code: "not_a_member", count: 1 });
    // Retention takes the group with its runs, and finished jobs with theirs.
    const job = await call("POST", "/v1/runs/bulk-retry", {
      key: t.key,
      body: { status: "failed", until: "2000-01-01T00:00:00Z" },
    });
    expect(job.status).toBe(202);
    const count = async (table: string) =>
      (await storeSql<{ n: number }>(t.tenantId, `SELECT count(*) AS n FROM ${table}`))[0]!.n;
    expect(await count("failure_groups")).toBe(1);
    expect(await count("jobs")).toBe(1);
    const later = Date.now() + 400 * 24 * 3600_000;
    await runInDurableObject(storeFor(env, t.tenantId), (s) => {
      purgeBatch((s as TenantStore).db, later);
    });
    expect(await count("failure_groups")).toBe(0);
    expect(await count("jobs")).toBe(0);
  });

  it("names a loop's failed instance in the bulk preview", async () => {
    const t = await newTenant();
    const wf = await call("POST", "/v1/workflows", {
      key: t.key,
      body: {
        name: "Tell each",
        trigger: { event: "order.created" },
        steps: [
          {
            id: "each",
            forEach: "order.lines",
            as: "line",
            steps: [
              {
                id: "reserve",
                action: "notify_user",
                config: { user: "{{ line.user }}", message: "Line {{ index }}" },
              },
            ],
          },
        ],
      },
    });
    expect(wf.status).toBe(201);
    const lines = [{ user: t.email }, { user: t.email }, { user: "nobody-3@example.com" }];
    const failed = await order(t.key, { id: 7, lines });
    expect(failed.status).toBe("failed");
    // The bulk preview names the instance that failed.
    const p = await call("POST", "/v1/runs/bulk-retry/preview", {
      key: t.key,
      body: { status: "failed", stepId: "reserve" },
    });
    expect(p.body.runs).toBe(1);
    expect(p.body.wouldFailAgainRuns[0]).toMatchObject({ runId: failed.id, stepId: "reserve[2]" });
  });

  it("groups failures by step, code and normalised message, with counts and first and last seen; a run retried into success leaves its group", async () => {
    const t = await newTenant();
    const wf = await call("POST", "/v1/workflows", { key: t.key, body: workflow });
    expect(wf.status).toBe(201);
    // Shape 1: strangers (not_a_member), each a different address and order.
    const strangers: Json[] = [];
    for (let i = 1; i <= 3; i++) {
      strangers.push(
        await order(t.key, {
          id: 100 + i,
          user: `stranger-${i}@example.com`,
          note: { text: "hi" },
        }),
      );
    }
    // Shape 2: a template that cannot render (no note), twice.
    const broken: Json[] = [];
    for (let i = 1; i <= 2; i++) {
      broken.push(await order(t.key, { id: 200 + i, user: t.email }));
    }
    for (const r of [...strangers, ...broken]) expect(r.status).toBe("failed");

    const groups = await call("GET", `/v1/failure-groups?workflowId=${wf.body.id}`, { key: t.key });
    expect(groups.status).toBe(200);
    const items = groups.body.items as Json[];
    expect(items.map((g) => [g.stepId, g.action, g.code, g.count])).toEqual([
      ["tell", "notify_user", "not_a_member", 3],
      ["tell", "notify_user", "template_error", 2],
    ]);
    const [members, templates] = items as [Json, Json];
    expect(members.id).toMatch(/^fg_[0-9a-f]{16}$/);
    // The address is quoted in the message: a quoted string becomes "…".
    expect(members.message).toBe(
      'config.user: "…" is not a member of this tenant; invite them first (POST /v1/members)',
    );
    expect(members.message).not.toContain("stranger-");
    expect(members.example).toContain("stranger-3@example.com");
    expect(members.sampleRunId).toBe(strangers[2]!.id);
    expect(Date.parse(members.firstSeen)).toBeLessThanOrEqual(Date.parse(members.lastSeen));
    expect(members.firstSeen).toBe(strangers[0]!.finishedAt);
    expect(members.lastSeen).toBe(strangers[2]!.finishedAt);
    expect(templates.id).not.toBe(members.id);

    // The runs list finds a group's runs, and a step's.
    const listed = await call("GET", `/v1/runs?errorGroup=${members.id}`, { key: t.key });
    expect(listed.status).toBe(200);
    expect((listed.body.items as Json[]).map((r) => r.id).sort()).toEqual(
      strangers.map((r) => r.id).sort(),
    );
    const byStep = await call("GET", "/v1/runs?stepId=tell", { key: t.key });
    expect(byStep.body.items).toHaveLength(5);
    expect((await call("GET", "/v1/runs?stepId=other", { key: t.key })).body.items).toHaveLength(0);

    // A stranger becomes a member; their run retried succeeds and leaves the group.
    await addMember(t.key, "stranger-1@example.com", "viewer");
    const retried = await call("POST", `/v1/runs/${strangers[0]!.id}/retry`, { key: t.key });
    expect(retried.status).toBe(202);
    await eventually(
      () => call("GET", `/v1/runs/${strangers[0]!.id}`, { key: t.key }),
      (r) => r.body.status === "succeeded",
    );
    const after = await eventually(
      () => call("GET", "/v1/failure-groups", { key: t.key }),
      (r) => (r.body.items as Json[]).find((g) => g.id === members.id)?.count === 2,
    );
    const still = (after.body.items as Json[]).find((g) => g.id === members.id)!;
    // First and last seen are history: the group was seen then, whatever happened since.
    expect(still.firstSeen).toBe(members.firstSeen);
    expect(
      (await call("GET", `/v1/runs?errorGroup=${members.id}`, { key: t.key })).body.items,
    ).toHaveLength(2);

    // since/until narrow the runs counted; since after until is a 400.
    const later = await call(
      "GET",
      `/v1/failure-groups?since=${encodeURIComponent(broken[0]!.createdAt)}`,
      { key: t.key },
    );
    expect((later.body.items as Json[]).map((g) => [g.code, g.count])).toEqual([
      ["template_error", 2],
    ]);
    const bad = await call(
      "GET",
      "/v1/failure-groups?since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z",
      { key: t.key },
    );
    expect(bad.status).toBe(400);

    // Another tenant sees none of it.
    const other = await newTenant();
    expect((await call("GET", "/v1/failure-groups", { key: other.key })).body.items).toEqual([]);
    expect(
      (await call("GET", `/v1/runs?errorGroup=${members.id}`, { key: other.key })).body.items,
    ).toEqual([]);
  });
});
