import { describe, expect, it } from "vitest";
import { DEMO_EVENT_TYPES } from "../src/services/demo.ts";
import { call, newTenant, PLATFORM } from "./helpers.ts";

const schema = {
  type: "object",
  properties: { id: { type: "string" }, amount: { type: "number" } },
};

describe("event types", () => {
  it("declares a type with a schema and sample, and lists it", async () => {
    const t = await newTenant();
    const put = await call("PUT", "/v1/event-types/order.created", {
      key: t.key,
      body: { schema, sample: { id: "o-1", amount: 12000 } },
    });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({
      type: "order.created",
      schema,
      sample: { id: "o-1", amount: 12000 },
      declared: true,
      lastSeenAt: null,
    });
    const list = await call("GET", "/v1/event-types", { key: t.key });
    expect(list.status).toBe(200);
    expect(list.body).toEqual({ items: [put.body], nextCursor: null });
  });

  it("infers the schema from a sample; keeps what a later declaration leaves out", async () => {
    const t = await newTenant();
    const put = await call("PUT", "/v1/event-types/invoice.paid", {
      key: t.key,
      body: { sample: { total: 5, paidAt: "2026-05-01T10:00:00Z" } },
    });
    expect(put.body.schema).toMatchObject({
      type: "object",
      properties: { total: { type: "number" }, paidAt: { type: "string" } },
    });
    const again = await call("PUT", "/v1/event-types/invoice.paid", {
      key: t.key,
      body: { schema },
    });
    expect(again.body).toMatchObject({ schema, sample: { total: 5 }, declared: true });
    const bare = await call("PUT", "/v1/event-types/invoice.sent", { key: t.key, body: {} });
    expect(bare.body).toMatchObject({ schema: null, sample: null, declared: true });
  });

  it("pages by type name", async () => {
    const t = await newTenant();
    for (const type of ["c.one", "a.one", "b.one"]) {
      await call("PUT", `/v1/event-types/${type}`, { key: t.key, body: {} });
    }
    const first = await call("GET", "/v1/event-types?limit=2", { key: t.key });
    expect(first.body.items.map((e: { type: string }) => e.type)).toEqual(["a.one", "b.one"]);
    const rest = await call("GET", `/v1/event-types?limit=2&cursor=${first.body.nextCursor}`, {
      key: t.key,
    });
    expect(rest.body.items.map((e: { type: string }) => e.type)).toEqual(["c.one"]);
    expect(rest.body.nextCursor).toBeNull();
  });

  it("refuses bad types and bodies with 4xx", async () => {
    const t = await newTenant();
    for (const type of ["order", "Order.created", "run.started", "order..x", "order.created-1"]) {
      const res = await call("PUT", `/v1/event-types/${type}`, { key: t.key, body: {} });
      expect(res.status, type).toBe(400);
      expect(res.body.error.details[0].path).toBe("type");
    }
    for (const body of [{ schema: "string" }, { schema: [1] }, { sample: 3 }, { other: 1 }]) {
      const res = await call("PUT", "/v1/event-types/order.created", { key: t.key, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    const big = await call("PUT", "/v1/event-types/order.created", {
      key: t.key,
      body: { sample: { text: "x".repeat(70 * 1024) } },
    });
    expect(big.status).toBe(422);
  });

  it("needs write rights to declare; lists are per tenant", async () => {
    const a = await newTenant();
    const b = await newTenant();
    const ro = (
      await call("POST", "/v1/api-keys", { key: a.key, body: { name: "ro", scopes: ["read"] } })
    ).body.key as string;
    expect((await call("PUT", "/v1/event-types/order.created", { key: ro, body: {} })).status).toBe(
      403,
    );
    expect((await call("GET", "/v1/event-types", { key: ro })).status).toBe(200);
    await call("PUT", "/v1/event-types/order.created", { key: a.key, body: {} });
    expect((await call("GET", "/v1/event-types", { key: b.key })).body.items).toEqual([]);
  });

  it("the demo seed declares its types in the demo tenant's store, once", async () => {
    const seed = () => call("POST", "/v1/platform/demo-seed", { key: PLATFORM });
    const first = await seed();
    expect(first.status).toBe(200);
    const types = Object.keys(DEMO_EVENT_TYPES);
    expect(first.body.created).toEqual(expect.arrayContaining(types.map((t) => `event type ${t}`)));
    const again = await seed();
    expect(again.body.created.filter((c: string) => c.startsWith("event type"))).toEqual([]);
    const list = await call("GET", "/v1/event-types?limit=200", {
      key: "sy_demotestkey0000000000000000000000000000000",
    });
    expect(list.body.items.map((e: { type: string }) => e.type).sort()).toEqual(types.sort());
    expect(list.body.items.every((e: { declared: boolean }) => e.declared)).toBe(true);
  });
});
