// matches(): RE2 syntax with linear time guaranteed. Patterns run on re2js,
// except one safe fast path: a pattern that RE2 itself proves one-pass (anchored
// with `^`, every choice decided by the next character) and that uses only
// plain syntax is translated to a sticky JavaScript RegExp. On such a pattern
// a backtracking engine never has a second viable branch, so every wrong turn
// dies on its first character and the match stays linear; and the translation
// keeps RE2's meaning (`.` excludes only \n, `\d` `\w` `\s` are ASCII, code
// points via the `u` flag). Anything else stays on re2js.
import { RE2JS } from "re2js";
import {
  type Budget,
  CHARS_PER_STEP,
  charge,
  chargeText,
  MAX_MATCH_INPUT,
  MAX_REGEX_PROGRAM,
  REGEX_COMPILE_STEPS_PER_INSTRUCTION,
  REGEX_WORK_PER_STEP,
} from "./cost.ts";
import { Fault, fail, type Span } from "./errors.ts";
import { estimateProgram } from "./regex-size.ts";

/** What matches() needs from a compiled pattern. */
export interface Pattern {
  test(input: string): boolean;
  /** Instructions in its RE2 program. */
  readonly size: number;
  /** True on the native one-pass fast path: linear with a small constant. */
  readonly native: boolean;
}

/** Why a pattern cannot be used: invalid (`invalid_regex`) or too large (`too_complex`). */
export interface RegexProblem {
  code: "invalid_regex" | "too_complex";
  message: string;
}

const cache = new Map<string, Pattern | RegexProblem>();

export function isPattern(re: Pattern | RegexProblem): re is Pattern {
  return "test" in re;
}

/**
 * A compiled pattern, or the problem with it. Recent patterns are
 * remembered: compiling one costs far more than a match. A pattern whose
 * program could exceed MAX_REGEX_PROGRAM instructions is refused before
 * re2js compiles it (compiling is the expensive part: ~400 ms for 50 KB).
 */
export function compileRegex(pattern: string): Pattern | RegexProblem {
  let re = cache.get(pattern);
  if (re === undefined) {
    re = compileUncached(pattern);
    if (cache.size >= 256) cache.clear();
    cache.set(pattern, re);
  }
  return re;
}

function tooLarge(size: number): RegexProblem {
  return {
    code: "too_complex",
    message: `this pattern compiles to ${size >= 1e9 ? "too many" : `about ${size}`} instructions; the limit is ${MAX_REGEX_PROGRAM}`,
  };
}

function compileUncached(pattern: string): Pattern | RegexProblem {
  const estimate = estimateProgram(pattern);
  // Far over the limit: refused without compiling. A nested repeat over
  // 1,000 is left to re2js, whose parser rejects it at once (invalid_regex).
  if (estimate.size > 4 * MAX_REGEX_PROGRAM && !estimate.nestedRepeat) {
    return tooLarge(estimate.size);
  }
  let re2: RE2JS;
  try {
    re2 = RE2JS.compile(pattern);
  } catch (e) {
    const detail = e instanceof Error ? e.message : String(e);
    return { code: "invalid_regex", message: `invalid pattern '${pattern}': ${detail}` };
  }
  const size = re2.programSize();
  if (size > MAX_REGEX_PROGRAM) return tooLarge(size);
  return nativeFastPath(pattern, re2, size) ?? wrap(re2, size);
}

function wrap(re2: RE2JS, size: number): Pattern {
  return { test: (input) => re2.test(input), size, native: false };
}

/** Compiles a pattern computed at run time, charging for compiling it. */
export function dynamicRegex(pattern: string, b: Budget, span: Span): Pattern {
  chargeText(b, pattern.length, span);
  const re = compileRegex(pattern);
  if (!isPattern(re)) {
    if (re.code === "too_complex") throw new Fault("limit", "too_complex", re.message, span);
    return fail("invalid_regex", re.message, span);
  }
  charge(b, re.size * REGEX_COMPILE_STEPS_PER_INSTRUCTION, span);
  return re;
}

/**
 * Runs a pattern on `input`, charging for the work: the native fast path is
 * linear (a text scan); re2js costs input × program size in its worst case.
 */
export function runPattern(re: Pattern, input: string, b: Budget, span: Span): boolean {
  if (input.length > MAX_MATCH_INPUT) {
    throw new Fault(
      "limit",
      "too_complex",
      `matches() reads at most ${MAX_MATCH_INPUT} characters; this text has ${input.length}`,
      span,
    );
  }
  if (re.native) chargeText(b, input.length, span);
  else if (input.length * re.size >= REGEX_WORK_PER_STEP * CHARS_PER_STEP)
    charge(b, Math.floor((input.length * re.size) / REGEX_WORK_PER_STEP), span);
  return re.test(input);
}

