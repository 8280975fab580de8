// Templates: text with `{{ expression }}` placeholders (EXPR.md § Templates).
import type { Ast } from "./ast.ts";
import { chargeText } from "./cost.ts";
import type { Fn } from "./env.ts";
import { ExprError, Fault, positionAt, type Span, toExprError } from "./errors.ts";
import { type Limits, resolveLimits } from "./limits.ts";
import { checkString, type State, typeName } from "./ops.ts";
import { compileAsts, newState, parseIn } from "./program.ts";
import { collectReferences } from "./references.ts";
import { Duration, Timestamp } from "./values.ts";

/** A compiled template: compile once, render many times. */
export interface Template {
  readonly source: string;
  /** True when the text has no placeholders: render() returns it unchanged (escapes resolved). */
  readonly isStatic: boolean;
  /** The placeholders' expressions with their spans in the text (`{{` and `}}` excluded). */
  readonly placeholders: readonly { span: Span; ast: Ast }[];
  /**
   * The rendered text; a field that is exactly one placeholder keeps the value's type.
   * @throws ExprError (kind `eval` or `limit`) with positions in the template text
   */
  render(context: object): unknown;
  /**
   * Renders the text while keeping chosen placeholders as holes: the answer
   * is the rendered text between them (strings, adjacent text joined) and,
   * in order, the index (into `placeholders`) of each kept placeholder. The
   * others render as text with the usual rules (null → "", list/map → JSON);
   * a field that is one placeholder does not keep its type here.
   * Literal text comes back with `\{{` resolved to `{{`.
   * @example
   * compileTemplate("Bearer {{ secrets.t }} for {{ who }}")
   *   .renderParts({ who: "ops" }, (ast) => print(ast).startsWith("secrets."));
   * // ["Bearer ", 0, " for ops"]
   * @throws ExprError (kind `eval` or `limit`) with positions in the template text
   */
  renderParts(context: object, keep: (ast: Ast) => boolean): Array<string | number>;
  /** Dotted context paths read by all placeholders. */
  references(): string[];
}

/** Index of the `}}` closing a placeholder whose expression starts at `i`, or -1. */
function findClose(text: string, i: number): number {
  let depth = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"' || c === "'") {
      i++;
      while (i < text.length && text[i] !== c && text[i] !== "\n") i += text[i] === "\\" ? 2 : 1;
    } else if (c === "{") {
      depth++;
    } else if (c === "}") {
      if (depth === 0 && text[i + 1] === "}") return i;
      if (depth > 0) depth--;
    }
    i++;
  }
  return -1;
}

type Piece = string | number; // literal text, or the index of a placeholder

function renderValue(v: unknown, span: Span): string {
  switch (typeof v) {
    case "string":
      return v;
    case "number":
      return String(v);
    case "boolean":
      return v ? "true" : "false";
    case "object":
      if (v === null) return "";
      if (v instanceof Timestamp || v instanceof Duration) return v.toString();
      return JSON.stringify(v);
    default:
      throw new Fault("eval", "invalid_argument", `cannot show ${typeName(v)} as text`, span);
  }
}

class CompiledTemplate implements Template {
  readonly source: string;
  readonly isStatic: boolean;
  readonly placeholders: readonly { span: Span; ast: Ast }[];
  readonly #pieces: Piece[];
  readonly #fns: Fn[];
  readonly #state: State;
  readonly #whole: boolean;

  constructor(
    source: string,
    pieces: Piece[],
    placeholders: { span: Span; ast: Ast }[],
    fns: Fn[],
    state: State,
  ) {
    this.source = source;
    this.#pieces = pieces;
    this.placeholders = placeholders;
    this.#fns = fns;
    this.#state = state;
    this.isStatic = placeholders.length === 0;
    const only = placeholders[0];
    this.#whole =
      placeholders.length === 1 && only!.span.start === 2 && only!.span.end === source.length - 2;
  }

