// forEach against the real Worker (wrangler dev: workerd, local D1, queues,
// Durable Objects): a 200-item loop sends one outbox email per item and the
// step after it reads the loop's results; the run view lists at most 100
// items and the items route pages through all of them. A loop whose webhook
// fails for three items keeps going, fails the run, and a retry calls only
// those three again, under the same webhook-id as their first attempt.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type Fake, startFake } from "../edges/fakes.ts";
import { eventually, type Json, newTenant, type Tenant } from "../security/api.ts";

const base = inject("baseUrl");
const vars = inject("vars");

let t: Tenant;

beforeAll(async () => {
  t = await newTenant(base, vars.SWITCHYARD_PLATFORM_TOKEN!, "For each");
});

/** Starts a run of `type` with `data` and waits until it ends as `status`. */
async function runTo(type: string, data: Json, status: string, timeoutMs = 30_000): Promise<Json> {
  const ev = await t.api.must("POST", "/v1/events", { type, data });
  const seen = await eventually(
    () => t.api.get(`/v1/events/${ev.id}`),
    (r) => r.body?.runs?.length === 1,
    timeoutMs,
    "a run",
  );
  const runId = seen.body.runs[0].id as string;
  return settle(runId, status, timeoutMs);
}

async function settle(runId: string, status: string, timeoutMs = 30_000): Promise<Json> {
  const run = await eventually(
    () => t.api.get(`/v1/runs/${runId}`),
    (r) => ["succeeded", "failed", "cancelled"].includes(r.body?.status),
    timeoutMs,
    `run ${runId} to end`,
  );
  expect(run.body.status, JSON.stringify(run.body.error)).toBe(status);
  return run.body;
}