function isOnePass(re: RE2JS): boolean {
  try {
    // re2js computes RE2's one-pass program for anchored patterns; it is not
    // part of its typed API, so any doubt means "no".
    const onepass = (re.re2() as unknown as { onepass?: unknown }).onepass;
    return onepass !== null && onepass !== undefined;
  } catch {
    return false;
  }
}

function nativeFastPath(pattern: string, re: RE2JS, size: number): Pattern | null {
  if (!pattern.startsWith("^") || !isOnePass(re)) return null;
  const source = translate(pattern);
  if (source === null) return null;
  let native: RegExp;
  try {
    native = new RegExp(source, "uy");
  } catch {
    return null;
  }
  return {
    test(input: string): boolean {
      native.lastIndex = 0;
      return native.test(input);
    },
    size,
    native: true,
  };
}

const JS_SYNTAX = new Set([..."^$\\.*+?()[]{}|/"]);
const SHORTHAND: Record<string, string> = { d: "0-9", w: "0-9A-Za-z_", s: "\\t\\n\\f\\r " };

/** RE2 → JavaScript for a whitelist of plain syntax; null for anything else. */
export function translate(p: string): string | null {
  let out = "";
  let i = 0;
  while (i < p.length) {
    const c = p[i]!;
    if (c === "\\") {
      const n = p[i + 1];
      if (n === undefined) return null;
      if (n in SHORTHAND && Object.hasOwn(SHORTHAND, n)) out += `[${SHORTHAND[n]}]`;
      else if (/^[!-/:-@[-`{-~]$/.test(n)) out += JS_SYNTAX.has(n) ? `\\${n}` : n;
      else return null;
      i += 2;
    } else if (c === "[") {
      const cls = translateClass(p, i);
      if (cls === null) return null;
      out += cls.text;
      i = cls.end;
    } else if (c === "(") {
      if (p[i + 1] === "?") {
        if (p[i + 2] !== ":") return null;
        i += 3;
      } else {
        i += 1;
      }
      out += "(?:";
    } else if (c === "{") {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(p.slice(i));
      if (m === null || p[i + m[0].length] === "?") return null;
      out += m[0];
      i += m[0].length;
    } else if (c === "*" || c === "+" || c === "?") {
      if (p[i + 1] === "?") return null; // lazy quantifiers: keep them on re2js
      out += c;
      i++;
    } else if (c === ".") {
      out += "[^\\n]";
      i++;
    } else if (c === ")" || c === "|" || c === "^" || c === "$") {
      out += c;
      i++;
    } else if (c === "]" || c === "}") {
      out += `\\${c}`;
      i++;
    } else {
      out += JS_SYNTAX.has(c) ? `\\${c}` : c;
      i++;
    }
  }
  return out;
}

function classChar(ch: string): string {
  return ch === "\\" || ch === "]" || ch === "[" || ch === "^" || ch === "-" ? `\\${ch}` : ch;
}

function translateClass(p: string, start: number): { text: string; end: number } | null {
  let i = start + 1;
  let out = "[";
  if (p[i] === "^") {
    out += "^";
    i++;
  }
  let first = true;
  for (;;) {
    if (i >= p.length) return null;
    const c = p[i]!;
    if (c === "]" && !first) return { text: `${out}]`, end: i + 1 };
    first = false;
    if (c === "[") return null; // [:alpha:] and friends
    let lo: string;
    if (c === "\\") {
      const n = p[i + 1];
      if (n === undefined) return null;
      if (Object.hasOwn(SHORTHAND, n)) {
        out += SHORTHAND[n];
        i += 2;
        continue;
      }
      if (!/^[!-/:-@[-`{-~]$/.test(n)) return null;
      lo = n;
      i += 2;
    } else {
      lo = String.fromCodePoint(p.codePointAt(i)!);
      i += lo.length;
    }
    if (p[i] === "-" && p[i + 1] !== "]" && i + 1 < p.length) {
      const hiRaw = p[i + 1]!;
      if (hiRaw === "\\" || hiRaw === "[") return null;
      const hi = String.fromCodePoint(p.codePointAt(i + 1)!);
      out += `${classChar(lo)}-${classChar(hi)}`;
      i += 1 + hi.length;
    } else {
      out += classChar(lo);
    }
  }
}
