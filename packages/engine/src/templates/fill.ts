// Filling in a template: the values a person gave, checked against the
// parameters (problems at `params.<name>`), written into the workflow by
// the place each blank is in (params.ts, places.ts).
import { joinPath, type Problem } from "../definition/problem.ts";
import {
  inlineValue,
  type ParamValue,
  paramValueProblem,
  type TemplateParam,
  TemplateParamType,
  wholeValue,
} from "./params.ts";
import { INLINE_PARAM, mapPlaces, type Place } from "./places.ts";

/** A template's workflow with its blanks (manifest.ts's Template is one). */
export interface TemplateWorkflow {
  name: string;
  description?: string;
  /** The definition without its name and description, with `[[name]]` and `{ "$param" }` blanks. */
  definition: Record<string, unknown>;
}

export type FillResult =
  | {
      ok: true;
      /** A workflow definition (name and description included), to validate and save. */
      definition: Record<string, unknown>;
      /** Every parameter's value as used: given, or its default. */
      values: Record<string, ParamValue>;
    }
  | { ok: false; problems: Problem[] };

/**
 * The values to use: each given value checked against its parameter's
 * type, each missing one taken from its default; a required parameter
 * without a value, a value of the wrong type and a name the template does
 * not have are problems at `params.<name>`. Empty text counts as not given.
 * @example checkValues(params, { threshold: "many" }) // { ok: false, problems: [{ path: "params.threshold", message: "expected a number" }] }
 */
export function checkValues(
  params: readonly TemplateParam[],
  given: Record<string, unknown>,
): { ok: true; values: Record<string, ParamValue> } | { ok: false; problems: Problem[] } {
  const problems: Problem[] = [];
  const values: Record<string, ParamValue> = {};
  const known = new Set(params.map((p) => p.name));
  for (const name of Object.keys(given)) {
    if (!known.has(name)) {
      problems.push({
        path: joinPath("params", [name]),
        message: "this template has no such parameter",
      });
    }
  }
  for (const p of params) {
    const path = joinPath("params", [p.name]);
    const raw = Object.hasOwn(given, p.name) ? given[p.name] : undefined;
    const missing =
      raw === undefined || raw === null || (typeof raw === "string" && raw.trim() === "");
    if (missing) {
      if (p.default !== undefined) values[p.name] = p.default;
      else problems.push({ path, message: `${p.label} is required` });
      continue;
    }
    const value = p.type === TemplateParamType.number || typeof raw !== "string" ? raw : raw.trim();
    const problem = paramValueProblem(p.type, value);
    if (problem !== null) problems.push({ path, message: problem });
    else values[p.name] = value as ParamValue;
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, values };
}

/**
 * The template's workflow with its blanks filled in: `{ "$param": name }`
 * replaced by the value (typed), `[[name]]` in strings by the value written
 * for its place (a literal in expressions; escaped text, or a secret's
 * placeholder, in action fields). `name` replaces the workflow's name.
 * @example fillTemplate(template, { threshold: 10000 }) // { ok: true, definition: { name: "Big order approval", … } }
 */
export function fillTemplate(
  template: { params: readonly TemplateParam[]; workflow: TemplateWorkflow },
  given: Record<string, unknown>,
  name?: string,
): FillResult {
  const checked = checkValues(template.params, given);
  if (!checked.ok) return checked;
  const { values } = checked;
  const types = new Map(template.params.map((p) => [p.name, p.type]));
  const fill = (v: string | { $param: string }, place: Place): unknown => {
    if (typeof v !== "string") {
      const type = types.get(v.$param);
      const value = values[v.$param];
      return type === undefined || value === undefined ? v : wholeValue(type, value, place);
    }
    return v.replace(INLINE_PARAM, (whole, param: string) => {
      const type = types.get(param);
      const value = values[param];
      return type === undefined || value === undefined ? whole : inlineValue(type, value, place);
    });
  };
  const { workflow } = template;
  const body = mapPlaces(workflow.definition, (v, _path, place) => fill(v, place));
  const description =
    workflow.description === undefined ? undefined : fill(workflow.description, "plain");
  return {
    ok: true,
    definition: {
      name: name ?? fill(workflow.name, "plain"),
      ...(description !== undefined ? { description } : {}),
      ...body,
    },
    values,
  };
}
