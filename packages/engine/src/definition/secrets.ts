// Secret references (issue 17): `{{ secrets.<name> }}` in an action's config
// fields, and nowhere else. The engine never sees a secret's value: a field
// that references one is kept as a template over `secrets` for the action
// consumer to fill in at send time (run/secret-fields.ts).
import { type Ast, compile, compileTemplate, type Template } from "@switchyard/expr";
import { joinPath, type Problem, positionAt } from "./problem.ts";

/** The context name secrets are read under (reserved: no payload may take it). */
export const SECRETS_ROOT = "secrets";

/** A secret's name: a letter or `_`, then letters, digits or `_`; 64 at most. */
export const SECRET_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** The one message for a secret read anywhere but as a whole placeholder in an action's field. */
export const SECRETS_ONLY_IN_ACTIONS =
  "secrets can only be used in an action's fields, as {{ secrets.name }}";

/**
 * The secret a placeholder reads, when it is exactly `secrets.<name>` or
 * `secrets["name"]` with a valid name; null for anything else.
 * @example secretNameOf(parse("secrets.erp_token")) // "erp_token"
 * @example secretNameOf(parse('secrets.erp_token + "x"')) // null
 */
export function secretNameOf(ast: Ast): string | null {
  let name: string | null = null;
  if (ast.type === "select") name = ast.field;
  else if (ast.type === "index" && ast.index.type === "literal") {
    name = typeof ast.index.value === "string" ? ast.index.value : null;
  }
  if (name === null || !("object" in ast)) return null;
  const root = ast.object;
  if (root.type !== "ident" || root.name !== SECRETS_ROOT) return null;
  return SECRET_NAME_PATTERN.test(name) ? name : null;
}

/**
 * True when the expression reads `secrets` anywhere (a macro variable of
 * that name is no read of it: the caller's references() already knows).
 * @example readsSecrets(["secrets.a", "order.id"]) // true
 */
export function readsSecrets(references: readonly string[]): boolean {
  return references.some((r) => r === SECRETS_ROOT || r.startsWith(`${SECRETS_ROOT}.`));
}

/** The step keys that hold lists of steps. */
const STEP_LISTS = ["then", "else", "steps", "onTimeout"] as const;
/** Definition keys whose `key` is a template the flow checks itself (flow/spec.ts). */
const FLOW_KEYS = ["concurrency", "throttle", "debounce"] as const;

/**
 * Secrets read anywhere but an action's config: in a schedule, a delay, a
 * wait's event, a name… — every string of the definition outside action
 * configs and outside the places checked as expressions or flow keys
 * (those say the same themselves). One problem per string, at the first
 * placeholder that reads `secrets`.
 * @example misplacedSecrets({ trigger: { schedule: { cron: "{{ secrets.c }}" } } })
 * // [{ path: "trigger.schedule.cron", message: SECRETS_ONLY_IN_ACTIONS, position: … }]
 */
export function misplacedSecrets(input: Record<string, unknown>): Problem[] {
  const problems: Problem[] = [];
  for (const [key, value] of Object.entries(input)) {
    if (key === "filter") continue;
    if (key === "steps") stepList(value, "steps", problems);
    else if ((FLOW_KEYS as readonly string[]).includes(key) && isObject(value)) {
      for (const [k, v] of Object.entries(value)) {
        if (k !== "key") anywhere(v, joinPath(key, [k]), problems);
      }
    } else anywhere(value, joinPath("", [key]), problems);
  }
  return problems;
}

function stepList(steps: unknown, path: string, problems: Problem[]): void {
  if (!Array.isArray(steps)) {
    anywhere(steps, path, problems);
    return;
  }
  steps.forEach((step, i) => {
    const at = `${path}[${i}]`;
    if (!isObject(step)) {
      anywhere(step, at, problems);
      return;
    }
    for (const [key, value] of Object.entries(step)) {
      const here = joinPath(at, [key]);
      if (key === "if" || key === "forEach") continue;
      if (key === "config" && "action" in step) continue;
      if ((STEP_LISTS as readonly string[]).includes(key)) stepList(value, here, problems);
      else if (key === "parallel" && Array.isArray(value)) {
        value.forEach((lane, l) => {
          stepList(lane, `${here}[${l}]`, problems);
        });
      } else if (key === "waitFor" && isObject(value)) {
        for (const [k, v] of Object.entries(value)) {
          if (k !== "match") anywhere(v, joinPath(here, [k]), problems);
        }
      } else anywhere(value, here, problems);
    }
  });
}

function anywhere(value: unknown, path: string, problems: Problem[]): void {
  if (typeof value === "string") {
    const problem = secretInText(value, path);
    if (problem !== null) problems.push(problem);
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => {
      anywhere(item, `${path}[${i}]`, problems);
    });
  } else if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) anywhere(v, joinPath(path, [k]), problems);
  }
}

/**
 * The first placeholder of `text` that reads `secrets`, as a problem at its
 * position; null when none does (or `text` is no template).
 * @example secretInText("k-{{ secrets.a }}", "concurrency.key")?.position?.offset // 5
 */
export function secretInText(text: string, path: string): Problem | null {
  if (!text.includes("{{") || !text.includes(SECRETS_ROOT)) return null;
  let template: Template;
  try {
    template = compileTemplate(text);
  } catch {
    return null; // Not a template: nothing here is ever rendered as one.
  }
  for (const { span, ast } of template.placeholders) {
    let reads: string[];
    try {
      reads = compile(text.slice(span.start, span.end)).references();
    } catch {
      continue;
    }
    if (readsSecrets(reads)) {
      const { start, end } = ast.span;
      return {
        path,
        message: SECRETS_ONLY_IN_ACTIONS,
        position: positionAt(text, start, end - start),
      };
    }
  }
  return null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
