// The function and method table of EXPR.md § Functions.
import { chargeText } from "./cost.ts";
import { fail, type Span } from "./errors.ts";
import { checkString, hasOwn, isMap, type State, typeName } from "./ops.ts";
import { Duration, Timestamp } from "./values.ts";

/** Global functions and their arity (`has` is handled by the compiler). */
export const FUNCTION_ARITY: Readonly<Record<string, number>> = {
  size: 1,
  int: 1,
  double: 1,
  string: 1,
  timestamp: 1,
  duration: 1,
  has: 1,
};

/** Methods (receiver not counted) and their arity; the macros take two. */
export const METHOD_ARITY: Readonly<Record<string, number>> = {
  size: 0,
  contains: 1,
  startsWith: 1,
  endsWith: 1,
  matches: 1,
  lowerAscii: 0,
  upperAscii: 0,
  trim: 0,
  exists: 2,
  all: 2,
  exists_one: 2,
  filter: 2,
  map: 2,
};

export const isFunction = (name: string): boolean => hasOwn(FUNCTION_ARITY, name);
export const isMethod = (name: string): boolean => hasOwn(METHOD_ARITY, name);

function countCodePoints(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

export function size(x: unknown, span: Span): number {
  if (typeof x === "string") return countCodePoints(x);
  if (Array.isArray(x)) return x.length;
  if (isMap(x)) return Object.keys(x).length;
  return fail("invalid_argument", `size() needs a string, list or map, not ${typeName(x)}`, span);
}

const INTEGER = /^[-+]?\d+$/;
const DECIMAL = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;

export function toInt(x: unknown, span: Span): number {
  if (typeof x === "number") return Math.trunc(x) || 0;
  if (typeof x === "string" && INTEGER.test(x)) {
    const n = Number(x);
    if (Number.isFinite(n)) return n || 0;
  }
  if (x instanceof Timestamp) return Math.floor(x.epochMilliseconds / 1000);
  if (typeof x === "string")
    return fail("invalid_argument", `int() cannot read '${x}' as an integer`, span);
  return fail("invalid_argument", `int() cannot convert ${typeName(x)}`, span);
}

export function toDouble(x: unknown, span: Span): number {
  if (typeof x === "number") return x;
  if (typeof x === "string" && DECIMAL.test(x)) {
    const n = Number(x);
    if (Number.isFinite(n)) return n;
  }
  if (typeof x === "string")
    return fail("invalid_argument", `double() cannot read '${x}' as a number`, span);
  return fail("invalid_argument", `double() cannot convert ${typeName(x)}`, span);
}

export function toStringValue(x: unknown, span: Span): string {
  switch (typeof x) {
    case "string":
      return x;
    case "number":
      return String(x);
    case "boolean":
      return x ? "true" : "false";
    default:
      if (x instanceof Timestamp || x instanceof Duration) return x.toString();
      return fail("invalid_argument", `string() cannot convert ${typeName(x)}`, span);
  }
}

export function toTimestamp(x: unknown, span: Span): Timestamp {
  if (x instanceof Timestamp) return x;
  if (typeof x === "string") {
    return (
      Timestamp.tryParse(x) ??
      fail(
        "invalid_argument",
        `'${x}' is not a valid timestamp (use RFC 3339, e.g. 2024-05-01T10:00:00Z)`,
        span,
      )
    );
  }
  if (typeof x === "number") {
    return (
      Timestamp.tryFromEpochMilliseconds(x * 1000) ??
      fail("invalid_argument", "the timestamp is out of range", span)
    );
  }
  return fail("invalid_argument", `timestamp() cannot convert ${typeName(x)}`, span);
}

export function toDuration(x: unknown, span: Span): Duration {
  if (x instanceof Duration) return x;
  if (typeof x === "string") {
    return (
      Duration.tryParse(x) ??
      fail(
        "invalid_argument",
        `'${x}' is not a valid duration (e.g. "90s", "1h30m", "250ms")`,
        span,
      )
    );
  }
  return fail("invalid_argument", `duration() cannot convert ${typeName(x)}`, span);
}

/** The global functions other than `has`, by name. */
export const GLOBALS: Readonly<Record<string, (x: unknown, span: Span) => unknown>> = {
  size,
  int: toInt,
  double: toDouble,
  string: toStringValue,
  timestamp: toTimestamp,
  duration: toDuration,
};

// Unicode White_Space: JavaScript's trim() also strips U+FEFF and keeps U+0085.
function isSpace(c: number): boolean {
  return (
    (c >= 9 && c <= 13) ||
    c === 32 ||
    c === 0x85 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}

export function trim(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isSpace(s.charCodeAt(a))) a++;
  while (b > a && isSpace(s.charCodeAt(b - 1))) b--;
  return s.slice(a, b);
}

const UPPER = /[A-Z]+/g;
const LOWER = /[a-z]+/g;

export type StringMethod = (s: string, arg: string, st: State, span: Span) => unknown;

/** The methods on strings other than `size` and `matches`. */
export const STRING_METHODS: Readonly<Record<string, StringMethod>> = {
  contains: (s, t, st, span) => {
    chargeText(st, s.length + t.length, span);
    return s.includes(t);
  },
  startsWith: (s, t, st, span) => {
    chargeText(st, Math.min(s.length, t.length), span);
    return s.startsWith(t);
  },
  endsWith: (s, t, st, span) => {
    chargeText(st, Math.min(s.length, t.length), span);
    return s.endsWith(t);
  },
  lowerAscii: (s, _t, st, span) => {
    chargeText(st, s.length, span);
    return s.replace(UPPER, (m) => m.toLowerCase());
  },
  upperAscii: (s, _t, st, span) => {
    chargeText(st, s.length, span);
    return checkString(
      s.replace(LOWER, (m) => m.toUpperCase()),
      st,
      span,
    );
  },
  trim: (s, _t, st, span) => {
    const out = trim(s);
    chargeText(st, s.length - out.length, span); // only the white space it walked over
    return out;
  },
};
