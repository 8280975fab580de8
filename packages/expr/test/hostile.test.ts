// Hostile input: prototype paths, catastrophic patterns, deep nesting, blow-ups.
import { describe, expect, it } from "vitest";
import { compile, compileTemplate, ExprError, evaluate } from "../src/index.ts";

function errorOf(fn: () => unknown): ExprError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ExprError) return e;
    throw e;
  }
  throw new Error("expected an ExprError");
}

describe("hostile input", () => {
  it("never reaches prototypes", () => {
    const ctx = JSON.parse('{"o": {"a": 1}, "p": {"__proto__": {"polluted": 1}}}');
    for (const src of [
      "o.__proto__",
      "o.constructor",
      "o.constructor.prototype",
      "o.toString",
      "o.hasOwnProperty",
      "o['__proto__']",
      "o.valueOf",
      "[].constructor",
      "''.constructor",
    ]) {
      const e = errorOf(() => evaluate(src, ctx));
      expect(e.kind, src).toBe("eval");
    }
    expect(evaluate("p.__proto__.polluted", ctx)).toBe(1);
    expect(evaluate('{"__proto__": {"x": 1}}', {})).toEqual(JSON.parse('{"__proto__": {"x": 1}}'));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(errorOf(() => evaluate("constructor", {})).code).toBe("unknown_variable");
    expect(errorOf(() => evaluate("toString", Object.create({ toString: 1 }))).code).toBe(
      "unknown_variable",
    );
    expect(compileTemplate("{{ o.constructor }}").isStatic).toBe(false);
  });

  it("matches stays linear on catastrophic patterns", () => {
    // The longest text matches() reads; a budget far above the default shows
    // the engine itself stays linear (the default budget refuses this work).
    const input = `${"a".repeat(99_999)}!`;
    const limits = { maxSteps: 1e9 };
    const start = Date.now();
    expect(evaluate('s.matches("(a+)+$")', { s: input }, limits)).toBe(false);
    expect(evaluate('s.matches("(a|aa)*b")', { s: input }, limits)).toBe(false);
    expect(evaluate("s.matches(p)", { s: input, p: "(a*)*c" }, limits)).toBe(false);
    expect(Date.now() - start).toBeLessThan(5000);
    expect(errorOf(() => evaluate('s.matches("(a+)+$")', { s: input })).code).toBe("too_complex");
  });

  it("10,000 nested parentheses are a syntax error, not a crash", () => {
    const src = `${"(".repeat(10_000)}1${")".repeat(10_000)}`;
    const e = errorOf(() => compile(src, { maxSourceLength: 1_000_000 }));
    expect(e.kind).toBe("syntax");
    expect(e.code).toBe("too_deep");
    expect(errorOf(() => compile(src)).kind).toBe("limit");
    for (const open of ["[", '{"a":', "-", "!", "size(", "a[", "x ? 1 : "]) {
      const deep = errorOf(() => compile(open.repeat(20_000), { maxSourceLength: 1_000_000 }));
      expect(deep.kind).toBe("syntax");
    }
  });

  it("very long chains neither overflow nor crash", () => {
    const chain = Array.from({ length: 20_000 }, () => "1").join(" + ");
    const r = (() => {
      try {
        return compile(chain, { maxSourceLength: 1_000_000 }).evaluate({});
      } catch (e) {
        if (e instanceof ExprError) return e.kind;
        throw e;
      }
    })();
    expect([20_000, "limit"]).toContain(r);
    const path = `x${".a".repeat(5000)}`;
    expect(errorOf(() => evaluate(path, { x: {} }, { maxSourceLength: 1_000_000 })).code).toBe(
      "no_such_key",
    );
  });

  it("macro blow-ups hit the step budget", () => {
    const l = Array.from({ length: 100 }, (_, i) => i);
    const e = errorOf(() => evaluate("l.map(a, l.map(b, l.map(c, a + b + c)))", { l }));
    expect(e.kind).toBe("limit");
    expect(e.code).toBe("too_complex");
    const cheap = errorOf(() => evaluate("l.all(a, l.all(b, true))", { l }, { maxSteps: 1000 }));
    expect(cheap.kind).toBe("limit");
  });

  it("doubling strings and lists hits the size limits", () => {
    // Each level doubles the string while the source grows by a constant.
    let src = "s";
    for (let i = 0; i < 25; i++) src = `[${src}].map(y${i}, y${i} + y${i})[0]`;
    const e = errorOf(() => evaluate(src, { s: "ab" }, { maxSourceLength: 1e6, maxDepth: 1000 }));
    expect(e.kind).toBe("limit");
    const lists = errorOf(() =>
      evaluate("[l + l + l + l].map(x, x + x + x)", { l: Array(30_000).fill(0) }),
    );
    expect(lists.kind).toBe("limit");
  });

  it("many large values within the step budget hit the memory limit", () => {
    const l = Array(40_000).fill(1);
    const start = Date.now();
    // The budget now charges each copy and stops these first; raised, the memory limit still holds.
    const limits = { maxSteps: 1e9 };
    expect(errorOf(() => evaluate("l.map(x, l + l)", { l }, limits)).code).toBe("memory_limit");
    expect(
      errorOf(() => evaluate("l.map(x, s + s)", { l, s: "x".repeat(400_000) }, limits)).code,
    ).toBe("memory_limit");
    expect(errorOf(() => evaluate("l.map(x, l + l)", { l })).code).toBe("too_complex");
    expect(Date.now() - start).toBeLessThan(5000);
  });

  it("limit errors are not absorbed by && or ||", () => {
    const l = Array.from({ length: 1000 }, (_, i) => i);
    expect(errorOf(() => evaluate("l.map(a, l.map(b, b)).size() > 0 || true", { l })).kind).toBe(
      "limit",
    );
  });
});
