// Compiles an AST into a tree of closures. Each closure does the work of one
// node (or of a whole `a.b.c` path) and calls its children directly: no
// tree-walking dispatch, no eval, no Function.
import type { BinaryNode, MapNode, Node, SelectNode } from "./ast.ts";
import { compileBinary } from "./binary.ts";
import { compileCall } from "./calls.ts";
import { budgetFault } from "./cost.ts";
import { type CompileEnv, type Fn, nodeCost, typeFault, withCost } from "./env.ts";
import { Fault, fail, type Span } from "./errors.ts";
import type { ResolvedLimits } from "./limits.ts";
import {
  checkList,
  expectedBool,
  hasOwn,
  isMap,
  type Json,
  negate,
  type State,
  typeName,
} from "./ops.ts";
import { Duration, Timestamp } from "./values.ts";

export interface CompileOptions {
  limits: ResolvedLimits;
  counted: boolean;
  explain: boolean;
}

export function compileRoot(ast: Node, options: CompileOptions): Fn {
  const constants = options.explain ? new Set<Node>() : findConstants(ast);
  const finish = (fn: Fn, node: Node, e: CompileEnv): Fn => {
    if (e.counted) fn = counted(fn, node.span, nodeCost.get(fn) ?? 1);
    if (e.explain) fn = traced(fn, node);
    return fn;
  };
  const env: CompileEnv = {
    ...options,
    folding: false,
    scope: new Map(),
    slots: { next: 0 },
    compile(node, e) {
      const constant = !e.folding && constants.has(node);
      if (node.type === "binary" && node.left.type === "binary" && !constant) {
        // Walk a left-leaning chain (a + b + c + …) with a loop: however
        // long, it never deepens the compiler's recursion.
        const spine: BinaryNode[] = [];
        let cur: Node = node;
        while (cur.type === "binary" && (e.folding || !constants.has(cur))) {
          spine.push(cur);
          cur = cur.left;
        }
        let fn = e.compile(cur, e);
        for (let i = spine.length - 1; i >= 0; i--)
          fn = finish(compileBinary(spine[i]!, fn, e), spine[i]!, e);
        return fn;
      }
      if (constant && node.type !== "literal") {
        const folded = fold(node, e);
        if (folded !== null) return folded;
      }
      return finish(compileNode(node, e), node, e);
    },
  };
  return env.compile(ast, env);
}

function counted(fn: Fn, span: Span, cost: number): Fn {
  return (s) => {
    s.steps += cost;
    if (s.steps > s.limits.maxSteps) throw budgetFault(s.limits, span);
    return fn(s);
  };
}

function traced(fn: Fn, node: Node): Fn {
  return (s) => {
    try {
      const value = fn(s);
      s.trace?.push({ node, value });
      return value;
    } catch (e) {
      if (e instanceof Fault) s.trace?.push({ node, error: e });
      throw e;
    }
  };
}

/** Nodes whose value does not depend on the context. */
function findConstants(root: Node): Set<Node> {
  const out = new Set<Node>();
  const visit = (n: Node): boolean => {
    let constant: boolean;
    switch (n.type) {
      case "literal":
        constant = true;
        break;
      case "ident":
        constant = false;
        break;
      case "select":
        constant = visit(n.object);
        break;
      case "index":
        constant = visit(n.object) && visit(n.index);
        break;
      case "call":
        constant = (n.target === null || visit(n.target)) && n.args.map(visit).every(Boolean);
        break;
      case "unary":
        constant = visit(n.operand);
        break;
      case "binary":
        constant = visit(n.left) && visit(n.right);
        break;
      case "conditional":
        constant = [visit(n.test), visit(n.then), visit(n.else)].every(Boolean);
        break;
      case "list":
        constant = n.elements.map(visit).every(Boolean);
        break;
      case "map":
        constant = n.entries.map((e) => visit(e.key) && visit(e.value)).every(Boolean);
        break;
    }
    if (constant) out.add(n);
    return constant;
  };
  visit(root);
  return out;
}

/** Evaluates a context-free node once; null when it fails (the error is left for run time). */
function fold(node: Node, env: CompileEnv): Fn | null {
  const fn = env.compile(node, { ...env, counted: true, folding: true });
  const scratch: State = { ctx: {}, slots: [], steps: 0, base: 0, built: 0, limits: env.limits };
  let value: unknown;
  try {
    value = fn(scratch);
  } catch {
    return null;
  }
  // Lists and maps are not shared between evaluations: a caller may mutate a result.
  if (
    typeof value === "object" &&
    value !== null &&
    !(value instanceof Timestamp) &&
    !(value instanceof Duration)
  ) {
    return null;
  }
  const cost = scratch.steps;
  if (!env.counted) return () => value;
  return (s) => {
    s.steps += cost;
    if (s.steps > s.limits.maxSteps) throw budgetFault(s.limits, node.span);
    return value;
  };
}

