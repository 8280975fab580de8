// Drafts that save while incomplete (issue 14, item 4) and the interactions
// a workflow has with others (item 9).
import { describe, expect, it } from "vitest";
import { DEMO_WORKFLOWS } from "../src/services/demo.ts";
import { call, type Json, newTenant, sampleDefinition } from "./helpers.ts";

/** Half a workflow, as a person leaves it: an empty email, a half-typed filter. */
const halfDone = (name = "Half done") => ({
  name,
  trigger: { event: "order.created" },
  filter: "order.amount > ",
  steps: [{ id: "tell", name: "Tell the customer", action: "send_email", config: {} }],
});

const paths = (problems: Json[]) => problems.map((p) => p.path).sort();

describe("drafts with problems", () => {
  it("are saved with their problems, listed, refused for publishing and running until fixed", async () => {
    const t = await newTenant();
    const id = (await call("POST", "/v1/workflows", { key: t.key, body: sampleDefinition() })).body
      .id;
    const saved = await call("PUT", `/v1/workflows/${id}`, {
      key: t.key,
      body: { ...halfDone(), publish: false, baseVersion: 1 },
    });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    expect(saved.body).toMatchObject({ liveVersion: 1, draftVersion: 2, latestVersion: 2 });
    expect(paths(saved.body.problems)).toEqual(
      expect.arrayContaining(["filter", "steps[0].config.to"]),
    );
    const filter = saved.body.problems.find((p: Json) => p.path === "filter");
    expect(filter.position).toMatchObject({ line: 1, column: expect.any(Number) });
    // Stored as written, not "fixed" or dropped.
    expect(saved.body.definition).toMatchObject(halfDone());

    const got = await call("GET", `/v1/workflows/${id}`, { key: t.key });
    expect(got.body.problems).toEqual(saved.body.problems);
    const listed = await call("GET", "/v1/workflows", { key: t.key });
    expect(listed.body.items[0].problems).toEqual(saved.body.problems);
    const versions = await call("GET", `/v1/workflows/${id}/versions`, { key: t.key });
    expect(
      versions.body.items.map((v: Json) => [v.version, v.draft, v.live, v.problemCount > 0]),
    ).toEqual([
      [2, true, false, true],
      [1, false, true, false],
    ]);
    const v2 = await call("GET", `/v1/workflows/${id}/versions/2`, { key: t.key });
    expect(v2.body.problems).toEqual(saved.body.problems);
    expect(
      (await call("GET", `/v1/workflows/${id}/versions/1`, { key: t.key })).body.problems,
    ).toEqual([]);

    // Publishing it, either way, is 422 with the same problems; version 1 stays live.
    const publish = await call("POST", `/v1/workflows/${id}/publish`, {
      key: t.key,
      body: { version: 2 },
    });
    expect(publish.status).toBe(422);
    expect(publish.body.error.code).toBe("invalid_definition");
    expect(publish.body.error.message).toMatch(/Version 2 is a draft with \d+ problems/);
    expect(paths(publish.body.error.details)).toEqual(paths(saved.body.problems));
    const put = await call("PUT", `/v1/workflows/${id}`, { key: t.key, body: halfDone() });
    expect(put.status).toBe(422);
    // A dry run or a test run of it: a clear 422, never a 5xx; no run starts.
    for (const route of ["test", "runs"]) {
      const res = await call("POST", `/v1/workflows/${id}/${route}`, {
        key: t.key,
        body: { event: { data: { amount: 1 } }, version: 2 },
      });
      expect(res.status, route).toBe(422);
      expect(res.body.error.message).toMatch(/fix before it can be tested or run/);
    }
    const after = await call("GET", `/v1/workflows/${id}`, { key: t.key });
    expect(after.body).toMatchObject({ liveVersion: 1, draftVersion: 2 });
    // The live version still runs.
    const live = await call("POST", `/v1/workflows/${id}/test`, {
      key: t.key,
      body: { event: { data: { amount: 20000 } } },
    });
    expect(live.status).toBe(200);

    // Fixed: saved as a draft without problems, then published.
    const fixed = await call("PUT", `/v1/workflows/${id}`, {
      key: t.key,
      body: { ...sampleDefinition("Fixed"), publish: false, baseVersion: 2 },
    });
    expect(fixed.body).toMatchObject({ draftVersion: 3, problems: [] });
    const published = await call("POST", `/v1/workflows/${id}/publish`, {
      key: t.key,
      body: { version: 3 },
    });
    expect(published.status).toBe(200);
    expect(published.body).toMatchObject({ liveVersion: 3, problems: [] });
  });

  it("can start a new workflow, which has no live version then", async () => {
    const t = await newTenant();
    const res = await call("POST", "/v1/workflows", {
      key: t.key,
      body: { ...halfDone("Started"), name: "", publish: false },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ liveVersion: null, draftVersion: 1, latestVersion: 1 });
    expect(paths(res.body.problems)).toEqual(expect.arrayContaining(["name", "filter"]));
    const id = res.body.id;
    // Everything that reads a workflow copes with one that was never live.
    for (const path of [
      "/v1/workflows",
      `/v1/workflows/${id}`,
      `/v1/workflows/${id}/versions`,
      `/v1/workflows/${id}/interactions`,
      `/v1/runs?workflowId=${id}`,
      "/v1/audit",
    ]) {
      const got = await call("GET", path, { key: t.key });
      expect(got.status, path).toBe(200);
    }
    for (const action of ["disable", "enable"]) {
      const res2 = await call("POST", `/v1/workflows/${id}/${action}`, { key: t.key });
      expect(res2.status, action).toBe(200);
      expect(res2.body.liveVersion).toBeNull();
    }
    const patched = await call("PATCH", `/v1/workflows/${id}`, {
      key: t.key,
      body: { alerts: { enabled: false } },
    });
    expect(patched.status, JSON.stringify(patched.body)).toBeLessThan(500);
    // An event of its type starts nothing: a draft never matches.
    const sent = await call("POST", "/v1/events", {
      key: t.key,
      body: { type: "order.created", data: { amount: 5 } },
    });
    expect(sent.status).toBe(202);
    const publish = await call("POST", `/v1/workflows/${id}/publish`, {
      key: t.key,
      body: { version: 1 },
    });
    expect(publish.status).toBe(422);
    const audit = await call("GET", "/v1/audit?type=workflow.created", { key: t.key });
    expect(audit.body.items[0]).toMatchObject({
      subject: id,
      details: { version: 1, published: false },
    });
  });

  it("still refuses what is not a workflow at all, with 4xx", async () => {
    const t = await newTenant();
    const bodies: unknown[] = [
      { publish: false },
      { name: 1, trigger: { event: "order.created" }, steps: [], publish: false },
      { name: "x", trigger: "order.created", steps: [], publish: false },
      { name: "x", trigger: { event: "order.created" }, steps: "no", publish: false },
      { name: "x", trigger: { event: "order.created" }, steps: [1], publish: false },
      {
        name: "x",
        trigger: { event: "order.created" },
        steps: [{ id: "a", if: "true", then: "no" }],
        publish: false,
      },
      {
        name: "x",
        trigger: { event: "order.created" },
        steps: [],
        description: "d".repeat(300 * 1024),
        publish: false,
      },
    ];
    for (const body of bodies) {
      const res = await call("POST", "/v1/workflows", { key: t.key, body });
      expect(res.status, JSON.stringify(body).slice(0, 100)).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    }
    expect((await call("GET", "/v1/workflows", { key: t.key })).body.items).toHaveLength(0);
  });

  it("autosave replaces its own draft in place; a stale or another person's save does not", async () => {
    const t = await newTenant();
    const created = await call("POST", "/v1/workflows", {
      key: t.key,
      body: { ...halfDone("Autosaved"), publish: false },
    });
    const id = created.body.id;
    const autosave = (name: string, baseVersion: number, key = t.key) =>
      call("PUT", `/v1/workflows/${id}`, {
        key,
        body: { ...halfDone(name), publish: false, baseVersion, replaceDraft: true },
      });
    const first = await autosave("Autosaved 1", 1);
    const second = await autosave("Autosaved 2", 1);
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ name: "Autosaved 2", latestVersion: 1, draftVersion: 1 });
    expect(first.body.latestVersion).toBe(1);
    expect(
      (await call("GET", `/v1/workflows/${id}/versions`, { key: t.key })).body.items,
    ).toHaveLength(1);
    // Another caller (here a second key) saves a new version instead of writing over this one.
    const other = await call("POST", "/v1/api-keys", { key: t.key, body: { name: "other" } });
    const theirs = await autosave("Theirs", 1, other.body.key);
    expect(theirs.body).toMatchObject({ name: "Theirs", latestVersion: 2, draftVersion: 2 });
    // The first editor's next autosave started from version 1: 409, nothing lost.
    const stale = await autosave("Autosaved 3", 1);
    expect(stale.status).toBe(409);
    expect(
      (await call("GET", `/v1/workflows/${id}/versions/1`, { key: t.key })).body.definition.name,
    ).toBe("Autosaved 2");
    // A version that was live is never written over.
    const fixed = await call("PUT", `/v1/workflows/${id}`, {
      key: t.key,
      body: { ...sampleDefinition("Live"), baseVersion: 2 },
    });
    expect(fixed.body).toMatchObject({ liveVersion: 3, latestVersion: 3 });
    const afterLive = await call("PUT", `/v1/workflows/${id}`, {
      key: t.key,
      body: { ...sampleDefinition("Next"), publish: false, baseVersion: 3, replaceDraft: true },
    });
    expect(afterLive.body).toMatchObject({ liveVersion: 3, draftVersion: 4, latestVersion: 4 });
    expect(
      (await call("GET", `/v1/workflows/${id}/versions/3`, { key: t.key })).body.definition.name,
    ).toBe("Live");
    const audit = await call("GET", "/v1/audit?type=workflow.updated", { key: t.key });
    expect(audit.body.items.some((e: Json) => e.details.replacedDraft === true)).toBe(true);
  });
});

