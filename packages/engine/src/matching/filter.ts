// Evaluates a filter or condition program to a boolean outcome; anything
// else (an error, a non-boolean) is an error with its position.
import type { Program } from "@switchyard/expr";
import { compile } from "@switchyard/expr";
import { exprStepError } from "../run/render.ts";
import type { StepError } from "../run/state.ts";

export type BooleanOutcome = { ok: true; value: boolean } | { ok: false; error: StepError };

const MAX_CACHED = 10_000;
const programs = new Map<string, Program>();

/** Compiles an expression once per source text. */
export function cachedProgram(source: string): Program {
  let program = programs.get(source);
  if (program === undefined) {
    if (programs.size >= MAX_CACHED) programs.clear();
    program = compile(source);
    programs.set(source, program);
  }
  return program;
}

/**
 * Evaluates `source` (compiled once and cached) and insists on a boolean.
 * @example evaluateCondition("order.amount > 10", ctx, "filter_error", "filter")
 */
export function evaluateCondition(
  source: string,
  context: object,
  code: string,
  path: string,
  program?: Program,
): BooleanOutcome {
  try {
    const value = (program ?? cachedProgram(source)).evaluate(context);
    if (typeof value === "boolean") return { ok: true, value };
    return {
      ok: false,
      error: {
        code,
        path,
        message: `expected true or false, got ${value === null ? "null" : Array.isArray(value) ? "a list" : typeof value}`,
      },
    };
  } catch (error) {
    return { ok: false, error: exprStepError(error, code, path) };
  }
}
