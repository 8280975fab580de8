// The operators of EXPR.md § Semantics over plain values. Every failure is a
// thrown Fault carrying the span of the expression it is about.
import type { Node } from "./ast.ts";
import { type Budget, charge, chargeOne, chargeText, ELEMENTS_PER_STEP } from "./cost.ts";
import { Fault, fail, type Span } from "./errors.ts";
import type { ResolvedLimits } from "./limits.ts";
import { Duration, Timestamp } from "./values.ts";

/** What a compiled expression needs while it runs. */
export interface State extends Budget {
  ctx: object;
  /** Values of macro variables, one slot per variable. */
  slots: unknown[];
  steps: number;
  /**
   * Steps an evaluation starts with. A program compiled without counting
   * (no macros, fewer nodes than the budget) starts with all its nodes, so
   * that the work operations charge on top of them is bounded all the same.
   */
  base: number;
  /** Characters and elements built so far by this evaluation. */
  built: number;
  limits: ResolvedLimits;
  /** Set by explain(): every node's outcome, in evaluation order. */
  trace?: TraceEntry[];
}

export interface TraceEntry {
  node: Node;
  value?: unknown;
  error?: Fault;
}

export type Json = Record<string, unknown>;

export const hasOwn = (o: object, k: string): boolean => Object.hasOwn(o, k);

/** A map is any object that is not a list, timestamp or duration. */
export function isMap(v: unknown): v is Json {
  return (
    typeof v === "object" &&
    v !== null &&
    !Array.isArray(v) &&
    !(v instanceof Timestamp) &&
    !(v instanceof Duration)
  );
}

/** The user-facing name of a value's type. */
export function typeName(v: unknown): string {
  if (v === null) return "null";
  switch (typeof v) {
    case "boolean":
      return "bool";
    case "number":
      return "number";
    case "string":
      return "string";
    case "object":
      if (Array.isArray(v)) return "list";
      if (v instanceof Timestamp) return "timestamp";
      if (v instanceof Duration) return "duration";
      return "map";
    default:
      return "unsupported value";
  }
}

/**
 * `==`: deep, structural equality, charged by the work it does: one step per
 * element or key compared, text by its length (only strings of equal length
 * are compared character by character).
 */
export function equalValues(a: unknown, b: unknown, st: State, span: Span): boolean {
  if (typeof a === "string") {
    if (typeof b !== "string") return false;
    if (a.length === b.length) chargeText(st, a.length, span);
    return a === b;
  }
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) {
      chargeOne(st, span);
      if (!equalValues(a[i], b[i], st, span)) return false;
    }
    return true;
  }
  if (Array.isArray(b)) return false;
  if (
    a instanceof Timestamp ||
    a instanceof Duration ||
    b instanceof Timestamp ||
    b instanceof Duration
  )
    return equals(a, b);
  const ka = Object.keys(a);
  charge(st, ka.length, span);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    chargeOne(st, span);
    if (!hasOwn(b, k) || !equalValues((a as Json)[k], (b as Json)[k], st, span)) return false;
  }
  return true;
}

/** Deep, structural equality; values of different types are unequal. Uncharged: for bounded values. */
export function equals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!equals(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  if (a instanceof Timestamp)
    return b instanceof Timestamp && a.epochMilliseconds === b.epochMilliseconds;
  if (a instanceof Duration) return b instanceof Duration && a.milliseconds === b.milliseconds;
  if (b instanceof Timestamp || b instanceof Duration) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    if (!hasOwn(b, k) || !equals((a as Json)[k], (b as Json)[k])) return false;
  }
  return true;
}

/** Code point order; JavaScript's `<` compares UTF-16 units, which differs past U+FFFF. Uncharged. */
export function compareStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800) x = x <= 0xdfff ? x + 0x2000 : x - 0x800;
    if (y >= 0xd800) y = y <= 0xdfff ? y + 0x2000 : y - 0x800;
    return x < y ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** -1, 0 or 1 for the ordered pairs of EXPR.md; anything else fails. Text is charged by length. */
export function compare(a: unknown, b: unknown, span: Span, st?: State): number {
  if (typeof a === "number" && typeof b === "number") return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === "string" && typeof b === "string") {
    if (st !== undefined) chargeText(st, Math.min(a.length, b.length), span);
    return a === b ? 0 : compareStrings(a, b);
  }
  if (typeof a === "boolean" && typeof b === "boolean") return a === b ? 0 : a ? 1 : -1;
  if (a instanceof Timestamp && b instanceof Timestamp) {
    return Math.sign(a.epochMilliseconds - b.epochMilliseconds);
  }
  if (a instanceof Duration && b instanceof Duration)
    return Math.sign(a.milliseconds - b.milliseconds);
  return fail("cannot_compare", `cannot compare ${typeName(a)} with ${typeName(b)}`, span);
}

export function finite(n: number, span: Span): number {
  if (Number.isFinite(n)) return n;
  return fail(
    "overflow",
    Number.isNaN(n) ? "the result is not a number" : "the result is too large",
    span,
  );
}

