import { describe, expect, it } from "vitest";
import { call, eventually, type Json, newTenant } from "./helpers.ts";

// On failure, run workflow X (issue 14): a failed run of W sends X a
// workflow.failed event with the run, the workflow, the failing step, the
// error and that step's input; no client can send one, and the loop guard
// stops handlers that fail into each other.

type T = Awaited<ReturnType<typeof newTenant>>;

async function create(t: T, definition: Json): Promise<string> {
  const res = await call("POST", "/v1/workflows", { key: t.key, body: definition });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
}

/** A handler: told of a failure, it notifies `user` (a stranger makes it fail). */
const handler = (name: string, user: string) => ({
  name,
  trigger: { event: "workflow.failed" },
  steps: [
    {
      id: "tell",
      name: "Tell the owner",
      action: "notify_user",
      config: {
        user,
        message:
          "{{ event.data.workflow.name }} failed at {{ event.data.step.name }}: {{ event.data.error }} (input user {{ event.data.input.user }}, run {{ event.data.run.id }})",
      },
    },
  ],
});

const failing = {
  name: "Orders",
  trigger: { event: "order.created" },
  steps: [
    {
      id: "tell",
      name: "Tell the account manager",
      action: "notify_user",
      config: { user: "{{ order.user }}", message: "Order {{ order.id }}" },
    },
  ],
};

const runsOf = async (t: T, workflowId: string) =>
  (await call("GET", `/v1/runs?workflowId=${workflowId}`, { key: t.key })).body.items as Json[];

/** An order event that makes `workflowId` fail; its failed run's id. */
async function failOnce(t: T, workflowId: string): Promise<string> {
  const ev = await call("POST", "/v1/events", {
    key: t.key,
    body: { type: "order.created", data: { id: 7, user: "stranger@example.com" } },
  });
  const ofW = (r: { body: Json }) =>
    (r.body.items as Json[] | undefined)?.find((x) => x.workflowId === workflowId);
  const runs = await eventually(
    () => call("GET", `/v1/runs?eventId=${ev.body.id}`, { key: t.key }),
    (r) => ofW(r)?.status === "failed",
  );
  return ofW(runs)!.id as string;
}

describe("on failure, run workflow X", () => {
  it("sends X a workflow.failed event with the run, workflow, step, error and the step's input", async () => {
    const t = await newTenant();
    const w = await create(t, failing);
    const x = await create(t, handler("Failure handler", t.email));

    // Only another workflow started by workflow.failed may be chosen.
    const self = await call("PATCH", `/v1/workflows/${w}`, {
      key: t.key,
      body: { onFailure: { workflowId: w } },
    });
    expect(self.status).toBe(422);
    expect(self.body.error.details[0].path).toBe("onFailure.workflowId");
    const other = await create(t, { ...failing, name: "Not a handler" });
    const wrongTrigger = await call("PATCH", `/v1/workflows/${w}`, {
      key: t.key,
      body: { onFailure: { workflowId: other } },
    });
    expect(wrongTrigger.status).toBe(422);
    expect(wrongTrigger.body.error.message).toContain("does not start on workflow.failed");
    const set = await call("PATCH", `/v1/workflows/${w}`, {
      key: t.key,
      body: { onFailure: { workflowId: x } },
    });
    expect(set.status).toBe(200);
    expect(set.body.onFailure).toEqual({ workflowId: x });

    const failedRun = await failOnce(t, w);
    const [handled] = await eventually(
      () => runsOf(t, x),
      (items) => items[0]?.status === "succeeded",
    );
    const event = await call("GET", `/v1/events/${handled!.eventId}`, { key: t.key });
    expect(event.body.type).toBe("workflow.failed");
    expect(event.body.data).toEqual({
      run: { id: failedRun, failedAt: expect.any(String), link: `/runs/${failedRun}` },
      workflow: { id: w, name: "Orders" },
      step: { id: "tell", name: "Tell the account manager" },
      error:
        "config.user: 'stranger@example.com' is not a member of this tenant; invite them first (POST /v1/members)",
      input: { user: "stranger@example.com", message: "Order 7" },
    });
    expect(event.body.causation.chain).toEqual([{ workflowId: w, runId: failedRun }]);
    const notes = (await call("GET", "/v1/notifications", { key: t.key })).body.items as Json[];
    expect(notes.map((n) => n.message)).toContain(
      `Orders failed at Tell the account manager: config.user: 'stranger@example.com' is not a member of this tenant; invite them first (POST /v1/members) (input user stranger@example.com, run ${failedRun})`,
    );
    // Only W's failures reach X: the not-a-handler's runs send nothing.
    expect(await runsOf(t, x)).toHaveLength(1);
  });

  it("cannot be forged by a client", async () => {
    const t = await newTenant();
    const forged = await call("POST", "/v1/events", {
      key: t.key,
      body: { type: "workflow.failed", data: { workflow: { id: "wf_x" } } },
    });
    expect(forged.status).toBe(400);
    expect(JSON.stringify(forged.body.error.details)).toContain("first segment may not be");
  });

  it("stops handlers that fail into each other: the loop guard refuses the second round", async () => {
    const t = await newTenant();
    const w = await create(t, failing);
    const h1 = await create(t, handler("Handler one", "nobody-1@example.com"));
    const h2 = await create(t, handler("Handler two", "nobody-2@example.com"));
    for (const [from, to] of [
      [w, h1],
      [h1, h2],
      [h2, h1],
    ] as const) {
      const res = await call("PATCH", `/v1/workflows/${from}`, {
        key: t.key,
        body: { onFailure: { workflowId: to } },
      });
      expect(res.status).toBe(200);
    }
    await failOnce(t, w);
    // W fails → H1 fails → H2 fails → H1 again is refused (it is in the chain).
    const h1Runs = await eventually(
      () => runsOf(t, h1),
      (items) => items.some((r) => r.status === "suppressed"),
    );
    expect(h1Runs.map((r) => r.status).sort()).toEqual(["failed", "suppressed"]);
    expect((await runsOf(t, h2)).map((r) => r.status)).toEqual(["failed"]);
  });
});
