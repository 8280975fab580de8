// matches(): RE2 syntax with linear time guaranteed. Patterns run on re2js,
// except one safe fast path: a pattern that RE2 itself proves one-pass (anchored
// with `^`, every choice decided by the next character) and that uses only
// plain syntax is translated to a sticky JavaScript RegExp. On such a pattern
// a backtracking engine never has a second viable branch, so every wrong turn
// dies on its first character and the match stays linear; and the translation
// keeps RE2's meaning (`.` excludes only \n, `\d` `\w` `\s` are ASCII, code
// points via the `u` flag). Anything else stays on re2js.
import { RE2JS } from "re2js";
import { fail, type Span } from "./errors.ts";

/** What matches() needs from a compiled pattern. */
export interface Pattern {
  test(input: string): boolean;
}

const cache = new Map<string, Pattern | string>();

/**
 * A compiled pattern, or the message saying why it is invalid. Recent
 * patterns are remembered: compiling one costs far more than a match.
 */
export function compileRegex(pattern: string): Pattern | string {
  let re = cache.get(pattern);
  if (re === undefined) {
    try {
      const re2 = RE2JS.compile(pattern);
      re = nativeFastPath(pattern, re2) ?? re2;
    } catch (e) {
      const detail = e instanceof Error ? e.message : String(e);
      re = `invalid pattern '${pattern}': ${detail}`;
    }
    if (cache.size >= 256) cache.clear();
    cache.set(pattern, re);
  }
  return re;
}

/** Compiles a pattern computed at run time. */
export function dynamicRegex(pattern: string, span: Span): Pattern {
  const re = compileRegex(pattern);
  return typeof re === "string" ? fail("invalid_regex", re, span) : re;
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

function nativeFastPath(pattern: string, re: RE2JS): Pattern | null {
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
