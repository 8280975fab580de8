// Function calls, methods, has() and the five macros.
import { type CallNode, MACROS, type Node } from "./ast.ts";
import { budgetFault, charge, chargeText } from "./cost.ts";
import { absorbable, type CompileEnv, type Fn, typeFault } from "./env.ts";
import { Fault, fail, type Span } from "./errors.ts";
import {
  FUNCTION_ARITY,
  GLOBALS,
  isFunction,
  isMethod,
  METHOD_ARITY,
  STRING_METHODS,
  size,
} from "./functions.ts";
import { checkList, expectedBool, hasOwn, isMap, type State, typeName } from "./ops.ts";
import { compileRegex, dynamicRegex, isPattern, runPattern } from "./regex.ts";

function plural(n: number): string {
  return n === 1 ? "1 argument" : `${n} arguments`;
}

/** Compile-time checks shared with check(): known name, right arity, has() shape, macro variable. */
export function validateCall(node: CallNode): void {
  const { name, args, span } = node;
  const known = node.target === null ? isFunction(name) : isMethod(name);
  if (!known) throw typeFault("unknown_function", `unknown function '${name}'`, span);
  const arity = node.target === null ? FUNCTION_ARITY[name]! : METHOD_ARITY[name]!;
  if (args.length !== arity) {
    const shown = node.target === null ? `${name}()` : `.${name}()`;
    throw typeFault("wrong_arity", `${shown} takes ${plural(arity)}, got ${args.length}`, span);
  }
  if (node.target === null && name === "has") {
    const arg = args[0]!;
    const ok =
      arg.type === "select" ||
      (arg.type === "index" &&
        (arg.index.type !== "literal" || typeof arg.index.value === "string"));
    if (!ok) {
      throw typeFault("invalid_has", "has() needs a field, like has(order.discount)", arg.span);
    }
  }
  if (node.target !== null && MACROS.has(name) && args[0]!.type !== "ident") {
    throw typeFault(
      "invalid_macro_variable",
      `the first argument of ${name}() must be a name, like x`,
      args[0]!.span,
    );
  }
  if (node.target !== null && name === "matches") {
    const p = args[0]!;
    if (p.type === "literal" && typeof p.value === "string") {
      const re = compileRegex(p.value);
      if (!isPattern(re)) {
        throw re.code === "too_complex"
          ? new Fault("limit", "too_complex", re.message, p.span)
          : typeFault("invalid_regex", re.message, p.span);
      }
    }
  }
}

export function compileCall(node: CallNode, env: CompileEnv): Fn {
  validateCall(node);
  const { name, args, span } = node;
  if (node.target === null) {
    if (name === "has") return compileHas(args[0]!, env);
    const f = GLOBALS[name]!;
    const arg = env.compile(args[0]!, env);
    if (name === "size") return (s) => sized(arg(s), s, span);
    // int, double, timestamp, duration read their text once; string() of text returns it.
    return (s) => {
      const x = arg(s);
      if (typeof x === "string") chargeText(s, x.length, span);
      return f(x, span);
    };
  }
  if (MACROS.has(name)) return compileMacro(node, node.target, env);
  const target = env.compile(node.target, env);
  if (name === "size") return (s) => sized(target(s), s, span);
  if (name === "matches") return compileMatches(target, args[0]!, env, span);
  const method = STRING_METHODS[name]!;
  const arg = args.length > 0 ? env.compile(args[0]!, env) : null;
  return (s) => {
    const recv = target(s);
    const a = arg === null ? "" : arg(s);
    if (typeof recv !== "string")
      return fail("invalid_argument", `${name}() works on text, not ${typeName(recv)}`, span);
    if (typeof a !== "string")
      return fail("invalid_argument", `${name}() needs text, not ${typeName(a)}`, span);
    return method(recv, a, s, span);
  };
}

/** size(): counting code points reads the whole text, listing a map's keys costs one step each. */
function sized(x: unknown, s: State, span: Span): number {
  if (typeof x === "string") chargeText(s, x.length, span);
  else if (isMap(x)) charge(s, Object.keys(x).length, span);
  return size(x, span);
}

