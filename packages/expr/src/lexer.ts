// The tokenizer of EXPR.md § Lexical rules: a single pass over UTF-16 code
// units, every token keeping its span so errors can point at it.
import { RESERVED } from "./ast.ts";
import { Fault } from "./errors.ts";

export type TokenType = "num" | "str" | "ident" | "op" | "eof";

export interface Token {
  type: TokenType;
  /** Operator or punctuation text, identifier or keyword name. */
  text: string;
  /** The decoded value of a number or string literal. */
  value: number | string | null;
  start: number;
  end: number;
}

const TWO_CHAR_OPS = new Set(["==", "!=", "<=", ">=", "&&", "||"]);
const ONE_CHAR_OPS = new Set([..."<>!+-*/%?:.,()[]{}"]);

function syntax(code: string, message: string, start: number, end: number): Fault {
  return new Fault("syntax", code, message, { start, end });
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isIdentStart = (c: number): boolean =>
  (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isIdentPart = (c: number): boolean => isIdentStart(c) || isDigit(c);

/** Tokenizes `src` between `start` and `end`; always ends with an `eof` token. */
export function tokenize(src: string, start = 0, end = src.length): Token[] {
  const tokens: Token[] = [];
  let i = start;
  while (i < end) {
    const c = src.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) {
      i++;
      continue;
    }
    if (c === 47 && src.charCodeAt(i + 1) === 47 && i + 1 < end) {
      while (i < end && src.charCodeAt(i) !== 10) i++;
      continue;
    }
    if (isDigit(c)) {
      i = lexNumber(src, i, end, tokens);
      continue;
    }
    if (isIdentStart(c)) {
      let j = i + 1;
      while (j < end && isIdentPart(src.charCodeAt(j))) j++;
      const name = src.slice(i, j);
      if (RESERVED.has(name)) {
        throw syntax(
          "reserved_word",
          `'${name}' is a reserved word and cannot be used as a name (write x["${name}"] for a field)`,
          i,
          j,
        );
      }
      tokens.push({ type: "ident", text: name, value: null, start: i, end: j });
      i = j;
      continue;
    }
    if (c === 34 || c === 39) {
      i = lexString(src, i, end, tokens);
      continue;
    }
    const two = i + 1 < end ? src.slice(i, i + 2) : "";
    if (TWO_CHAR_OPS.has(two)) {
      tokens.push({ type: "op", text: two, value: null, start: i, end: i + 2 });
      i += 2;
      continue;
    }
    const one = src[i]!;
    if (ONE_CHAR_OPS.has(one)) {
      tokens.push({ type: "op", text: one, value: null, start: i, end: i + 1 });
      i++;
      continue;
    }
    throw unexpectedCharacter(src, i);
  }
  tokens.push({ type: "eof", text: "", value: null, start: end, end });
  return tokens;
}

function unexpectedCharacter(src: string, i: number): Fault {
  const ch = String.fromCodePoint(src.codePointAt(i)!);
  const len = ch.length;
  if (ch === "=") return syntax("unexpected_character", "use '==' to compare two values", i, i + 1);
  if (ch === "&") return syntax("unexpected_character", "use '&&' for 'and'", i, i + 1);
  if (ch === "|") return syntax("unexpected_character", "use '||' for 'or'", i, i + 1);
  if (ch === ".")
    return syntax(
      "invalid_number",
      "a number must start with a digit (write 0.5, not .5)",
      i,
      i + 1,
    );
  return syntax("unexpected_character", `unexpected character '${ch}'`, i, i + len);
}

function lexNumber(src: string, i: number, end: number, tokens: Token[]): number {
  const start = i;
  const bad = (message: string, to: number): Fault => syntax("invalid_number", message, start, to);
  if (src.charCodeAt(i) === 48 && i + 1 < end && isDigit(src.charCodeAt(i + 1))) {
    let j = i + 1;
    while (j < end && isDigit(src.charCodeAt(j))) j++;
    throw bad("a number cannot start with 0 followed by more digits", j);
  }
  while (i < end && isDigit(src.charCodeAt(i))) i++;
  if (i < end && src.charCodeAt(i) === 46) {
    if (!(i + 1 < end && isDigit(src.charCodeAt(i + 1)))) {
      throw bad("a number needs digits after its decimal point (write 5.0 or 5)", i + 1);
    }
    i++;
    while (i < end && isDigit(src.charCodeAt(i))) i++;
  }
  const e = src.charCodeAt(i);
  if (i < end && (e === 101 || e === 69)) {
    i++;
    const sign = src.charCodeAt(i);
    if (i < end && (sign === 43 || sign === 45)) i++;
    if (!(i < end && isDigit(src.charCodeAt(i))))
      throw bad("a number's exponent needs digits (write 1e3)", i);
    while (i < end && isDigit(src.charCodeAt(i))) i++;
  }
  if (i < end && (isIdentPart(src.charCodeAt(i)) || src.charCodeAt(i) === 46)) {
    let j = i;
    while (j < end && (isIdentPart(src.charCodeAt(j)) || src.charCodeAt(j) === 46)) j++;
    throw bad(`'${src.slice(start, j)}' is not a valid number`, j);
  }
  const text = src.slice(start, i);
  const value = Number(text);
  if (!Number.isFinite(value)) throw bad(`the number ${text} is too large`, i);
  tokens.push({ type: "num", text, value, start, end: i });
  return i;
}

function hex4(src: string, i: number, end: number): number {
  if (i + 4 > end) return -1;
  let v = 0;
  for (let k = i; k < i + 4; k++) {
    const c = src.charCodeAt(k);
    const d =
      c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

function lexString(src: string, i: number, end: number, tokens: Token[]): number {
  const start = i;
  const quote = src.charCodeAt(i);
  i++;
  let out = "";
  let chunk = i;
  for (;;) {
    if (i >= end || src.charCodeAt(i) === 10 || src.charCodeAt(i) === 13) {
      throw syntax("unterminated_string", "this text is missing its closing quote", start, i);
    }
    const c = src.charCodeAt(i);
    if (c === quote) break;
    if (c !== 92) {
      i++;
      continue;
    }
    out += src.slice(chunk, i);
    const esc = i;
    if (i + 1 >= end)
      throw syntax("unterminated_string", "this text is missing its closing quote", start, end);
    const n = src[i + 1]!;
    i += 2;
    switch (n) {
      case "\\":
      case '"':
      case "'":
        out += n;
        break;
      case "n":
        out += "\n";
        break;
      case "r":
        out += "\r";
        break;
      case "t":
        out += "\t";
        break;
      case "u": {
        const cu = hex4(src, i, end);
        if (cu < 0)
          throw syntax(
            "invalid_escape",
            "\\u must be followed by 4 hex digits",
            esc,
            Math.min(i + 4, end),
          );
        i += 4;
        if (cu >= 0xdc00 && cu <= 0xdfff) {
          throw syntax(
            "invalid_escape",
            "this \\u escape is half of a character (a lone surrogate)",
            esc,
            i,
          );
        }
        if (cu >= 0xd800 && cu <= 0xdbff) {
          const lo = src.charCodeAt(i) === 92 && src[i + 1] === "u" ? hex4(src, i + 2, end) : -1;
          if (lo < 0xdc00 || lo > 0xdfff) {
            throw syntax(
              "invalid_escape",
              "this \\u escape is half of a character (a lone surrogate)",
              esc,
              i,
            );
          }
          i += 6;
          out += String.fromCharCode(cu, lo);
        } else {
          out += String.fromCharCode(cu);
        }
        break;
      }
      default:
        throw syntax(
          "invalid_escape",
          `'\\${n}' is not a valid escape (use \\\\ \\" \\' \\n \\r \\t or \\uXXXX)`,
          esc,
          i,
        );
    }
    chunk = i;
  }
  out += src.slice(chunk, i);
  i++;
  tokens.push({ type: "str", text: src.slice(start, i), value: out, start, end: i });
  return i;
}
