// What an evaluation is charged (issue 13). Each node evaluation and each
// macro iteration costs one step, as EXPR.md says; an operation whose work
// grows with its input also pays for that input, so that the budget bounds
// CPU time and not just the number of nodes. A step is about the time one
// node takes (tens of nanoseconds), and the rates below were measured to
// match: a scan over text runs several characters per step, a comparison of
// two elements or a map key costs about one, and re2js costs about one step
// per character per instruction in its worst case. Over the budget is
// `too_complex` at the operation that went over.
import { Fault, type Span } from "./errors.ts";
import type { ResolvedLimits } from "./limits.ts";

/** The part of an evaluation's state the budget needs. */
export interface Budget {
  steps: number;
  limits: ResolvedLimits;
}

/** Characters of text scanned, copied or compared per step. */
export const CHARS_PER_STEP = 8;
/** Elements copied per step by list concatenation. */
export const ELEMENTS_PER_STEP = 8;
/** Instruction-characters of a regex run on re2js per step (its worst case, lazy DFA thrashing). */
export const REGEX_WORK_PER_STEP = 1;
/** Steps to compile a pattern computed at run time, per instruction of its program. */
export const REGEX_COMPILE_STEPS_PER_INSTRUCTION = 50;

/** The largest regex program `matches` accepts, in RE2 instructions. */
export const MAX_REGEX_PROGRAM = 1000;
/** The longest text `matches` reads, in UTF-16 code units. */
export const MAX_MATCH_INPUT = 100_000;

export function budgetFault(limits: ResolvedLimits, span: Span | undefined): Fault {
  return new Fault(
    "limit",
    "too_complex",
    `the expression does too much work: it ran past its budget of ${limits.maxSteps} steps`,
    span,
  );
}

/** Charges `n` steps; over the budget is too_complex at `span`. */
export function charge(b: Budget, n: number, span: Span): void {
  b.steps += n;
  if (b.steps > b.limits.maxSteps) throw budgetFault(b.limits, span);
}

/** Charges for scanning or copying `length` characters (free below CHARS_PER_STEP). */
export function chargeText(b: Budget, length: number, span: Span): void {
  if (length >= CHARS_PER_STEP) charge(b, Math.floor(length / CHARS_PER_STEP), span);
}

/** Charges one step for one more element compared; the loops of `==` and `in` call it. */
export function chargeOne(b: Budget, span: Span): void {
  if (++b.steps > b.limits.maxSteps) throw budgetFault(b.limits, span);
}
