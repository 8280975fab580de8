// forEach runs through the API (issue 15, part 2): the run view lists at
// most 100 items per loop instance (failed and running first) with their
// counts, GET /v1/runs/:id/items pages through all of them, the audit
// record counts items instead of listing them, and everything keyed by a
// step id (approvals, waits, a run's storage rows) takes instance ids.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { decodeStep } from "../src/durable-objects/run-storage.ts";
import { addMember, call, eventually, type Json, newTenant, storeSql } from "./helpers.ts";

async function startRun(key: string, workflow: Json, data: Json): Promise<string> {
  const wf = await call("POST", "/v1/workflows", { key, body: workflow });
  expect(wf.status, JSON.stringify(wf.body)).toBe(201);
  const sent = await call("POST", "/v1/events", {
    key,
    body: { type: workflow.trigger.event, data },
  });
  const ev = await eventually(
    () => call("GET", `/v1/events/${sent.body.id}`, { key }),
    (r) => r.body.runs?.length === 1,
  );
  return ev.body.runs[0].id;
}

/**
 * The run's audit record: in the tenant's store until it is archived to
 * D1's segments (which may happen soon after the run ends).
 */
async function auditRecord(tenantId: string, runId: string): Promise<Json> {
  const found = await eventually(
    async () => {
      const [row] = await storeSql<{ record: string }>(
        tenantId,
        "SELECT record FROM run_audit WHERE record LIKE ?",
        `%${runId}%`,
      );
      if (row) return JSON.parse(row.record) as Json;
      const segments = await env.DB.prepare(
        "SELECT body FROM run_audit_segments WHERE tenant_id = ?",
      )
        .bind(tenantId)
        .all<{ body: string }>();
      return segments.results
        .flatMap((s) => JSON.parse(s.body).runs as Json[])
        .find((r) => r.runId === runId);
    },
    (r) => r !== undefined,
  );
  return found as Json;
}

const runUntil = (key: string, runId: string, check: (run: Json) => boolean) =>
  eventually(
    () => call("GET", `/v1/runs/${runId}`, { key }),
    (r) => check(r.body),
  ).then((r) => r.body);

/** A loop whose items fail at once when they have no `n` (a failing condition). */
const checkAll = (name: string, extra: Json = {}) => ({
  name,
  trigger: { event: "lines.sent" },
  steps: [
    {
      id: "each",
      forEach: "lines.items",
      as: "line",
      onItemFailure: "continue",
      concurrency: 20,
      steps: [{ id: "check", if: "line.n >= 0", then: [] }],
      ...extra,
    },
  ],
});

const items = (count: number, failing: number[]) =>
  Array.from({ length: count }, (_, i) => (failing.includes(i) ? { m: i } : { n: i }));