describe("interactions with other workflows", () => {
  it("names the live workflows the same event starts, and those a record write starts", async () => {
    const t = await newTenant();
    const make = async (body: Json) =>
      (await call("POST", "/v1/workflows", { key: t.key, body })).body;
    const other = await make(sampleDefinition("Also on new orders"));
    const onUpdate = await make({
      ...sampleDefinition("When an order changes"),
      trigger: { event: "order.updated" },
    });
    // A disabled one and a draft-only one start nothing: not named.
    const disabled = await make({ ...sampleDefinition("Disabled"), enabled: false });
    await make({ ...sampleDefinition("Only a draft"), publish: false });
    const me = await make({
      name: "Marks orders",
      trigger: { event: "order.created" },
      steps: [
        {
          id: "mark",
          name: "Mark the order",
          action: "update_record",
          config: { type: "order", id: "{{ order.id }}", fields: { seen: true } },
        },
        {
          id: "log",
          action: "update_record",
          config: { type: "order_log", id: "{{ order.id }}", fields: { seen: true } },
        },
        {
          id: "dyn",
          action: "update_record",
          config: { type: "{{ order.kind }}", id: "x", fields: { a: 1 } },
        },
      ],
    });
    const res = await call("GET", `/v1/workflows/${me.id}/interactions`, { key: t.key });
    expect(res.status).toBe(200);
    expect(res.body.trigger).toBe("order.created");
    expect(res.body.sameTrigger).toEqual([{ id: other.id, name: "Also on new orders" }]);
    expect(res.body.sameTrigger.some((w: Json) => w.id === disabled.id)).toBe(false);
    const mark = res.body.effects.find((e: Json) => e.stepId === "mark");
    expect(mark).toMatchObject({
      stepName: "Mark the order",
      events: ["order.created", "order.updated"],
    });
    expect(mark.starts.map((s: Json) => [s.name, s.event, s.self]).sort()).toEqual([
      ["Also on new orders", "order.created", false],
      ["Marks orders", "order.created", true],
      ["When an order changes", "order.updated", false],
    ]);
    expect(mark.starts.find((s: Json) => s.id === onUpdate.id)).toBeDefined();
    const log = res.body.effects.find((e: Json) => e.stepId === "log");
    expect(log).toMatchObject({
      stepName: "log",
      events: ["order_log.created", "order_log.updated"],
      starts: [],
    });
    expect(res.body.effects.some((e: Json) => e.stepId === "dyn")).toBe(false);
    // Another tenant's workflow is not there for them.
    const b = await newTenant("B");
    expect((await call("GET", `/v1/workflows/${me.id}/interactions`, { key: b.key })).status).toBe(
      404,
    );
  });

  it("the demo workflows do not start themselves or each other", async () => {
    const t = await newTenant();
    for (const wf of DEMO_WORKFLOWS) {
      const res = await call("POST", "/v1/workflows", { key: t.key, body: wf.definition });
      expect(res.status).toBe(201);
    }
    const list = await call("GET", "/v1/workflows", { key: t.key });
    expect(list.body.items).toHaveLength(DEMO_WORKFLOWS.length);
    for (const wf of list.body.items) {
      const res = await call("GET", `/v1/workflows/${wf.id}/interactions`, { key: t.key });
      expect(res.status).toBe(200);
      expect(res.body.effects.length, wf.name).toBeGreaterThan(0);
      for (const e of res.body.effects) expect(e.starts, `${wf.name}: ${e.stepName}`).toEqual([]);
    }
  });
});