/** Every page of a run's items under `query`. */
async function allItems(runId: string, query: string): Promise<Json[]> {
  const out: Json[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const r = await t.api.must(
      "GET",
      `/v1/runs/${runId}/items?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
    );
    out.push(...r.items);
    cursor = r.nextCursor;
    pages += 1;
    expect(pages).toBeLessThan(20);
  } while (cursor);
  return out;
}

describe("forEach under wrangler dev", () => {
  it("runs 200 items, one email each, and the step after the loop reads its results", async () => {
    await t.api.must("POST", "/v1/workflows", {
      name: "Every line",
      trigger: { event: "batch.arrived" },
      steps: [
        {
          id: "each",
          forEach: "batch.lines",
          as: "line",
          concurrency: 10,
          steps: [
            {
              id: "mail",
              action: "send_email",
              config: {
                to: "{{ line.email }}",
                subject: "Line {{ index }}",
                body: "Hello {{ line.name }}, sku {{ line.sku }}",
              },
            },
          ],
        },
        {
          id: "tally",
          action: "update_record",
          config: {
            type: "batch",
            id: "{{ batch.id }}",
            fields: {
              sent: "{{ size(steps.each.output.results) }}",
              first: "{{ steps.each.output.results[0].mail.provider }}",
            },
          },
        },
      ],
    });
    const lines = Array.from({ length: 200 }, (_, i) => ({
      email: `line-${i}@example.com`,
      name: `Person ${i}`,
      sku: `SKU-${i}`,
    }));
    const run = await runTo("batch.arrived", { id: "b1", lines }, "succeeded", 40_000);

    // Exactly one email per item, each with that item's data.
    const messages: Json[] = [];
    let cursor: string | null = null;
    do {
      const r = await t.api.must(
        "GET",
        `/v1/outbox?runId=${run.id}&limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
      );
      messages.push(...r.items);
      cursor = r.nextCursor;
    } while (cursor);
    expect(messages).toHaveLength(200);
    const byTo = new Map(messages.map((m) => [m.to as string, m]));
    expect(byTo.size).toBe(200);
    lines.forEach((line, i) => {
      const m = byTo.get(line.email);
      expect(m?.subject).toBe(`Line ${i}`);
      expect(m?.body).toBe(`Hello ${line.name}, sku ${line.sku}`);
      expect(m?.stepId).toBe(`mail[${i}]`);
    });

    // The step after the loop read its results.
    const record = await t.api.must("GET", "/v1/records/batch/b1");
    expect(record.fields).toMatchObject({ sent: 200, first: "outbox" });

    // The run view: the loop with its counts and 100 listed items, then the step after it.
    const each = run.steps.find((s: Json) => s.id === "each");
    expect(each.items).toEqual({
      total: 200,
      pending: 0,
      running: 0,
      succeeded: 200,
      failed: 0,
      cancelled: 0,
      listed: 100,
    });
    const items = run.steps.filter((s: Json) => s.kind === "item");
    expect(items).toHaveLength(100);
    expect(items.map((s: Json) => s.item.index)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    const mails = run.steps.filter((s: Json) => s.id.startsWith("mail["));
    expect(mails).toHaveLength(100);
    expect(mails[7].item).toEqual({ loop: "each", index: 7 });
    expect(run.steps.at(-1).id).toBe("tally");

    // The items route pages through all 200, in index order, with their steps.
    const all = await allItems(run.id, "step=each&limit=100");
    expect(all.map((i) => i.index)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(all[150]).toMatchObject({
      id: "each[150]",
      status: "succeeded",
      item: lines[150],
      output: { mail: { provider: "outbox" } },
    });
    expect(all[150].steps.map((s: Json) => s.id)).toEqual(["mail[150]"]);
    expect(await allItems(run.id, "step=each&status=failed")).toEqual([]);
    const notALoop = await t.api.get(`/v1/runs/${run.id}/items?step=tally`);
    expect(notALoop.status).toBe(400);
    const missing = await t.api.get("/v1/runs/run_missing/items?step=each");
    expect(missing.status).toBe(404);
  }, 60_000);

  describe("a webhook per item that fails for three of them", () => {
    let receiver: Fake;
    const failing = new Set(["sku-2", "sku-5", "sku-7"]);
    let broken = true;
    afterAll(() => receiver?.close());

    it("keeps going, fails the run, and a retry calls only those three again", async () => {
      receiver = await startFake((req) => {
        const { sku } = JSON.parse(req.body) as { sku: string };
        return broken && failing.has(sku)
          ? { status: 400, body: { error: "unknown sku" } }
          : { status: 200, body: { ok: sku } };
      });
      await t.api.must("POST", "/v1/workflows", {
        name: "Reserve lines",
        trigger: { event: "stock.requested" },
        steps: [
          {
            id: "reserve_all",
            forEach: "stock.lines",
            as: "line",
            concurrency: 4,
            onItemFailure: "continue",
            steps: [
              {
                id: "reserve",
                action: "call_webhook",
                config: { url: `${receiver.url}/reserve`, body: { sku: "{{ line.sku }}" } },
              },
            ],
          },
        ],
      });
      const lines = Array.from({ length: 10 }, (_, i) => ({ sku: `sku-${i}` }));
      const failed = await runTo("stock.requested", { lines }, "failed");
      const loop = failed.steps.find((s: Json) => s.id === "reserve_all");
      expect(loop.output.failed.map((f: Json) => f.index)).toEqual([2, 5, 7]);
      expect(loop.items).toMatchObject({ total: 10, failed: 3, succeeded: 7 });
      const failedItems = await allItems(failed.id, "step=reserve_all&status=failed");
      expect(failedItems.map((i) => i.id)).toEqual([
        "reserve_all[2]",
        "reserve_all[5]",
        "reserve_all[7]",
      ]);
      expect(receiver.requests).toHaveLength(10);
      const firstId = new Map(
        receiver.requests.map((r) => [JSON.parse(r.body).sku as string, r.headers["webhook-id"]]),
      );

      // The preview names the three items and the step instance each runs again.
      const preview = await t.api.must("GET", `/v1/runs/${failed.id}/retry-preview`);
      expect(preview.items).toEqual(
        [2, 5, 7].map((index) => ({
          loop: "reserve_all",
          index,
          id: `reserve_all[${index}]`,
          steps: [`reserve[${index}]`],
        })),
      );

      broken = false;
      await t.api.must("POST", `/v1/runs/${failed.id}/retry`, {});
      const after = await settle(failed.id, "succeeded");
      expect(after.steps.find((s: Json) => s.id === "reserve_all").output.failed).toEqual([]);

      // Calls per webhook-id: the three retried items twice, under their first id; the rest once.
      const calls = new Map<string, number>();
      for (const r of receiver.requests) {
        const id = r.headers["webhook-id"]!;
        calls.set(id, (calls.get(id) ?? 0) + 1);
      }
      expect(receiver.requests).toHaveLength(13);
      expect(calls.size).toBe(10);
      for (const [sku, id] of firstId) {
        expect(calls.get(id!), sku).toBe(failing.has(sku) ? 2 : 1);
      }
      const retried = receiver.requests.slice(10).map((r) => JSON.parse(r.body).sku as string);
      expect(retried.sort()).toEqual([...failing].sort());
    }, 60_000);
  });
});
