// Every failure of the language is an ExprError: a kind a program can branch
// on, a stable code, a sentence a person can read and the span it is about.

/** The four kinds of EXPR.md's fine print. */
export const ERROR_KINDS = ["syntax", "type", "eval", "limit"] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

/** Where in the source a problem is: UTF-16 offset, 1-based line and column. */
export interface ExprPosition {
  offset: number;
  line: number;
  column: number;
  length: number;
}

/** A half-open range of UTF-16 offsets into the source text. */
export interface Span {
  start: number;
  end: number;
}

/**
 * The error every entry point throws.
 *
 * @example
 * try { evaluate("order.amount > ", {}) } catch (e) {
 *   if (e instanceof ExprError) console.log(e.kind, e.code, e.position?.column);
 * }
 */
export class ExprError extends Error {
  readonly kind: ErrorKind;
  readonly code: string;
  readonly position?: ExprPosition;

  constructor(kind: ErrorKind, code: string, message: string, position?: ExprPosition) {
    super(message);
    this.name = "ExprError";
    this.kind = kind;
    this.code = code;
    if (position !== undefined) this.position = position;
  }
}

/**
 * The lightweight error value used while evaluating. It is thrown, caught by
 * `&&`, `||` and the macros that absorb errors, and turned into an ExprError
 * (with line and column) only when it reaches the caller. No stack trace is
 * captured, so absorbing an error costs next to nothing.
 */
export class Fault {
  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    readonly message: string,
    public span: Span | undefined,
  ) {}
}

/** Throws an `eval` fault; `never` keeps the call sites short. */
export function fail(code: string, message: string, span?: Span): never {
  throw new Fault("eval", code, message, span);
}

/** Line and column (1-based, UTF-16 units) of `offset` in `source`. */
export function positionAt(source: string, offset: number, length: number): ExprPosition {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, source.length);
  for (let i = 0; i < end; i++) {
    const c = source.charCodeAt(i);
    if (c === 10 || (c === 13 && source.charCodeAt(i + 1) !== 10)) {
      line++;
      lineStart = i + 1;
    }
  }
  return { offset, line, column: offset - lineStart + 1, length };
}

/** Converts anything thrown inside the package into an ExprError. */
export function toExprError(e: unknown, source: string): ExprError {
  if (e instanceof ExprError) return e;
  if (e instanceof Fault) {
    const pos = e.span ? positionAt(source, e.span.start, e.span.end - e.span.start) : undefined;
    return new ExprError(e.kind, e.code, e.message, pos);
  }
  if (e instanceof RangeError) {
    // A stack overflow: only reachable with limits raised far beyond the defaults.
    return new ExprError("limit", "too_complex", "this expression is too complex to run");
  }
  const message = e instanceof Error ? e.message : String(e);
  return new ExprError("eval", "internal", `internal error: ${message}`);
}
