// What the closure compiler carries while it walks the tree; shared by
// compile.ts and calls.ts without either importing the other.
import type { Node } from "./ast.ts";
import { Fault, type Span } from "./errors.ts";
import type { ResolvedLimits } from "./limits.ts";
import type { State } from "./ops.ts";

/** A compiled node: a closure over its children. */
export type Fn = (s: State) => unknown;

export interface CompileEnv {
  readonly limits: ResolvedLimits;
  /** Charge one step per node evaluation (needed when the budget could be reached). */
  readonly counted: boolean;
  /** Record every node's outcome for explain(). */
  readonly explain: boolean;
  /** Inside a constant subtree being folded: compile plainly, fold nothing. */
  readonly folding: boolean;
  /** Macro variables in scope, name → slot. */
  readonly scope: ReadonlyMap<string, number>;
  /** Next free slot; shared by all scopes of one program. */
  slots: { next: number };
  /** Compiles a child node in the given scope. */
  compile(node: Node, env: CompileEnv): Fn;
}

export function typeFault(code: string, message: string, span: Span): Fault {
  return new Fault("type", code, message, span);
}

/** Rethrows what must not be absorbed (limits, stack overflow, bugs). */
export function absorbable(e: unknown): Fault {
  if (e instanceof Fault && e.kind !== "limit") return e;
  throw e;
}

/** Nodes a fused closure stands for, so that a counted run charges them all. */
export const nodeCost = new WeakMap<Fn, number>();

export function withCost(fn: Fn, cost: number): Fn {
  nodeCost.set(fn, cost);
  return fn;
}
