import { describe, expect, it } from "vitest";
import { check } from "./check.ts";
import type { JsonSchema } from "./schema.ts";

const schema: JsonSchema = {
  type: "object",
  properties: {
    now: { "x-expr-type": "timestamp" },
    order: {
      type: "object",
      properties: {
        amount: { type: "number" },
        name: { type: "string" },
        status: { enum: ["paid", "open"] },
        discount: { type: ["number", "null"] },
        placedAt: { "x-expr-type": "timestamp" },
        wait: { "x-expr-type": "duration" },
        items: {
          type: "array",
          items: { $ref: "#/$defs/item" },
        },
        meta: { type: "object", additionalProperties: { type: "string" } },
        anything: {},
      },
    },
  },
  $defs: {
    item: { type: "object", properties: { price: { type: "number" }, sku: { type: "string" } } },
  },
};

const codes = (src: string): string[] => check(src, schema).map((d) => d.code);

describe("check", () => {
  it("accepts well-typed expressions", () => {
    for (const src of [
      'order.amount > 10000 && order.status == "paid"',
      "order.items.exists(i, i.price > 100)",
      "order.items[0].sku.startsWith('A')",
      "now - order.placedAt > duration('24h')",
      "order.wait < duration('1h')",
      'order.meta.source == "web"',
      "order.anything.deeply.nested > 1",
      "order.discount == null || order.discount > 5",
      "has(order.coupon)",
      "size(order.items) > 2 ? 'big' : 'small'",
    ]) {
      expect(check(src, schema), src).toEqual([]);
    }
  });

  it("reports an impossible comparison with its position", () => {
    const [d] = check('order.amount > "100"', schema);
    expect(d).toMatchObject({ kind: "type", code: "cannot_compare" });
    expect(d!.message).toContain("cannot compare number with string");
    expect(d!.position).toEqual({ offset: 0, line: 1, column: 1, length: 20 });
    expect(codes('order.name.size() > "x"')).toEqual(["cannot_compare"]);
    expect(codes("now > 5")).toEqual(["cannot_compare"]);
    expect(codes("order.status == 1")).toEqual(["impossible_comparison"]);
  });

  it("reports unknown fields and variables, with a suggestion", () => {
    const [d] = check("order.amout > 1", schema);
    expect(d).toMatchObject({
      code: "unknown_field",
      position: { offset: 6, column: 7, length: 5 },
    });
    expect(d!.message).toContain("did you mean 'amount'");
    expect(codes("ordr.amount")).toEqual(["unknown_variable"]);
    expect(codes("order.items.exists(i, i.prise > 1)")).toEqual(["unknown_field"]);
    expect(codes("order.items.exists(i, i > 1)")).toEqual(["cannot_compare"]);
  });

  it("reports impossible operations", () => {
    expect(codes("order.amount.contains('x')")).toEqual(["invalid_operand"]);
    expect(codes("order.amount && true")).toEqual(["invalid_operand"]);
    expect(codes("size(order.amount)")).toEqual(["invalid_operand"]);
    expect(codes("order.name + 1")).toEqual(["invalid_operand"]);
    expect(codes("order.amount.x")).toEqual(["invalid_operand"]);
  });

  it("reports compile errors as diagnostics instead of throwing", () => {
    expect(check("order.amount >", schema)).toMatchObject([
      { kind: "syntax", message: "expected a value after '>'", position: { offset: 14 } },
    ]);
    expect(check("foo(1)", schema)).toMatchObject([{ kind: "type", code: "unknown_function" }]);
  });

  it("knows nothing about fields when the schema says nothing", () => {
    expect(check("a.b.c > 1 && x == 'y'", {})).toEqual([]);
    expect(check("a.b", true)).toEqual([]);
  });
});