describe("a loop in the run view", () => {
  it("lists at most 100 items, the failed ones first, in index order, with counts", async () => {
    const t = await newTenant();
    const failing = [120, 121, 122, 123, 124, 140];
    const runId = await startRun(t.key, checkAll("Bounded"), { items: items(150, failing) });
    const run = await runUntil(t.key, runId, (r) => r.status === "failed");
    const loop = run.steps[0];
    expect(loop.id).toBe("each");
    expect(loop.items).toEqual({
      total: 150,
      pending: 0,
      running: 0,
      succeeded: 144,
      failed: 6,
      cancelled: 0,
      listed: 100,
    });
    const listed = run.steps.filter((s: Json) => s.kind === "item");
    expect(listed.map((s: Json) => s.item.index)).toEqual([
      ...Array.from({ length: 94 }, (_, i) => i),
      ...failing,
    ]);
    // Each item is followed by its steps, which name the item.
    const at = run.steps.findIndex((s: Json) => s.id === "each[140]");
    expect(run.steps[at]).toMatchObject({ kind: "item", status: "failed", input: { m: 140 } });
    expect(run.steps[at + 1]).toMatchObject({
      id: "check[140]",
      status: "failed",
      item: { loop: "each", index: 140 },
    });
    expect(run.steps).toHaveLength(1 + 100 * 2);
    expect(loop.output.failed.map((f: Json) => f.index)).toEqual(failing);

    // The audit record counts the items and names the failed ones, not every instance.
    const record = await auditRecord(t.tenantId, runId);
    expect(record.steps).toHaveLength(1);
    expect(record.steps[0]).toMatchObject({
      id: "each",
      items: { total: 150, succeeded: 144, failed: 6, pending: 0, running: 0, cancelled: 0 },
    });
    expect(record.steps[0].failedItems.map((f: Json) => f.index)).toEqual(failing);
    expect(record.steps[0].failedItems[0].error.code).toBe("condition_error");

    // The retry preview: the items that run again, with their failed steps.
    const preview = await call("GET", `/v1/runs/${runId}/retry-preview`, { key: t.key });
    expect(preview.status).toBe(200);
    expect(preview.body.items).toEqual(
      failing.map((index) => ({
        loop: "each",
        index,
        id: `each[${index}]`,
        steps: [`check[${index}]`],
      })),
    );
    const again = preview.body.steps.filter((s: Json) => s.plan === "again");
    expect(again.map((s: Json) => s.id)).toContain("check[140]");
    expect(preview.body.steps.find((s: Json) => s.id === "check[3]")).toMatchObject({
      plan: "kept",
      item: { loop: "each", index: 3 },
    });
  });

  it("keeps only a bounded audit record for a loop with many failed items", async () => {
    const t = await newTenant();
    const failing = Array.from({ length: 60 }, (_, i) => i * 2);
    const runId = await startRun(t.key, checkAll("Many failures"), {
      items: items(120, failing),
    });
    await runUntil(t.key, runId, (r) => r.status === "failed");
    const record = await auditRecord(t.tenantId, runId);
    expect(record.steps[0].items).toMatchObject({ total: 120, failed: 60, succeeded: 60 });
    expect(record.steps[0].failedItems).toHaveLength(20);
    expect(record.steps[0].failedItems.map((f: Json) => f.index)).toEqual(failing.slice(0, 20));
  });
});

describe("GET /v1/runs/:id/items", () => {
  it("pages through a loop's items in index order, by status, with their steps", async () => {
    const t = await newTenant();
    const failing = [3, 7, 130];
    const runId = await startRun(t.key, checkAll("Paged"), { items: items(140, failing) });
    await runUntil(t.key, runId, (r) => r.status === "failed");
    const seen: Json[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q = `step=each&limit=60${cursor ? `&cursor=${cursor}` : ""}`;
      const page = await call("GET", `/v1/runs/${runId}/items?${q}`, { key: t.key });
      expect(page.status).toBe(200);
      seen.push(...page.body.items);
      cursor = page.body.nextCursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen.map((i) => i.index)).toEqual(Array.from({ length: 140 }, (_, i) => i));
    expect(seen[7]).toMatchObject({
      id: "each[7]",
      index: 7,
      status: "failed",
      item: { m: 7 },
      output: null,
      error: { code: "condition_error" },
    });
    expect(seen[7]!.steps).toEqual([
      expect.objectContaining({
        id: "check[7]",
        status: "failed",
        item: { loop: "each", index: 7 },
      }),
    ]);
    expect(seen[8]).toMatchObject({ status: "succeeded", item: { n: 8 }, error: null });

    const failed = await call("GET", `/v1/runs/${runId}/items?step=each&status=failed`, {
      key: t.key,
    });
    expect(failed.body.items.map((i: Json) => i.index)).toEqual(failing);
    expect(failed.body.nextCursor).toBeNull();
    const small = await call("GET", `/v1/runs/${runId}/items?step=each&status=failed&limit=2`, {
      key: t.key,
    });
    expect(small.body.items.map((i: Json) => i.index)).toEqual([3, 7]);
    const rest = await call(
      "GET",
      `/v1/runs/${runId}/items?step=each&status=failed&limit=2&cursor=${small.body.nextCursor}`,
      { key: t.key },
    );
    expect(rest.body.items.map((i: Json) => i.index)).toEqual([130]);
  });

  it("pages a nested loop's items by its instance id, and refuses what is not a loop", async () => {
    const t = await newTenant();
    const runId = await startRun(
      t.key,
      {
        name: "Nested",
        trigger: { event: "lines.sent" },
        steps: [
          {
            id: "outer",
            forEach: "lines.batches",
            as: "batch",
            steps: [
              {
                id: "inner",
                forEach: "batch",
                as: "line",
                steps: [{ id: "check", if: "line >= 0", then: [] }],
              },
            ],
          },
        ],
      },
      {
        batches: [
          [1, 2],
          [3, 4, 5],
        ],
      },
    );
    const run = await runUntil(t.key, runId, (r) => r.status === "succeeded");
    expect(run.steps.map((s: Json) => s.id)).toEqual([
      "outer",
      "outer[0]",
      "inner[0]",
      "inner[0][0]",
      "check[0][0]",
      "inner[0][1]",
      "check[0][1]",
      "outer[1]",
      "inner[1]",
      "inner[1][0]",
      "check[1][0]",
      "inner[1][1]",
      "check[1][1]",
      "inner[1][2]",
      "check[1][2]",
    ]);
    expect(run.steps[2]).toMatchObject({ item: { loop: "outer", index: 0 }, items: { total: 2 } });
    expect(run.steps[4].item).toEqual({ loop: "inner", index: 0 });
    const inner = await call(
      "GET",
      `/v1/runs/${runId}/items?step=${encodeURIComponent("inner[1]")}`,
      {
        key: t.key,
      },
    );
    expect(inner.status).toBe(200);
    expect(inner.body.items.map((i: Json) => [i.id, i.item])).toEqual([
      ["inner[1][0]", 3],
      ["inner[1][1]", 4],
      ["inner[1][2]", 5],
    ]);
    const outer = await call("GET", `/v1/runs/${runId}/items?step=outer`, { key: t.key });
    expect(outer.body.items[1].steps).toEqual([
      expect.objectContaining({ id: "inner[1]", items: expect.objectContaining({ total: 3 }) }),
    ]);
    for (const step of ["check", "inner", "nope", "outer[0]", "inner[9]x"]) {
      const bad = await call("GET", `/v1/runs/${runId}/items?step=${encodeURIComponent(step)}`, {
        key: t.key,
      });
      expect(bad.status, step).toBe(400);
      expect(bad.body.error.code).toBe("bad_request");
    }
    const badCursor = await call("GET", `/v1/runs/${runId}/items?step=outer&cursor=zz`, {
      key: t.key,
    });
    expect(badCursor.status).toBe(400);
    expect((await call("GET", `/v1/runs/run_nope/items?step=outer`, { key: t.key })).status).toBe(
      404,
    );
    const other = await newTenant();
    expect(
      (await call("GET", `/v1/runs/${runId}/items?step=outer`, { key: other.key })).status,
    ).toBe(404);
  });
});

