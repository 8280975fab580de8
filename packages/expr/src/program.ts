// compile() and evaluate(): source → AST → closures, and the entry point that
// turns every internal failure into an ExprError.
import type { Ast } from "./ast.ts";
import { compileRoot } from "./compile.ts";
import type { Fn } from "./env.ts";
import { ExprError, positionAt, type Span, toExprError } from "./errors.ts";
import { type Limits, type ResolvedLimits, resolveLimits } from "./limits.ts";
import type { State } from "./ops.ts";
import { parseRange } from "./parser.ts";
import { collectReferences } from "./references.ts";
import { measure } from "./walk.ts";

/** One evaluated sub-expression of an explanation. */
export interface ExplanationPart {
  span: Span;
  /** The text of the sub-expression. */
  source: string;
  value?: unknown;
  error?: ExprError;
}

/** The result of Program.explain: the outcome and every sub-expression's value. */
export interface Explanation {
  value?: unknown;
  error?: ExprError;
  parts: ExplanationPart[];
}

/** A compiled expression: compile once, evaluate many times. */
export interface Program {
  readonly source: string;
  readonly ast: Ast;
  /** Runs the expression; throws ExprError (kind `eval` or `limit`). */
  evaluate(context: object): unknown;
  /** Dotted context paths read, e.g. `["order.amount", "order.status"]`. */
  references(): string[];
  /** Evaluates, recording the value or error of every sub-expression that ran. */
  explain(context: object): Explanation;
}

export function checkSourceLength(source: string, limits: ResolvedLimits): void {
  if (source.length > limits.maxSourceLength) {
    throw new ExprError(
      "limit",
      "source_too_long",
      `the expression is ${source.length} characters long; the limit is ${limits.maxSourceLength}`,
      positionAt(source, limits.maxSourceLength, source.length - limits.maxSourceLength),
    );
  }
}

/** Parses `text[start, end)` with positions relative to the whole text. */
export function parseIn(text: string, start: number, end: number, limits: ResolvedLimits): Ast {
  try {
    return parseRange(text, start, end, limits.maxDepth);
  } catch (e) {
    throw toExprError(e, text);
  }
}

export function newState(limits: ResolvedLimits, base: number): State {
  return { ctx: {}, slots: [], steps: base, base, built: 0, limits };
}

/** Runs compiled roots against a context; failures become ExprErrors with positions in `text`. */
export function run(fn: Fn, state: State, context: object, text: string): unknown {
  if (typeof context !== "object" || context === null) {
    throw new ExprError("eval", "invalid_context", "the context must be an object");
  }
  state.ctx = context;
  state.steps = state.base;
  state.built = 0;
  try {
    return fn(state);
  } catch (e) {
    throw toExprError(e, text);
  } finally {
    state.ctx = {};
    if (state.slots.length > 0) state.slots.length = 0;
  }
}

/** Compiled roots and the steps their evaluation starts with (see State.base). */
export interface Compiled {
  fns: Fn[];
  base: number;
}

/** Compiles ASTs that share one text and one budget (an expression or a template's placeholders). */
export function compileAsts(
  asts: readonly Ast[],
  text: string,
  limits: ResolvedLimits,
  explain: boolean,
): Compiled {
  let nodes = 0;
  let macros = false;
  for (const ast of asts) {
    const m = measure(ast);
    nodes += m.nodes;
    macros ||= m.macros;
  }
  // Without macros an expression evaluates each node at most once, so when
  // it has fewer nodes than the budget, counting steps could never fail.
  // Uncounted, the nodes are charged up front: the operations that charge
  // by their work (long text, large lists, regexes) add to them.
  const counted = macros || nodes > limits.maxSteps;
  try {
    const fns = asts.map((ast) => compileRoot(ast, { limits, counted, explain }));
    return { fns, base: counted ? 0 : nodes };
  } catch (e) {
    throw toExprError(e, text);
  }
}

class CompiledProgram implements Program {
  readonly source: string;
  readonly ast: Ast;
  readonly #fn: Fn;
  readonly #limits: ResolvedLimits;
  readonly #state: State;
  #explain: Compiled | undefined;

  constructor(source: string, ast: Ast, compiled: Compiled, limits: ResolvedLimits) {
    this.source = source;
    this.ast = ast;
    this.#fn = compiled.fns[0]!;
    this.#limits = limits;
    this.#state = newState(limits, compiled.base);
  }

  evaluate(context: object): unknown {
    return run(this.#fn, this.#state, context, this.source);
  }

  references(): string[] {
    return collectReferences([this.ast]);
  }

  explain(context: object): Explanation {
    this.#explain ??= compileAsts([this.ast], this.source, this.#limits, true);
    const state = newState(this.#limits, this.#explain.base);
    const trace: NonNullable<State["trace"]> = [];
    state.trace = trace;
    const result: Explanation = { parts: [] };
    try {
      result.value = run(this.#explain.fns[0]!, state, context, this.source);
    } catch (e) {
      result.error = toExprError(e, this.source);
    }
    for (const t of trace) {
      const { span } = t.node;
      const part: ExplanationPart = {
        span: { ...span },
        source: this.source.slice(span.start, span.end),
      };
      if (t.error !== undefined) part.error = toExprError(t.error, this.source);
      else part.value = t.value;
      result.parts.push(part);
    }
    return result;
  }
}

/**
 * Compiles an expression once for many evaluations.
 *
 * @example
 * const p = compile('order.amount > 10000 && order.status == "paid"');
 * p.evaluate({ order: { amount: 12000, status: "paid" } }); // true
 * @throws ExprError of kind `syntax`, `type` or `limit`
 */
export function compile(source: string, options?: Limits): Program {
  const limits = resolveLimits(options);
  checkSourceLength(source, limits);
  const ast = parseIn(source, 0, source.length, limits);
  return new CompiledProgram(source, ast, compileAsts([ast], source, limits, false), limits);
}

/**
 * Compiles and evaluates in one go.
 *
 * @example
 * evaluate("size(items) > 2", { items: [1, 2, 3] }); // true
 * @throws ExprError of any kind
 */
export function evaluate(source: string, context: object, options?: Limits): unknown {
  return compile(source, options).evaluate(context);
}

/**
 * Parses an expression into its syntax tree; every node has a `span`.
 *
 * @example
 * parse("a + 1"); // { type: "binary", op: "+", left: { type: "ident", … }, … }
 * @throws ExprError of kind `syntax` or `limit`
 */
export function parse(source: string, options?: Limits): Ast {
  const limits = resolveLimits(options);
  checkSourceLength(source, limits);
  return parseIn(source, 0, source.length, limits);
}