  render(context: object): unknown {
    if (this.isStatic) return this.#pieces[0] ?? "";
    if (typeof context !== "object" || context === null) {
      throw new ExprError("eval", "invalid_context", "the context must be an object");
    }
    const s = this.#state;
    s.ctx = context;
    s.steps = s.base;
    s.built = 0;
    try {
      if (this.#whole) return this.#fns[0]!(s);
      let out = "";
      for (const p of this.#pieces) {
        if (typeof p === "string") {
          out += p;
        } else {
          const span = this.placeholders[p]!.span;
          const text = renderValue(this.#fns[p]!(s), span);
          // Rendering a list or map as JSON walks all of it.
          chargeText(s, text.length, span);
          out = checkString(out + text, s, span);
        }
      }
      return out;
    } catch (e) {
      throw toExprError(e, this.source);
    } finally {
      s.ctx = {};
      if (s.slots.length > 0) s.slots.length = 0;
    }
  }

  renderParts(context: object, keep: (ast: Ast) => boolean): Array<string | number> {
    const kept = this.placeholders.map((p) => keep(p.ast));
    const out: Array<string | number> = [];
    let text = "";
    const s = this.#state;
    // Only placeholders that render need the context.
    if (kept.some((k) => !k)) {
      if (typeof context !== "object" || context === null) {
        throw new ExprError("eval", "invalid_context", "the context must be an object");
      }
      s.ctx = context;
      s.steps = s.base;
      s.built = 0;
    }
    try {
      for (const p of this.#pieces) {
        if (typeof p === "string") {
          text += p;
        } else if (kept[p]) {
          if (text !== "") out.push(text);
          text = "";
          out.push(p);
        } else {
          const span = this.placeholders[p]!.span;
          const value = renderValue(this.#fns[p]!(s), span);
          chargeText(s, value.length, span);
          text = checkString(text + value, s, span);
        }
      }
    } catch (e) {
      throw toExprError(e, this.source);
    } finally {
      s.ctx = {};
      if (s.slots.length > 0) s.slots.length = 0;
    }
    if (text !== "") out.push(text);
    return out;
  }

  references(): string[] {
    return collectReferences(this.placeholders.map((p) => p.ast));
  }
}

/**
 * Compiles a text with `{{ … }}` placeholders; `\{{` is a literal `{{`.
 *
 * @example
 * compileTemplate("Order {{ order.id }} needs approval").render({ order: { id: 7 } });
 * // "Order 7 needs approval"
 * compileTemplate("{{ order.amount }}").render({ order: { amount: 12000 } }); // 12000
 * @throws ExprError (kind `syntax`, `type` or `limit`) with positions in `text`
 */
export function compileTemplate(text: string, options?: Limits): Template {
  const limits = resolveLimits(options);
  const pieces: Piece[] = [];
  const placeholders: { span: Span; ast: Ast }[] = [];
  let literal = "";
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === "\\" && text[i + 1] === "{" && text[i + 2] === "{") {
      literal += "{{";
      i += 3;
    } else if (c === "{" && text[i + 1] === "{") {
      const close = findClose(text, i + 2);
      if (close < 0) {
        throw new ExprError(
          "syntax",
          "unclosed_placeholder",
          "this '{{' has no matching '}}'",
          positionAt(text, i, 2),
        );
      }
      if (close - (i + 2) > limits.maxSourceLength) {
        throw new ExprError(
          "limit",
          "source_too_long",
          `this placeholder is longer than ${limits.maxSourceLength} characters`,
          positionAt(text, i + 2, close - i - 2),
        );
      }
      if (literal !== "") pieces.push(literal);
      literal = "";
      pieces.push(placeholders.length);
      placeholders.push({
        span: { start: i + 2, end: close },
        ast: parseIn(text, i + 2, close, limits),
      });
      i = close + 2;
    } else {
      literal += c;
      i++;
    }
  }
  if (literal !== "" || pieces.length === 0) pieces.push(literal);
  const { fns, base } = compileAsts(
    placeholders.map((p) => p.ast),
    text,
    limits,
    false,
  );
  return new CompiledTemplate(text, pieces, placeholders, fns, newState(limits, base));
}