function compileNode(node: Node, env: CompileEnv): Fn {
  switch (node.type) {
    case "literal": {
      const v = node.value;
      return () => v;
    }
    case "ident":
      return compileIdent(node.name, node.span, env);
    case "select":
      return compileSelect(node, env);
    case "index":
      return compileIndex(env.compile(node.object, env), env.compile(node.index, env), node.span);
    case "call":
      return compileCall(node, env);
    case "unary": {
      const operand = env.compile(node.operand, env);
      const span = node.span;
      if (node.op === "-") return (s) => negate(operand(s), span);
      return (s) => {
        const v = operand(s);
        return typeof v === "boolean" ? !v : expectedBool(v, span);
      };
    }
    case "binary":
      return compileBinary(node, env.compile(node.left, env), env);
    case "conditional": {
      const test = env.compile(node.test, env);
      const then = env.compile(node.then, env);
      const otherwise = env.compile(node.else, env);
      const span = node.test.span;
      return (s) => {
        const c = test(s);
        if (c === true) return then(s);
        if (c === false) return otherwise(s);
        return expectedBool(c, span);
      };
    }
    case "list": {
      const elements = node.elements.map((e) => env.compile(e, env));
      const span = node.span;
      return (s) =>
        checkList(
          elements.map((e) => e(s)),
          s,
          span,
        );
    }
    case "map":
      return compileMap(node, env);
  }
}

function compileIdent(name: string, span: Span, env: CompileEnv): Fn {
  const slot = env.scope.get(name);
  if (slot !== undefined) return (s) => s.slots[slot];
  return (s) => {
    const c = s.ctx;
    if (hasOwn(c, name)) {
      const v = (c as Json)[name];
      if (v !== undefined) return v;
    }
    return fail("unknown_variable", `unknown variable '${name}'`, span);
  };
}

function selectFailure(v: unknown, field: string, span: Span): never {
  if (isMap(v)) return fail("no_such_key", `no such key '${field}'`, span);
  return fail("invalid_access", `cannot read field '${field}' of ${typeName(v)}`, span);
}

/** One step of a path: the field's value, or the reason there is none. */
function step(v: unknown, f: string, span: Span): unknown {
  if (typeof v === "object" && v !== null && !Array.isArray(v) && hasOwn(v, f)) {
    const r = (v as Json)[f];
    if (r !== undefined) return r;
  }
  return selectFailure(v, f, span);
}

function compileSelect(node: SelectNode, env: CompileEnv): Fn {
  const fused = !env.explain;
  // Fuse a plain path `a.b.c` over the context into one closure.
  const fields: string[] = [node.field];
  const spans: Span[] = [node.fieldSpan];
  let root: Node = node.object;
  while (root.type === "select" && fused) {
    fields.unshift(root.field);
    spans.unshift(root.fieldSpan);
    root = root.object;
  }
  if (!fused || root.type !== "ident") {
    const object = env.compile(node.object, env);
    const field = node.field;
    const span = node.fieldSpan;
    return (s) => step(object(s), field, span);
  }
  const base = compileIdent(root.name, root.span, env);
  const [f0, f1] = fields as [string, string | undefined];
  const [s0, s1] = spans as [Span, Span | undefined];
  // The common short paths unrolled: `order.amount`, `order.customer.name`.
  const n = fields.length;
  const fn: Fn =
    n === 1
      ? (s) => step(base(s), f0, s0)
      : n === 2
        ? (s) => step(step(base(s), f0, s0), f1!, s1!)
        : (s) => {
            let v = base(s);
            for (let i = 0; i < n; i++) v = step(v, fields[i]!, spans[i]!);
            return v;
          };
  return withCost(fn, n + 1);
}

export function readIndex(v: unknown, k: unknown, span: Span): unknown {
  if (Array.isArray(v)) {
    if (typeof k !== "number" || !Number.isInteger(k)) {
      return fail("invalid_index", `a list index must be a whole number, not ${typeName(k)}`, span);
    }
    if (k < 0 || k >= v.length) {
      return fail(
        "index_out_of_range",
        `index ${k} is out of range (the list has ${v.length} elements)`,
        span,
      );
    }
    return v[k];
  }
  if (isMap(v)) {
    if (typeof k === "string" && hasOwn(v, k)) {
      const r = v[k];
      if (r !== undefined) return r;
    }
    return fail("no_such_key", `no such key ${typeof k === "string" ? `'${k}'` : String(k)}`, span);
  }
  return fail("invalid_access", `cannot index into ${typeName(v)}`, span);
}

function compileIndex(object: Fn, index: Fn, span: Span): Fn {
  return (s) => readIndex(object(s), index(s), span);
}

function compileMap(node: MapNode, env: CompileEnv): Fn {
  const seen = new Set<string>();
  for (const { key } of node.entries) {
    if (key.type !== "literal") continue;
    if (typeof key.value !== "string") {
      throw typeFault(
        "invalid_map_key",
        `map keys must be text, not ${typeName(key.value)}`,
        key.span,
      );
    }
    if (seen.has(key.value))
      throw typeFault("duplicate_key", `the key '${key.value}' is given twice`, key.span);
    seen.add(key.value);
  }
  const entries = node.entries.map((e) => ({
    key: env.compile(e.key, env),
    value: env.compile(e.value, env),
    span: e.key.span,
  }));
  return (s) => {
    const out: Json = {};
    for (const e of entries) {
      const k = e.key(s);
      if (typeof k !== "string")
        return fail("invalid_map_key", `map keys must be text, not ${typeName(k)}`, e.span);
      if (hasOwn(out, k)) return fail("duplicate_key", `the key '${k}' is given twice`, e.span);
      const v = e.value(s);
      if (k === "__proto__") {
        Object.defineProperty(out, k, {
          value: v,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      } else {
        out[k] = v;
      }
    }
    return out;
  };
}
