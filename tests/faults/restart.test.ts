import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorker, type WorkerHandle } from "../support/worker.ts";

// A short fault round: kill `wrangler dev` (the whole process group) right
// after events are accepted, start it again on the same state, and check
// that nothing accepted was lost and no run was duplicated.

// biome-ignore lint/suspicious/noExplicitAny: the API answers arbitrary JSON
type Json = any;

let w: WorkerHandle;
let key: string;

async function api(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${w.baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {} };
}

async function eventually<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 60_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > until)
      throw new Error(`not reached in ${ms} ms: ${JSON.stringify(v).slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

beforeAll(async () => {
  w = await startWorker();
  key = w.vars.SWITCHYARD_DEMO_API_KEY!;
}, 120_000);

afterAll(async () => {
  await w?.stop();
});

describe("wrangler dev killed with events in flight", () => {
  it("matches every accepted event after a restart, once", async () => {
    const wf = await api("POST", "/v1/workflows", {
      name: "Two delays",
      trigger: { event: "shipment.created" },
      steps: [
        { id: "first", delay: "1s" },
        { id: "second", delay: "2s" },
      ],
    });
    expect(wf.status).toBe(201);
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await api("POST", "/v1/events", {
        id: `ship-${i}`,
        type: "shipment.created",
        data: { n: i },
      });
      expect(res.status).toBe(202);
      ids.push(res.body.id);
    }
    await w.restart();
    // Once more mid-delay for the runs that already started.
    await new Promise((r) => setTimeout(r, 1500));
    await w.restart();
    for (const id of ids) {
      const ev = await eventually(
        () => api("GET", `/v1/events/${id}`),
        (e) => e.body.status === "matched" && e.body.runs.length === 1,
      );
      expect(ev.body.runs).toHaveLength(1);
    }
    const runs = await eventually(
      () => api("GET", `/v1/runs?workflowId=${wf.body.id}&limit=200`),
      (r) =>
        r.body.items.length === ids.length &&
        r.body.items.every((x: { status: string }) => x.status === "succeeded"),
      90_000,
    );
    expect(new Set(runs.body.items.map((r: { eventId: string }) => r.eventId)).size).toBe(
      ids.length,
    );
    const verify = await api("GET", "/v1/audit/verify");
    expect(verify.body.ok).toBe(true);
  }, 240_000);

  it("keeps a schedule firing across a restart: each occurrence once, the missed ones shown", async () => {
    const wf = await api("POST", "/v1/workflows", {
      name: "Every two seconds",
      trigger: { schedule: { every: "2s", catchUp: "latest" } },
      steps: [
        {
          id: "note",
          action: "notify_user",
          config: { user: "admin@acme.example", message: "Tick {{ schedule.nominal }}" },
        },
      ],
    });
    expect(wf.status).toBe(201);
    const runsOf = () => api("GET", `/v1/runs?workflowId=${wf.body.id}&limit=200`);
    await eventually(
      runsOf,
      (r) => r.body.items.some((x: Json) => x.status === "succeeded"),
      30_000,
    );
    const restartedAt = Date.now();
    await w.restart();
    // The store's alarm is set again on its start: occurrences after the restart run.
    const after = await eventually(
      runsOf,
      (r) =>
        r.body.items.some(
          (x: Json) => x.status === "succeeded" && Date.parse(x.createdAt) > restartedAt,
        ),
      60_000,
    );
    await api("POST", `/v1/workflows/${wf.body.id}/disable`);
    const items: Json[] = after.body.items;
    // One run per occurrence: no nominal time twice, fired or skipped.
    const nominals = items.map((x) => x.eventId.slice(x.eventId.indexOf(":") + 1));
    expect(new Set(nominals).size).toBe(nominals.length);
    for (const x of items.filter((r) => r.status === "skipped"))
      expect(["schedule_missed", "schedule_overlap"]).toContain(x.suppression.reason);
  }, 180_000);

  it("keeps runs waiting for an event across a restart: the right event resumes one, the other times out", async () => {
    // Two workflows, one run each: q-kept waits long (so a slow restart
    // cannot time it out before its event comes), q-late times out soon
    // after the restart (its timer survived it).
    const follow = async (quote: string, timeout: string) => {
      const wf = await api("POST", "/v1/workflows", {
        name: `Quote follow-up ${quote}`,
        trigger: { event: "quote.sent" },
        filter: `quote.id == "${quote}"`,
        steps: [
          {
            id: "accepted",
            waitFor: {
              event: "quote.accepted",
              match: "event.data.quote_id == quote.id",
              timeout,
            },
            onTimeout: [{ id: "remind", delay: "1s" }],
          },
        ],
      });
      expect(wf.status).toBe(201);
      return wf.body.id as string;
    };
    const workflows = [await follow("q-kept", "600s"), await follow("q-late", "8s")];
    for (const id of ["q-kept", "q-late"]) {
      expect((await api("POST", "/v1/events", { type: "quote.sent", data: { id } })).status).toBe(
        202,
      );
    }
    const runsOf = async () => {
      const lists = await Promise.all(
        workflows.map((id) => api("GET", `/v1/runs?workflowId=${id}&limit=10`)),
      );
      // Each event also made a filtered run in the other workflow: not ours.
      const items = lists.flatMap((l) => l.body.items).filter((x: Json) => x.status !== "filtered");
      return { status: 200, body: { items } };
    };
    await eventually(
      runsOf,
      (r) => r.body.items.length === 2 && r.body.items.every((x: Json) => x.status === "waiting"),
      30_000,
    );
    await w.restart();
    // The waits are in the store: an event after the restart finds its run.
    const sent = await api("POST", "/v1/events", {
      type: "quote.accepted",
      data: { quote_id: "q-kept" },
    });
    expect(sent.status).toBe(202);
    const done = await eventually(
      runsOf,
      (r) => r.body.items.every((x: Json) => x.status === "succeeded"),
      60_000,
    );
    const outputs = await Promise.all(
      done.body.items.map(
        async (x: Json) => (await api("GET", `/v1/runs/${x.id}`)).body.steps[0].output,
      ),
    );
    // One resumed by its own quote's event; the other's timeout ran its branch.
    expect(outputs.filter((o: Json) => o.type === "quote.accepted")).toHaveLength(1);
    expect(outputs.filter((o: Json) => o.timedOut === true)).toHaveLength(1);
    for (const id of workflows)
      expect((await api("GET", `/v1/waits?workflowId=${id}`)).body.items).toEqual([]);
  }, 180_000);
});