function compileMatches(target: Fn, pattern: Node, env: CompileEnv, span: Span): Fn {
  if (pattern.type === "literal" && typeof pattern.value === "string" && !env.explain) {
    const re = compileRegex(pattern.value);
    if (isPattern(re)) {
      return (s) => {
        const str = target(s);
        if (typeof str !== "string")
          return fail("invalid_argument", `matches() works on text, not ${typeName(str)}`, span);
        return runPattern(re, str, s, span);
      };
    }
  }
  const arg = env.compile(pattern, env);
  return (s) => {
    const str = target(s);
    const p = arg(s);
    if (typeof str !== "string")
      return fail("invalid_argument", `matches() works on text, not ${typeName(str)}`, span);
    if (typeof p !== "string")
      return fail("invalid_argument", `matches() needs a text pattern, not ${typeName(p)}`, span);
    return runPattern(dynamicRegex(p, s, span), str, s, span);
  };
}

function compileHas(arg: Node, env: CompileEnv): Fn {
  if (arg.type === "select") {
    const object = env.compile(arg.object, env);
    const field = arg.field;
    const span = arg.object.span;
    return (s) => {
      const o = object(s);
      if (!isMap(o)) return fail("invalid_access", `has() needs a map, not ${typeName(o)}`, span);
      return hasOwn(o, field) && o[field] !== undefined;
    };
  }
  if (arg.type !== "index") throw new Error("unreachable: validated by validateCall");
  const object = env.compile(arg.object, env);
  const key = env.compile(arg.index, env);
  const span = arg.span;
  return (s) => {
    const o = object(s);
    const k = key(s);
    if (!isMap(o)) return fail("invalid_access", `has() needs a map, not ${typeName(o)}`, span);
    if (typeof k !== "string")
      return fail("invalid_argument", `map keys are text, not ${typeName(k)}`, span);
    return hasOwn(o, k) && o[k] !== undefined;
  };
}

function items(v: unknown, name: string, span: Span): unknown[] {
  if (Array.isArray(v)) return v;
  if (isMap(v)) return Object.keys(v);
  return fail("invalid_argument", `${name}() works on a list or a map, not ${typeName(v)}`, span);
}

function step(s: State, span: Span): void {
  if (++s.steps > s.limits.maxSteps) throw budgetFault(s.limits, span);
}

function compileMacro(node: CallNode, targetNode: Node, env: CompileEnv): Fn {
  const { name, span } = node;
  const variable = node.args[0]!;
  const bodyNode = node.args[1]!;
  if (variable.type !== "ident") throw new Error("unreachable: validated by validateCall");
  const slot = env.slots.next++;
  const scope = new Map(env.scope);
  scope.set(variable.name, slot);
  const target = env.compile(targetNode, env);
  const body = env.compile(bodyNode, { ...env, scope });
  const bspan = bodyNode.span;
  switch (name) {
    case "exists":
    case "all": {
      const decisive = name === "exists"; // exists stops at true, all at false
      return (s) => {
        const list = items(target(s), name, span);
        let err: Fault | undefined;
        for (let i = 0; i < list.length; i++) {
          step(s, span);
          s.slots[slot] = list[i];
          try {
            const v = body(s);
            if (v === decisive) return decisive;
            if (v !== !decisive && err === undefined) expectedBool(v, bspan);
          } catch (e) {
            const f = absorbable(e);
            err ??= f;
          }
        }
        if (err !== undefined) throw err;
        return !decisive;
      };
    }
    case "exists_one":
      return (s) => {
        const list = items(target(s), name, span);
        let count = 0;
        for (let i = 0; i < list.length; i++) {
          step(s, span);
          s.slots[slot] = list[i];
          const v = body(s);
          if (v === true) count++;
          else if (v !== false) expectedBool(v, bspan);
        }
        return count === 1;
      };
    case "filter":
      return (s) => {
        const list = items(target(s), name, span);
        const out: unknown[] = [];
        for (let i = 0; i < list.length; i++) {
          step(s, span);
          const x = list[i];
          s.slots[slot] = x;
          const v = body(s);
          if (v === true) out.push(x);
          else if (v !== false) expectedBool(v, bspan);
        }
        return checkList(out, s, span);
      };
    default:
      return (s) => {
        const list = items(target(s), name, span);
        const out: unknown[] = new Array(list.length);
        for (let i = 0; i < list.length; i++) {
          step(s, span);
          s.slots[slot] = list[i];
          out[i] = body(s);
        }
        return checkList(out, s, span);
      };
  }
}
