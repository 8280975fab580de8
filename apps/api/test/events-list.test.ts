import { describe, expect, it } from "vitest";
import { call, newTenant } from "./helpers.ts";

describe("GET /v1/events", () => {
  it("lists the tenant's recent events, newest first, filtered by type", async () => {
    const t = await newTenant();
    for (const [i, type] of ["order.created", "order.created", "payment.received"].entries()) {
      await call("POST", "/v1/events", { key: t.key, body: { id: `e-${i}`, type, data: { i } } });
    }
    const all = await call("GET", "/v1/events", { key: t.key });
    expect(all.body.items.map((e: { id: string }) => e.id)).toEqual(["e-2", "e-1", "e-0"]);
    const orders = await call("GET", "/v1/events?type=order.created&limit=1", { key: t.key });
    expect(orders.body.items).toHaveLength(1);
    expect(orders.body.items[0]).toMatchObject({
      id: "e-1",
      type: "order.created",
      data: { i: 1 },
    });
    const next = await call(
      "GET",
      `/v1/events?type=order.created&limit=1&cursor=${orders.body.nextCursor}`,
      { key: t.key },
    );
    expect(next.body.items[0].id).toBe("e-0");
    const other = await newTenant();
    expect((await call("GET", "/v1/events", { key: other.key })).body.items).toHaveLength(0);
  });
});
