import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, newTenant, sampleDefinition } from "./helpers.ts";

describe("workflows with versions", () => {
  it("create, read, list and search", async () => {
    const t = await newTenant();
    const created = await call("POST", "/v1/workflows", {
      key: t.key,
      body: sampleDefinition("Big orders"),
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: "Big orders",
      enabled: true,
      liveVersion: 1,
      latestVersion: 1,
    });
    expect(created.body.id).toMatch(/^wf_/);
    expect(created.body.definition.steps[0].id).toBe("tell");
    expect(created.body.createdBy).toMatch(/^key_/);
    await call("POST", "/v1/workflows", { key: t.key, body: sampleDefinition("Payments") });
    const got = await call("GET", `/v1/workflows/${created.body.id}`, { key: t.key });
    expect(got.body).toEqual(created.body);
    const list = await call("GET", "/v1/workflows", { key: t.key });
    expect(list.body.items.map((w: { name: string }) => w.name)).toEqual([
      "Payments",
      "Big orders",
    ]);
    const search = await call("GET", "/v1/workflows?q=pay", { key: t.key });
    expect(search.body.items).toHaveLength(1);
    const page1 = await call("GET", "/v1/workflows?limit=1", { key: t.key });
    expect(page1.body.items).toHaveLength(1);
    const page2 = await call("GET", `/v1/workflows?limit=1&cursor=${page1.body.nextCursor}`, {
      key: t.key,
    });
    expect(page2.body.items[0].name).toBe("Big orders");
    expect(page2.body.nextCursor).toBeNull();
    expect((await call("GET", "/v1/workflows?cursor=garbage", { key: t.key })).status).toBe(400);
    expect((await call("GET", "/v1/workflows?limit=500", { key: t.key })).status).toBe(400);
  });

  it("answer 422 with every problem's path for an invalid definition", async () => {
    const t = await newTenant();
    const res = await call("POST", "/v1/workflows", {
      key: t.key,
      body: {
        name: "Bad",
        trigger: { event: "Order" },
        steps: [
          { id: "a", action: "send_email", config: { subject: "x", body: "y" } },
          { id: "a", action: "no_such_action", config: {} },
        ],
      },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("invalid_definition");
    const paths = res.body.error.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(expect.arrayContaining(["trigger.event", "steps[0].config.to"]));
    expect(paths.some((p: string) => p.startsWith("steps[1]"))).toBe(true);
  });

  it("report expression problems with their positions", async () => {
    const t = await newTenant();
    const res = await call("POST", "/v1/workflows", {
      key: t.key,
      body: { ...sampleDefinition(), filter: "order.amount > " },
    });
    expect(res.status).toBe(422);
    const problem = res.body.error.details.find((d: { path: string }) => d.path === "filter");
    expect(problem.position).toMatchObject({
      offset: expect.any(Number),
      line: 1,
      column: expect.any(Number),
    });
  });

  it("save versions, drafts, publish and roll back", async () => {
    const t = await newTenant();
    const id = (await call("POST", "/v1/workflows", { key: t.key, body: sampleDefinition("v1") }))
      .body.id;
    const v2 = await call("PUT", `/v1/workflows/${id}`, {
      key: t.key,
      body: sampleDefinition("v2"),
    });
    expect(v2.status).toBe(200);
    expect(v2.body).toMatchObject({ name: "v2", liveVersion: 2, latestVersion: 2 });
    expect(v2.body.draftVersion).toBeUndefined();
    const draft = await call("PUT", `/v1/workflows/${id}`, {
      key: t.key,
      body: { ...sampleDefinition("v3 draft"), publish: false },
    });
    expect(draft.body).toMatchObject({ liveVersion: 2, draftVersion: 3, latestVersion: 3 });
    const versions = await call("GET", `/v1/workflows/${id}/versions`, { key: t.key });
    expect(
      versions.body.items.map((v: { version: number; live: boolean }) => [v.version, v.live]),
    ).toEqual([
      [3, false],
      [2, true],
      [1, false],
    ]);
    const one = await call("GET", `/v1/workflows/${id}/versions/1`, { key: t.key });
    expect(one.body.definition.name).toBe("v1");
    const rollback = await call("POST", `/v1/workflows/${id}/publish`, {
      key: t.key,
      body: { version: 1 },
    });
    expect(rollback.status).toBe(200);
    expect(rollback.body).toMatchObject({ liveVersion: 1, draftVersion: 3 });
    const live = await call("POST", `/v1/workflows/${id}/publish`, {
      key: t.key,
      body: { version: 3 },
    });
    expect(live.body.liveVersion).toBe(3);
    expect(live.body.draftVersion).toBeUndefined();
    expect(
      (await call("POST", `/v1/workflows/${id}/publish`, { key: t.key, body: { version: 9 } }))
        .status,
    ).toBe(404);
    expect((await call("GET", `/v1/workflows/${id}/versions/9`, { key: t.key })).status).toBe(404);
    // Versions are immutable: version 1 still reads as it was saved.
    expect(
      (await call("GET", `/v1/workflows/${id}/versions/1`, { key: t.key })).body.definition.name,
    ).toBe("v1");
  });

  it("create a draft-only workflow", async () => {
    const t = await newTenant();
    const res = await call("POST", "/v1/workflows", {
      key: t.key,
      body: { ...sampleDefinition(), publish: false, enabled: false },
    });
    expect(res.body).toMatchObject({ liveVersion: null, draftVersion: 1, enabled: false });
  });

  it("refuse a save based on a stale version with 409", async () => {
    const t = await newTenant();
    const id = (await call("POST", "/v1/workflows", { key: t.key, body: sampleDefinition() })).body
      .id;
    await call("PUT", `/v1/workflows/${id}`, { key: t.key, body: sampleDefinition("v2") });
    const stale = await call("PUT", `/v1/workflows/${id}`, {
      key: t.key,
      body: { ...sampleDefinition("v3"), baseVersion: 1 },
    });
    expect(stale.status).toBe(409);
  });

  it("enable, disable and delete (versions stay, the workflow hides)", async () => {
    const t = await newTenant();
    const id = (await call("POST", "/v1/workflows", { key: t.key, body: sampleDefinition() })).body
      .id;
    expect((await call("POST", `/v1/workflows/${id}/disable`, { key: t.key })).body.enabled).toBe(
      false,
    );
    expect((await call("POST", `/v1/workflows/${id}/enable`, { key: t.key })).body.enabled).toBe(
      true,
    );
    expect((await call("DELETE", `/v1/workflows/${id}`, { key: t.key })).status).toBe(204);
    expect((await call("GET", `/v1/workflows/${id}`, { key: t.key })).status).toBe(404);
    expect((await call("GET", "/v1/workflows", { key: t.key })).body.items).toHaveLength(0);
    expect((await call("DELETE", `/v1/workflows/${id}`, { key: t.key })).status).toBe(404);
  });
});

describe("tenant isolation on every workflow route", () => {
  it("answers another tenant's workflow exactly like a missing one", async () => {
    const a = await newTenant("A");
    const b = await newTenant("B");
    const id = (await call("POST", "/v1/workflows", { key: a.key, body: sampleDefinition() })).body
      .id;
    const routes: Array<[string, string, unknown?]> = [
      ["GET", `/v1/workflows/${id}`],
      ["PUT", `/v1/workflows/${id}`, sampleDefinition("hijack")],
      ["POST", `/v1/workflows/${id}/publish`, { version: 1 }],
      ["POST", `/v1/workflows/${id}/enable`],
      ["POST", `/v1/workflows/${id}/disable`],
      ["GET", `/v1/workflows/${id}/versions`],
      ["GET", `/v1/workflows/${id}/versions/1`],
      ["DELETE", `/v1/workflows/${id}`],
    ];
    for (const [method, path, body] of routes) {
      const theirs = await call(method, path, { key: b.key, body });
      const missing = await call(method, path.replace(id, "wf_doesnotexist0000"), {
        key: b.key,
        body,
      });
      expect(theirs.status, `${method} ${path}`).toBe(404);
      expect(theirs.body.error.code).toBe(missing.body.error.code);
      expect(theirs.body.error.message).toBe(missing.body.error.message);
    }
    expect((await call("GET", "/v1/workflows", { key: b.key })).body.items).toHaveLength(0);
    const mine = await call("GET", `/v1/workflows/${id}`, { key: a.key });
    expect(mine.body).toMatchObject({ name: "Big order approval", enabled: true, liveVersion: 1 });
  });
});

describe("searching workflows by name", () => {
  it("takes % and _ literally, any case, and a long query without a LIKE pattern's limits", async () => {
    const t = await newTenant();
    const make = (name: string) =>
      call("POST", "/v1/workflows", {
        key: t.key,
        body: { name, trigger: { event: "order.created" }, steps: [{ id: "d", delay: "1s" }] },
      });
    for (const name of ["Save 50% now", "Save 50 now", "order_sync", "Order sync", "Ünïcode öffer"])
      expect((await make(name)).status).toBe(201);
    const names = async (q: string) =>
      (await call("GET", `/v1/workflows?q=${encodeURIComponent(q)}`, { key: t.key })).body.items
        .map((w: { name: string }) => w.name)
        .sort();
    expect(await names("50%")).toEqual(["Save 50% now"]);
    expect(await names("_")).toEqual(["order_sync"]);
    expect(await names("ORDER")).toEqual(["Order sync", "order_sync"]);
    expect(await names("öffer")).toEqual(["Ünïcode öffer"]);
    // D1 refuses LIKE patterns over 50 bytes; a long search is no pattern at all.
    const long = await call("GET", `/v1/workflows?q=${"x".repeat(150)}`, { key: t.key });
    expect(long.status).toBe(200);
    expect(long.body.items).toEqual([]);
  });
});

describe("two saves of one workflow at once", () => {
  it("answer 200 and 409 (or two versions), never 500", async () => {
    const t = await newTenant();
    const created = await call("POST", "/v1/workflows", {
      key: t.key,
      body: {
        name: "Raced",
        trigger: { event: "order.created" },
        steps: [{ id: "d", delay: "1s" }],
      },
    });
    expect(created.status).toBe(201);
    for (let round = 0; round < 5; round++) {
      const save = (name: string) =>
        call("PUT", `/v1/workflows/${created.body.id}`, {
          key: t.key,
          body: { name, trigger: { event: "order.created" }, steps: [{ id: "d", delay: "2s" }] },
        });
      const answers = await Promise.all([save(`A${round}`), save(`B${round}`)]);
      for (const a of answers) expect([200, 409], JSON.stringify(a.body)).toContain(a.status);
      expect(answers.some((a) => a.status === 200)).toBe(true);
    }
    const versions = await call("GET", `/v1/workflows/${created.body.id}/versions`, { key: t.key });
    const numbers = versions.body.items.map((v: { version: number }) => v.version);
    expect(new Set(numbers).size).toBe(numbers.length);
  });

  it("the save that loses the race for a version number answers 409", async () => {
    const t = await newTenant();
    const body = {
      name: "Raced",
      trigger: { event: "order.created" },
      steps: [{ id: "d", delay: "1s" }],
    };
    const created = await call("POST", "/v1/workflows", { key: t.key, body });
    // The other save has written version 2 and not yet moved the workflow's latest version.
    await env.DB.prepare(
      "INSERT INTO workflow_versions (tenant_id, workflow_id, version, definition, created_at, created_by) SELECT tenant_id, workflow_id, 2, definition, created_at, created_by FROM workflow_versions WHERE workflow_id = ?",
    )
      .bind(created.body.id)
      .run();
    const lost = await call("PUT", `/v1/workflows/${created.body.id}`, { key: t.key, body });
    expect(lost.status).toBe(409);
    expect(lost.body.error.message).toMatch(/same moment/);
  });
});
