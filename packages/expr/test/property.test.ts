// Property tests: no input makes the package throw anything but ExprError,
// budgets hold, and print/parse round-trips.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Ast, compile, ExprError, parse, print } from "../src/index.ts";

/** Strips spans so trees parsed from different text compare equal. */
function shape(n: unknown): unknown {
  if (Array.isArray(n)) return n.map(shape);
  if (typeof n === "object" && n !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(n))
      if (k !== "span" && k !== "fieldSpan" && k !== "opSpan") out[k] = shape(v);
    return out;
  }
  return n;
}

const context = { a: 1, b: "text", c: [1, 2, 3], d: { e: true, f: null }, g: [{ h: 2 }] };

const ident = fc.constantFrom("a", "b", "c", "d", "g", "x", "size");
const field = fc.constantFrom("e", "f", "h", "__proto__", "constructor", "length");
const literal = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.double({ min: 0, max: 1e6, noNaN: true }),
  fc.nat(1000),
  fc.string({ maxLength: 8 }),
);

const span = { start: 0, end: 0 };
const astArb: fc.Arbitrary<Ast> = fc.letrec<{ node: Ast }>((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    literal.map((value): Ast => ({ type: "literal", value, span })),
    ident.map((name): Ast => ({ type: "ident", name, span })),
    fc
      .tuple(tie("node"), field)
      .map(([object, f]): Ast => ({ type: "select", object, field: f, fieldSpan: span, span })),
    fc
      .tuple(tie("node"), tie("node"))
      .map(([object, index]): Ast => ({ type: "index", object, index, span })),
    fc
      .tuple(fc.constantFrom("!", "-"), tie("node"))
      .map(([op, operand]): Ast => ({ type: "unary", op: op as "!" | "-", operand, span })),
    fc
      .tuple(
        fc.constantFrom(
          "||",
          "&&",
          "==",
          "!=",
          "<",
          "<=",
          ">",
          ">=",
          "in",
          "+",
          "-",
          "*",
          "/",
          "%",
        ),
        tie("node"),
        tie("node"),
      )
      .map(
        ([op, left, right]): Ast => ({
          type: "binary",
          op: op as "+",
          left,
          right,
          opSpan: span,
          span,
        }),
      ),
    fc.tuple(tie("node"), tie("node"), tie("node")).map(
      ([test, then, otherwise]): Ast => ({
        type: "conditional",
        test,
        then,
        else: otherwise,
        span,
      }),
    ),
    fc
      .array(tie("node"), { maxLength: 3 })
      .map((elements): Ast => ({ type: "list", elements, span })),
    fc.array(fc.tuple(fc.string({ maxLength: 4 }), tie("node")), { maxLength: 3 }).map(
      ([...entries]): Ast => ({
        type: "map",
        entries: entries.map(([k, value]) => ({ key: { type: "literal", value: k, span }, value })),
        span,
      }),
    ),
    fc
      .tuple(
        fc.constantFrom("size", "int", "double", "string", "timestamp", "duration"),
        tie("node"),
      )
      .map(([name, arg]): Ast => ({ type: "call", target: null, name, args: [arg], span })),
    fc
      .tuple(
        tie("node"),
        fc.constantFrom("exists", "all", "map", "filter", "exists_one"),
        tie("node"),
      )
      .map(
        ([target, name, body]): Ast => ({
          type: "call",
          target,
          name,
          args: [{ type: "ident", name: "x", span }, body],
          span,
        }),
      ),
  ),
})).node;

function onlyExprErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof ExprError)) throw e;
  }
}

describe("properties", () => {
  it("random text never throws anything but ExprError", () => {
    const alphabet = fc.constantFrom(
      ..."ab1.()[]{}\"'\\,:?!-+*/%<>=&|_ \n".split(""),
      "in",
      "has(",
      "exists(",
      "\\u",
    );
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 40 }).map((a) => a.join("")),
        (src) => {
          onlyExprErrors(() => compile(src).evaluate(context));
        },
      ),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (src) => {
        onlyExprErrors(() => compile(src).evaluate(context));
      }),
      { numRuns: 2000 },
    );
  });

  it("puts a span inside its parent's on every node", () => {
    fc.assert(
      fc.property(astArb, (ast) => {
        const text = print(ast);
        const walk = (n: unknown, lo: number, hi: number): void => {
          if (Array.isArray(n)) {
            for (const c of n) walk(c, lo, hi);
            return;
          }
          if (typeof n !== "object" || n === null) return;
          const o = n as { type?: string; span?: { start: number; end: number } };
          let [a, b] = [lo, hi];
          if (o.type !== undefined) {
            expect(o.span!.start).toBeGreaterThanOrEqual(lo);
            expect(o.span!.end).toBeLessThanOrEqual(hi);
            expect(o.span!.start).toBeLessThan(o.span!.end);
            [a, b] = [o.span!.start, o.span!.end];
          }
          for (const [k, v] of Object.entries(o)) if (k !== "span") walk(v, a, b);
        };
        walk(parse(text, { maxSourceLength: 1e6, maxDepth: 1000 }), 0, text.length);
      }),
      { numRuns: 500 },
    );
  });

  it("print then parse gives back the same tree", () => {
    fc.assert(
      fc.property(astArb, (ast) => {
        const text = print(ast);
        let reparsed: Ast;
        try {
          reparsed = parse(text, { maxSourceLength: 1e6, maxDepth: 1000 });
        } catch (e) {
          throw new Error(`print produced unparsable text ${JSON.stringify(text)}: ${String(e)}`);
        }
        expect(shape(reparsed)).toEqual(shape(ast));
        expect(print(reparsed)).toBe(text);
      }),
      { numRuns: 1500 },
    );
  });

  it("well-formed trees only fail with ExprError and stay within their budget", () => {
    fc.assert(
      fc.property(astArb, fc.integer({ min: 1, max: 500 }), (ast, maxSteps) => {
        const source = print(ast);
        onlyExprErrors(() => {
          const p = compile(source, { maxSourceLength: 1e6, maxDepth: 1000, maxSteps });
          p.references();
          // Every completed part of an explanation is one node evaluation: never more than the budget.
          const done = p.explain(context).parts.filter((part) => part.error === undefined);
          expect(done.length).toBeLessThanOrEqual(maxSteps);
          p.evaluate(context);
        });
      }),
      { numRuns: 1500 },
    );
  });
});