describe("instance ids beyond the run", () => {
  it("asks one approval per item and resumes each item on its own decision", async () => {
    const t = await newTenant();
    const manager = "loop-manager@example.com";
    await addMember(t.key, manager, "editor");
    const runId = await startRun(
      t.key,
      {
        name: "Approve each",
        trigger: { event: "lines.sent" },
        steps: [
          {
            id: "each",
            forEach: "lines.items",
            as: "line",
            concurrency: 2,
            steps: [
              {
                id: "ask",
                action: "request_approval",
                config: { approver: manager, title: "Line {{ line.sku }}" },
              },
            ],
          },
        ],
      },
      { items: [{ sku: "a" }, { sku: "b" }] },
    );
    const pending = await eventually(
      () => call("GET", "/v1/approvals?status=pending", { key: t.key }),
      (r) => r.body.items?.filter((a: Json) => a.runId === runId).length === 2,
    );
    const mine = pending.body.items.filter((a: Json) => a.runId === runId);
    expect(mine.map((a: Json) => a.stepId).sort()).toEqual(["ask[0]", "ask[1]"]);
    const first = mine.find((a: Json) => a.stepId === "ask[1]");
    expect(first.title).toBe("Line b");
    for (const a of mine) {
      const res = await call("POST", `/v1/approvals/${a.id}/decide`, {
        key: t.key,
        body: { decision: a.stepId === "ask[0]" ? "approved" : "rejected" },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    }
    const run = await runUntil(t.key, runId, (r) => r.status === "succeeded");
    const results = run.steps[0].output.results;
    expect(results.map((r: Json) => r.ask.decision)).toEqual(["approved", "rejected"]);
  });

  it("cancels one item's wait through DELETE /v1/waits/:runId/:stepId with an encoded instance id", async () => {
    const t = await newTenant();
    const runId = await startRun(
      t.key,
      {
        name: "Wait each",
        trigger: { event: "lines.sent" },
        steps: [
          {
            id: "each",
            forEach: "lines.items",
            as: "line",
            concurrency: 2,
            steps: [
              {
                id: "hold",
                waitFor: { event: "line.done", match: "event.data.sku == line.sku", timeout: "1h" },
              },
            ],
          },
        ],
      },
      { items: [{ sku: "a" }, { sku: "b" }] },
    );
    await eventually(
      () => call("GET", `/v1/waits?limit=50`, { key: t.key }),
      (r) => r.body.items?.filter((w: Json) => w.runId === runId).length === 2,
    );
    const cancelled = await call("DELETE", `/v1/waits/${runId}/${encodeURIComponent("hold[1]")}`, {
      key: t.key,
    });
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(202);
    expect(cancelled.body.stepId).toBe("hold[1]");
    // The other item's wait is resumed by its event.
    await call("POST", "/v1/events", {
      key: t.key,
      body: { type: "line.done", data: { sku: "a" } },
    });
    const run = await runUntil(t.key, runId, (r) => r.status === "succeeded");
    const results = run.steps[0].output.results;
    expect(results[0].hold.data).toEqual({ sku: "a" });
    expect(results[1].hold).toMatchObject({ timedOut: true, cancelled: true });
  });

  it("emits each item's record change under its instance id and opens a task per item", async () => {
    const t = await newTenant();
    const person = "loop-worker@example.com";
    await addMember(t.key, person, "editor");
    const runId = await startRun(
      t.key,
      {
        name: "Mark each",
        trigger: { event: "lines.sent" },
        steps: [
          {
            id: "each",
            forEach: "lines.items",
            as: "line",
            concurrency: 2,
            steps: [
              {
                id: "mark",
                action: "update_record",
                config: { type: "line", id: "{{ line.sku }}", fields: { seen: true } },
              },
              {
                id: "todo",
                action: "create_task",
                config: { title: "Check {{ line.sku }}", assignee: person },
              },
            ],
          },
        ],
      },
      { items: [{ sku: "a" }, { sku: "b" }] },
    );
    await runUntil(t.key, runId, (r) => r.status === "succeeded");
    for (const [index, sku] of ["a", "b"].entries()) {
      const ev = await eventually(
        () =>
          call("GET", `/v1/events/${encodeURIComponent(`${runId}:mark[${index}]:0`)}`, {
            key: t.key,
          }),
        (r) => r.status === 200,
      );
      expect(ev.body).toMatchObject({ type: "line.created", data: { id: sku } });
    }
    const tasks = await call("GET", `/v1/tasks?runId=${runId}`, { key: t.key });
    expect(tasks.body.items.map((x: Json) => [x.stepId, x.title]).sort()).toEqual([
      ["todo[0]", "Check a"],
      ["todo[1]", "Check b"],
    ]);
  });

  it("stores a row per item and per item's step, each as the run holds it after many transitions", async () => {
    const t = await newTenant();
    const runId = await startRun(
      t.key,
      {
        name: "Rows",
        trigger: { event: "lines.sent" },
        steps: [
          {
            id: "each",
            forEach: "lines.items",
            as: "line",
            concurrency: 5,
            steps: [
              {
                id: "mark",
                action: "update_record",
                config: { type: "row", id: "r{{ index }}", fields: { n: "{{ line.n }}" } },
              },
            ],
          },
        ],
      },
      { items: items(30, []) },
    );
    await runUntil(t.key, runId, (r) => r.status === "succeeded");
    const stub = env.RUNS.get(env.RUNS.idFromName(runId));
    const state = (await stub.snapshot()) as unknown as Json;
    // Written only when a transition replaced a step's object: what is
    // stored is still exactly what the run holds in memory.
    const rows = await runInDurableObject(stub, (_i, s) =>
      s.storage.sql
        .exec<{ step_id: string; body: string }>("SELECT step_id, body FROM run_steps")
        .toArray(),
    );
    expect(rows).toHaveLength(1 + 30 * 2);
    for (const row of rows)
      expect(decodeStep(row.step_id, row.body), row.step_id).toEqual(state.steps[row.step_id]);
    expect(state.steps["mark[29]"]).toMatchObject({ status: "succeeded", output: { id: "r29" } });
  });
});
