// Secret fields (issue 17): a config field whose template reads a secret is
// rendered with every other placeholder filled in and each secret kept as a
// hole, `{{ secrets.name }}`. The result is itself a template over `secrets`
// only: the action consumer renders it with the values just before the
// executor runs, so no value ever enters the run's state.
//
// What the data and the template's literal text hold must never become a
// hole there: each `{{` in the text is written `\{{` (EXPR.md's literal
// `{{`), and a run of `{` or `\` just before a hole (which would join or
// escape the hole's own `{{`) is written as a string-literal placeholder
// (`{{ "{" }}`), which renders as that text.
import { compileTemplate, print, type Template } from "@switchyard/expr";
import { secretNameOf } from "../definition/secrets.ts";

/** A placeholder's source stays well under expr's 4,096 characters. */
const LITERAL_CHUNK = 1_000;

/**
 * True when one of the template's placeholders is a secret reference.
 * @example hasSecrets(compileTemplate("Bearer {{ secrets.t }}")) // true
 */
export function hasSecrets(template: Template): boolean {
  return template.placeholders.some((p) => secretNameOf(p.ast) !== null);
}

/**
 * The secret field of a template that reads secrets: the other placeholders
 * rendered against `context`, the secrets kept as holes, the rest escaped.
 * The context is asked for only when a placeholder other than a secret is
 * there.
 * @example
 * secretField(compileTemplate("Bearer {{ secrets.t }} for {{ who }}"), () => ({ who: "a{{b" }))
 * // "Bearer {{ secrets.t }} for a\\{{b"
 * @throws ExprError (kind `eval` or `limit`) from the other placeholders
 */
export function secretField(template: Template, context: () => object): string {
  const kept = (ast: Template["placeholders"][number]["ast"]) => secretNameOf(ast) !== null;
  const needsContext = template.placeholders.some((p) => !kept(p.ast));
  const parts = template.renderParts(needsContext ? context() : {}, kept);
  let out = "";
  parts.forEach((part, i) => {
    if (typeof part === "number") {
      out += `{{ ${print(template.placeholders[part]!.ast)} }}`;
      return;
    }
    out += escapeText(part, typeof parts[i + 1] === "number");
  });
  return out;
}

/**
 * Literal text as template text that renders back to exactly it. Before a
 * hole, a trailing run of `{` and `\` goes into string-literal placeholders.
 */
export function escapeText(text: string, beforeHole: boolean): string {
  const tail = beforeHole ? (/[{\\]+$/.exec(text)?.[0] ?? "") : "";
  const head = text.slice(0, text.length - tail.length);
  let out = head.replace(/\{\{/g, "\\{{");
  for (let i = 0; i < tail.length; i += LITERAL_CHUNK) {
    const chunk = tail.slice(i, i + LITERAL_CHUNK).replace(/\\/g, "\\\\");
    out += `{{ "${chunk}" }}`;
  }
  return out;
}

/**
 * The secrets a secret field reads, sorted, without repeats; [] for a
 * string that is not a template.
 * @example secretFieldNames("{{ secrets.a }}:{{ secrets.b }}") // ["a", "b"]
 */
export function secretFieldNames(field: string): string[] {
  let template: Template;
  try {
    template = compileTemplate(field);
  } catch {
    return [];
  }
  const names = new Set<string>();
  for (const p of template.placeholders) {
    const name = secretNameOf(p.ast);
    if (name !== null) names.add(name);
  }
  return [...names].sort();
}

/**
 * A secret field filled in with the values (the action consumer, at send
 * time). A field that is one placeholder gives the value itself.
 * @example fillSecretField("Bearer {{ secrets.t }}", { t: "abc" }) // "Bearer abc"
 * @throws ExprError when a secret is missing from `values`
 */
export function fillSecretField(field: string, values: Readonly<Record<string, string>>): unknown {
  return compileTemplate(field).render({ secrets: values });
}
