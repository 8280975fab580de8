// Compiles a definition's filter, conditions and templates with
// @switchyard/expr, turning each error into a Problem with its position, and
// checks that every name they read exists in the run's context.
import { compile, compileTemplate, ExprError } from "@switchyard/expr";
import { RESERVED_CONTEXT_NAMES } from "./limits.ts";
import type { Problem } from "./problem.ts";
import { positionAt } from "./problem.ts";
import { readsSecrets, SECRETS_ONLY_IN_ACTIONS, SECRETS_ROOT, secretNameOf } from "./secrets.ts";

/** What a definition's expressions may read. */
export interface ExpressionScope {
  /** The trigger event type's first segment (`order` for `order.created`), if known. */
  payloadName: string | null;
  /** Every step id in the workflow. */
  stepIds: ReadonlySet<string>;
  /** The filter runs before any step: `steps` holds nothing yet. */
  isFilter: boolean;
  /** Names bound inside loops around the expression: their items' names and `index`. */
  locals?: readonly string[];
  /** Each step inside a loop: the innermost loop's id (its body steps are read inside it only). */
  loopOf?: ReadonlyMap<string, string>;
  /** The loops around the expression, outermost first. */
  loops?: readonly string[];
}

/** Compiles one filter or `if` expression; problems are appended. */
export function checkExpression(
  source: string,
  path: string,
  scope: ExpressionScope,
  problems: Problem[],
): void {
  try {
    const program = compile(source);
    checkReferences(source, program.references(), path, scope, problems);
  } catch (error) {
    problems.push(exprProblem(error, path));
  }
}

/**
 * Compiles one template (an action config string); problems are appended.
 * A placeholder that is exactly `secrets.<name>` is a secret reference, kept
 * for the executor; any other read of `secrets` is a problem at its placeholder.
 */
export function checkTemplate(
  text: string,
  path: string,
  scope: ExpressionScope,
  problems: Problem[],
): void {
  try {
    const template = compileTemplate(text);
    if (template.isStatic) return;
    const references = template.references();
    if (readsSecrets(references)) {
      for (const { span, ast } of template.placeholders) {
        if (secretNameOf(ast) !== null) continue;
        const own = compile(text.slice(span.start, span.end)).references();
        if (!readsSecrets(own)) continue;
        problems.push({
          path,
          message: SECRETS_ONLY_IN_ACTIONS,
          position: positionAt(text, ast.span.start, ast.span.end - ast.span.start),
        });
      }
    }
    const others = references.filter((r) => !readsSecrets([r]));
    checkReferences(text, others, path, scope, problems);
  } catch (error) {
    problems.push(exprProblem(error, path));
  }
}

function exprProblem(error: unknown, path: string): Problem {
  if (error instanceof ExprError) {
    const problem: Problem = { path, message: error.message };
    if (error.position) problem.position = { ...error.position };
    return problem;
  }
  return { path, message: error instanceof Error ? error.message : String(error) };
}

function checkReferences(
  text: string,
  references: readonly string[],
  path: string,
  scope: ExpressionScope,
  problems: Problem[],
): void {
  const reported = new Set<string>();
  for (const reference of references) {
    const [root = "", second] = reference.split(".");
    let message: string | null = null;
    let needle = root;
    if (root === SECRETS_ROOT) {
      message = SECRETS_ONLY_IN_ACTIONS;
    } else if (root === "steps") {
      if (scope.isFilter) {
        message = "the filter runs before any step, so it cannot read steps";
      } else if (second !== undefined && !scope.stepIds.has(second)) {
        message = `unknown step '${second}'`;
        needle = `steps.${second}`;
      } else if (second !== undefined) {
        const loop = scope.loopOf?.get(second);
        if (loop !== undefined && !(scope.loops ?? []).includes(loop)) {
          message = `step '${second}' runs once per item of '${loop}': read what it gave from steps.${loop}.output.results`;
          needle = `steps.${second}`;
        }
      }
    } else if (
      !(RESERVED_CONTEXT_NAMES as readonly string[]).includes(root) &&
      root !== scope.payloadName &&
      !(scope.locals ?? []).includes(root)
    ) {
      message =
        scope.payloadName === null
          ? `unknown variable '${root}'`
          : `unknown variable '${root}' (the event's data is under '${scope.payloadName}' and 'event.data')`;
    }
    if (message === null || reported.has(message)) continue;
    reported.add(message);
    const problem: Problem = { path, message };
    const offset = findName(text, needle);
    if (offset >= 0) problem.position = positionAt(text, offset, needle.length);
    problems.push(problem);
  }
}

/** Best effort: the first place `name` appears as a whole name. */
function findName(text: string, name: string): number {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/\\\./g, "\\s*\\.\\s*");
  const match = new RegExp(`(?<![A-Za-z0-9_.$])${escaped}(?![A-Za-z0-9_])`).exec(text);
  return match ? match.index : -1;
}
