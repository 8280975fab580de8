// The binary operators, each specialised at compile time (a literal on the
// right of a comparison needs no closure call; `x in [literals]` is a set
// lookup) and `&&` / `||` with CEL's commutative error absorption.
import type { BinaryNode, Node } from "./ast.ts";
import { chargeText } from "./cost.ts";
import { absorbable, type CompileEnv, type Fn, withCost } from "./env.ts";
import { Fault, type Span } from "./errors.ts";
import {
  add,
  arithmetic,
  compare,
  contains,
  equalValues,
  expectedBool,
  subtract,
  typeName,
} from "./ops.ts";

function isPrimitiveLiteral(n: Node): n is Node & { type: "literal" } {
  return n.type === "literal";
}

export function compileBinary(node: BinaryNode, l: Fn, env: CompileEnv): Fn {
  const { op, span } = node;
  if (op === "&&" || op === "||")
    return compileLogic(op === "&&", l, env.compile(node.right, env), node);
  // A literal on the right needs no closure call and, for ==, no deep compare.
  // In a counted run such a closure is charged for the literal too.
  const lit = isPrimitiveLiteral(node.right) && !env.explain ? node.right.value : undefined;
  const r = env.compile(node.right, env);
  switch (op) {
    case "==":
      if (lit !== undefined) return withCost((s) => l(s) === lit, 2);
      return (s) => {
        const a = l(s);
        const b = r(s);
        return typeof a === "object" || typeof a === "string"
          ? equalValues(a, b, s, span)
          : a === b;
      };
    case "!=":
      if (lit !== undefined) return withCost((s) => l(s) !== lit, 2);
      return (s) => {
        const a = l(s);
        const b = r(s);
        return typeof a === "object" || typeof a === "string"
          ? !equalValues(a, b, s, span)
          : a !== b;
      };
    case "<":
    case "<=":
    case ">":
    case ">=":
      return compileOrdering(op, l, r, lit, span);
    case "in":
      return compileIn(l, r, node, env);
    case "+":
      return (s) => {
        const a = l(s);
        const b = r(s);
        if (typeof a === "number" && typeof b === "number") {
          const x = a + b;
          if (Number.isFinite(x)) return x;
        }
        return add(a, b, s, span);
      };
    case "-":
      return (s) => subtract(l(s), r(s), span);
    default:
      return (s) => arithmetic(op, l(s), r(s), span);
  }
}

function compileOrdering(op: "<" | "<=" | ">" | ">=", l: Fn, r: Fn, lit: unknown, span: Span): Fn {
  const test =
    op === "<"
      ? (c: number) => c < 0
      : op === "<="
        ? (c: number) => c <= 0
        : op === ">"
          ? (c: number) => c > 0
          : (c: number) => c >= 0;
  if (typeof lit === "number") {
    switch (op) {
      case ">":
        return withCost((s) => {
          const a = l(s);
          return typeof a === "number" ? a > lit : compare(a, lit, span) > 0;
        }, 2);
      case ">=":
        return withCost((s) => {
          const a = l(s);
          return typeof a === "number" ? a >= lit : compare(a, lit, span) >= 0;
        }, 2);
      case "<":
        return withCost((s) => {
          const a = l(s);
          return typeof a === "number" ? a < lit : compare(a, lit, span) < 0;
        }, 2);
      case "<=":
        return withCost((s) => {
          const a = l(s);
          return typeof a === "number" ? a <= lit : compare(a, lit, span) <= 0;
        }, 2);
    }
  }
  return (s) => {
    const a = l(s);
    const b = r(s);
    if (typeof a === "number" && typeof b === "number") return test(a < b ? -1 : a > b ? 1 : 0);
    return test(compare(a, b, span, s));
  };
}

function compileIn(l: Fn, r: Fn, node: BinaryNode, env: CompileEnv): Fn {
  const span = node.span;
  const right = node.right;
  if (!env.explain && right.type === "list" && right.elements.every(isPrimitiveLiteral)) {
    // `x in ["a", "b"]`: a set lookup; a primitive equals only itself.
    const set = new Set<unknown>(
      right.elements.map((e) => (e as Node & { type: "literal" }).value),
    );
    return withCost((s) => {
      const x = l(s);
      if (typeof x === "string") {
        chargeText(s, x.length, span); // hashing it
        return set.has(x);
      }
      if (x === null || typeof x !== "object") return set.has(x);
      return false;
    }, 2 + right.elements.length);
  }
  return (s) => {
    const x = l(s);
    return contains(r(s), x, s, span);
  };
}

/** `&&` / `||` with CEL's commutative error absorption. */
function compileLogic(isAnd: boolean, l: Fn, r: Fn, node: BinaryNode): Fn {
  const absorbing = !isAnd; // the value that decides: false for &&, true for ||
  const lspan = node.left.span;
  const rspan = node.right.span;
  return (s) => {
    let a: unknown;
    let err: Fault | undefined;
    try {
      a = l(s);
    } catch (e) {
      err = absorbable(e);
    }
    if (err === undefined) {
      if (a === absorbing) return absorbing;
      if (a === !absorbing) {
        const b = r(s);
        return typeof b === "boolean" ? b : expectedBool(b, rspan);
      }
      err = new Fault("eval", "expected_bool", `expected bool, got ${typeName(a)}`, lspan);
    }
    let b: unknown;
    try {
      b = r(s);
    } catch (e) {
      absorbable(e);
      throw err;
    }
    if (b === absorbing) return absorbing;
    throw err;
  };
}
