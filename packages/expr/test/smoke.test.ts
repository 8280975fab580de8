import { describe, expect, it } from "vitest";
import { compile, compileTemplate, ExprError, evaluate, Timestamp } from "../src/index.ts";

const ctx = {
  order: { id: "A1", amount: 12000, status: "paid", items: [{ price: 5 }, { price: 50 }] },
  now: Timestamp.parse("2024-05-01T10:00:00Z"),
};

describe("smoke", () => {
  it("evaluates a filter", () => {
    expect(evaluate('order.amount > 10000 && order.status == "paid"', ctx)).toBe(true);
    expect(compile("order.items.exists(i, i.price > 10)").evaluate(ctx)).toBe(true);
  });
  it("renders a template", () => {
    expect(compileTemplate("Order {{ order.id }}: {{ order.amount }}").render(ctx)).toBe(
      "Order A1: 12000",
    );
    expect(compileTemplate("{{ order.amount }}").render(ctx)).toBe(12000);
  });
  it("throws ExprError with a position", () => {
    try {
      evaluate("order.amount > ", ctx);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ExprError);
      expect((e as ExprError).message).toBe("expected a value after '>'");
      expect((e as ExprError).position?.column).toBe(16);
    }
  });
});
