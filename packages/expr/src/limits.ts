// The budgets of EXPR.md § Limits. Callers may pass any subset.

/** Budgets for compiling and running one expression or template. */
export interface Limits {
  /** Longest accepted source, in UTF-16 code units. */
  maxSourceLength?: number;
  /** Deepest accepted nesting (parentheses, literals, argument lists, unary operators, branches). */
  maxDepth?: number;
  /** Node evaluations plus macro iterations allowed per evaluation. */
  maxSteps?: number;
  /** Longest string an evaluation may build. */
  maxStringLength?: number;
  /** Longest list an evaluation may build. */
  maxListLength?: number;
}

/** The limits with every field present. */
export type ResolvedLimits = Required<Limits>;

/**
 * The defaults of EXPR.md.
 *
 * @example
 * compile(src, { ...DEFAULT_LIMITS, maxSteps: 1000 });
 */
export const DEFAULT_LIMITS: Readonly<ResolvedLimits> = Object.freeze({
  maxSourceLength: 4096,
  maxDepth: 50,
  maxSteps: 100_000,
  maxStringLength: 1_000_000,
  maxListLength: 100_000,
});

export function resolveLimits(options: Limits | undefined): ResolvedLimits {
  if (options === undefined) return DEFAULT_LIMITS;
  const pick = (v: number | undefined, d: number): number =>
    typeof v === "number" && v >= 0 ? v : d;
  return {
    maxSourceLength: pick(options.maxSourceLength, DEFAULT_LIMITS.maxSourceLength),
    maxDepth: pick(options.maxDepth, DEFAULT_LIMITS.maxDepth),
    maxSteps: pick(options.maxSteps, DEFAULT_LIMITS.maxSteps),
    maxStringLength: pick(options.maxStringLength, DEFAULT_LIMITS.maxStringLength),
    maxListLength: pick(options.maxListLength, DEFAULT_LIMITS.maxListLength),
  };
}
