import { describe, expect, it } from "vitest";
import type { Ast } from "./ast.ts";
import { ExprError } from "./errors.ts";
import { DEFAULT_LIMITS } from "./limits.ts";
import { print } from "./print.ts";
import { compile, evaluate, parse } from "./program.ts";
import { compileTemplate } from "./template.ts";
import { Duration, Timestamp } from "./values.ts";

function errorOf(fn: () => unknown): ExprError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ExprError) return e;
    throw e;
  }
  throw new Error("expected an ExprError");
}

describe("positions and messages", () => {
  it("points at the spot, in UTF-16 units, 1-based line and column", () => {
    const e = errorOf(() => compile("a &&\n  😀 > 1"));
    expect(e).toMatchObject({ kind: "syntax", code: "unexpected_character" });
    expect(e.position).toEqual({ offset: 7, line: 2, column: 3, length: 2 });
    expect(errorOf(() => evaluate("order.nope", { order: {} })).position).toEqual({
      offset: 6,
      line: 1,
      column: 7,
      length: 4,
    });
  });

  it("says what is wrong in words a non-programmer understands", () => {
    expect(errorOf(() => compile("order.amount > ")).message).toBe("expected a value after '>'");
    expect(errorOf(() => compile("(a")).message).toContain("expected ')'");
    expect(errorOf(() => compile("a = 1")).message).toContain("use '=='");
    expect(errorOf(() => compile("x.if")).message).toContain("reserved word");
    expect(errorOf(() => evaluate("x", {})).message).toBe("unknown variable 'x'");
    expect(errorOf(() => evaluate("1 < 'a'", {})).message).toBe(
      "cannot compare number with string",
    );
  });

  it("gives template errors positions in the whole text", () => {
    const e = errorOf(() => compileTemplate("Hello {{ name.  }}"));
    expect(e.kind).toBe("syntax");
    expect(e.position?.offset).toBe(13); // the dot with no field after it
    const r = errorOf(() => compileTemplate("Hi\n{{ who }}").render({}));
    expect(r.position).toMatchObject({ offset: 6, line: 2, column: 4 });
  });
});

describe("programs", () => {
  it("lists references", () => {
    const p = compile(
      'order.amount > 1 && order["status"] == "x" && order.items[0].price > 1 && items.exists(i, i.x)',
    );
    expect(p.references()).toEqual(["order.amount", "order.status", "order.items", "items"]);
  });

  it("explains every sub-expression", () => {
    const ex = compile('order.amount > 100 && order.status == "paid"').explain({
      order: { amount: 50, status: "paid" },
    });
    expect(ex.value).toBe(false);
    expect(ex.parts.map((p) => [p.source, p.value])).toEqual([
      ["order", { amount: 50, status: "paid" }],
      ["order.amount", 50],
      ["100", 100],
      ["order.amount > 100", false],
      ['order.amount > 100 && order.status == "paid"', false],
    ]);
    const bad = compile("x.y > 1").explain({ x: {} });
    expect(bad.error?.code).toBe("no_such_key");
    expect(bad.parts.at(-1)).toMatchObject({ source: "x.y > 1", error: { code: "no_such_key" } });
  });

  it("evaluates timestamps from the host", () => {
    const now = Timestamp.fromDate(new Date("2024-05-01T10:00:00Z"));
    const r = evaluate("now + duration('90m')", { now });
    expect(r).toBeInstanceOf(Timestamp);
    expect(String(r)).toBe("2024-05-01T11:30:00Z");
    expect(evaluate("now - now", { now })).toEqual(Duration.fromMilliseconds(0));
  });

  it("exposes the default limits", () => {
    expect(DEFAULT_LIMITS).toEqual({
      maxSourceLength: 4096,
      maxDepth: 50,
      maxSteps: 100000,
      maxStringLength: 1000000,
      maxListLength: 100000,
    });
    expect(Object.isFrozen(DEFAULT_LIMITS)).toBe(true);
  });

  it("prints canonical source", () => {
    expect(print(parse("(a+b)*  c"))).toBe("(a + b) * c");
    expect(print(parse("a - (b - c)"))).toBe("a - (b - c)");
    expect(print(parse("{'k': [1,2,],}"))).toBe('{"k": [1, 2]}');
    expect(print(parse("(a ? b : c) ? d : e"))).toBe("(a ? b : c) ? d : e");
    expect(print(parse("x.exists(i, i.p > 1 || !i.q)"))).toBe("x.exists(i, i.p > 1 || !i.q)");
  });
});

describe("templates", () => {
  it("knows whether it has placeholders", () => {
    expect(compileTemplate("plain \\{{ text").isStatic).toBe(true);
    expect(compileTemplate("plain \\{{ text").render({})).toBe("plain {{ text");
    const t = compileTemplate("Order {{ order.id }} for {{ order.customer.name }}");
    expect(t.isStatic).toBe(false);
    expect(t.references()).toEqual(["order.id", "order.customer.name"]);
    expect(t.placeholders.map((p) => p.span)).toEqual([
      { start: 8, end: 18 },
      { start: 27, end: 48 },
    ]);
  });

  it("keeps the value's type for a lone placeholder", () => {
    expect(compileTemplate("{{ a }}").render({ a: [1, { b: null }] })).toEqual([1, { b: null }]);
    expect(compileTemplate("{{ a }}").render({ a: null })).toBeNull();
    expect(compileTemplate(" {{ a }}").render({ a: null })).toBe(" ");
  });
});

describe("templates rendered with holes (renderParts)", () => {
  const secretsOnly = (ast: Ast) => print(ast).startsWith("secrets.");

  it("keeps the chosen placeholders as indices and renders the rest as text", () => {
    const t = compileTemplate("Bearer {{ secrets.t }} for {{ who }}, {{ n }} {{ secrets.u }}");
    expect(t.renderParts({ who: "ops", n: 3 }, secretsOnly)).toEqual([
      "Bearer ",
      0,
      " for ops, 3 ",
      3,
    ]);
    expect(
      t.renderParts({ who: null, n: [1], secrets: { t: "T", u: { k: 1 } } }, () => false),
    ).toEqual(['Bearer T for , [1] {"k":1}']);
  });

  it("needs no context when every placeholder is kept, and resolves \\{{ in the text", () => {
    const t = compileTemplate("\\{{ x {{ secrets.a }}{{ secrets.b }}");
    expect(t.renderParts(null as unknown as object, () => true)).toEqual(["{{ x ", 0, 1]);
    expect(compileTemplate("plain").renderParts({}, () => true)).toEqual(["plain"]);
    expect(compileTemplate("").renderParts({}, () => true)).toEqual([]);
  });

  it("renders a lone placeholder it does not keep as text, and errors keep their position", () => {
    expect(compileTemplate("{{ n }}").renderParts({ n: 12 }, () => false)).toEqual(["12"]);
    const e = errorOf(() => compileTemplate("a {{ nope }}").renderParts({}, () => false));
    expect(e).toMatchObject({ kind: "eval", position: { offset: 5, length: 4 } });
  });
});