/**
 * Counts what an evaluation builds. Each string or list is bounded by its own
 * limit, but a macro could build many of them within the step budget (say
 * `l.map(x, l + l)`); ten times the larger single-value limit in total keeps
 * memory bounded without getting in the way of real expressions.
 */
function build(n: number, st: State, span: Span): void {
  st.built += n;
  if (st.built > 10 * Math.max(st.limits.maxStringLength, st.limits.maxListLength)) {
    throw limitFault("memory_limit", "the expression builds too much data", span);
  }
}

export function checkString(s: string, st: State, span: Span): string {
  if (s.length > st.limits.maxStringLength) {
    throw limitFault(
      "string_too_long",
      `text longer than ${st.limits.maxStringLength} characters`,
      span,
    );
  }
  build(s.length, st, span);
  return s;
}

export function checkList<T>(l: T[], st: State, span: Span): T[] {
  if (l.length > st.limits.maxListLength) {
    throw limitFault("list_too_long", `list longer than ${st.limits.maxListLength} elements`, span);
  }
  build(l.length, st, span);
  return l;
}

export function limitFault(code: string, message: string, span: Span | undefined): Fault {
  return new Fault("limit", code, message, span);
}

function timestamp(ms: number, span: Span): Timestamp {
  return (
    Timestamp.tryFromEpochMilliseconds(ms) ??
    fail("overflow", "the timestamp is out of range", span)
  );
}

function duration(ms: number, span: Span): Duration {
  return Duration.tryFromMilliseconds(ms) ?? fail("overflow", "the duration is out of range", span);
}

function badOperands(verb: string, a: unknown, b: unknown, span: Span): never {
  return fail("invalid_operand", `cannot ${verb} ${typeName(a)} and ${typeName(b)}`, span);
}

export function add(a: unknown, b: unknown, st: State, span: Span): unknown {
  if (typeof a === "number" && typeof b === "number") return finite(a + b, span);
  if (typeof a === "string" && typeof b === "string") {
    chargeText(st, a.length + b.length, span);
    return checkString(a + b, st, span);
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = a.length + b.length;
    if (n >= ELEMENTS_PER_STEP) charge(st, Math.floor(n / ELEMENTS_PER_STEP), span);
    if (a.length + b.length > st.limits.maxListLength) {
      throw limitFault(
        "list_too_long",
        `list longer than ${st.limits.maxListLength} elements`,
        span,
      );
    }
    build(a.length + b.length, st, span);
    return a.concat(b);
  }
  if (a instanceof Timestamp && b instanceof Duration)
    return timestamp(a.epochMilliseconds + b.milliseconds, span);
  if (a instanceof Duration && b instanceof Timestamp)
    return timestamp(a.milliseconds + b.epochMilliseconds, span);
  if (a instanceof Duration && b instanceof Duration)
    return duration(a.milliseconds + b.milliseconds, span);
  return badOperands("add", a, b, span);
}

export function subtract(a: unknown, b: unknown, span: Span): unknown {
  if (typeof a === "number" && typeof b === "number") return finite(a - b, span);
  if (a instanceof Timestamp) {
    if (b instanceof Timestamp) return duration(a.epochMilliseconds - b.epochMilliseconds, span);
    if (b instanceof Duration) return timestamp(a.epochMilliseconds - b.milliseconds, span);
  }
  if (a instanceof Duration && b instanceof Duration)
    return duration(a.milliseconds - b.milliseconds, span);
  return badOperands("subtract", a, b, span);
}

export function arithmetic(op: "*" | "/" | "%", a: unknown, b: unknown, span: Span): number {
  if (typeof a !== "number" || typeof b !== "number") {
    return badOperands(
      op === "*" ? "multiply" : op === "/" ? "divide" : "take the remainder of",
      a,
      b,
      span,
    );
  }
  if (op === "*") return finite(a * b, span);
  if (b === 0) return fail("division_by_zero", "division by zero", span);
  return finite(op === "/" ? a / b : a % b, span);
}

export function negate(a: unknown, span: Span): unknown {
  if (typeof a === "number") return a === 0 ? 0 : -a;
  if (a instanceof Duration) return duration(-a.milliseconds, span);
  return fail("invalid_operand", `cannot negate ${typeName(a)}`, span);
}

/** `in`: membership charged one step per element compared, plus what each comparison costs. */
export function contains(container: unknown, x: unknown, st: State, span: Span): boolean {
  if (Array.isArray(container)) {
    for (let i = 0; i < container.length; i++) {
      chargeOne(st, span);
      if (equalValues(container[i], x, st, span)) return true;
    }
    return false;
  }
  if (isMap(container)) {
    if (typeof x === "string") return hasOwn(container, x);
    return fail(
      "invalid_operand",
      `a map's keys are strings; cannot look for ${typeName(x)} in it`,
      span,
    );
  }
  return fail(
    "invalid_operand",
    `'in' needs a list or a map on its right, not ${typeName(container)}`,
    span,
  );
}

export function expectedBool(v: unknown, span: Span): never {
  return fail("expected_bool", `expected bool, got ${typeName(v)}`, span);
}
