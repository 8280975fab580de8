// A template (issue 17, item 5): a workflow written for this catalogue with
// blanks for what differs between workspaces — a threshold, a person, an
// event type, a connection, a secret — described for ops people. Templates
// are data (templates/<id>.json at the repo root); this module reads and
// checks one, with no file access (the API bundles the files).
import { z } from "zod";
import { joinPath, type Problem } from "../definition/problem.ts";
import { definitionRequires } from "../definition/requires.ts";
import { isPlainObject } from "../util/json.ts";
import { fillTemplate, type TemplateWorkflow } from "./fill.ts";
import { paramValueProblem, type TemplateParam, TemplateParamType } from "./params.ts";
import { INLINE_PARAM, isParamRef, mapPlaces, PARAM_NAME, Place } from "./places.ts";

/** What a template's workflow needs from a workspace, by name. */
export interface TemplateRequires {
  connections: string[];
  secrets: string[];
}

export interface Template {
  /** kebab-case, the file's name: `big-order-approval`. */
  id: string;
  title: string;
  /** In the words of the people who run the process. */
  description: string;
  category: string;
  params: TemplateParam[];
  /** The connections and secrets it needs, with its parameters at their defaults (or examples). */
  requires: TemplateRequires;
  workflow: TemplateWorkflow;
}

export const TEMPLATE_ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

const nonEmpty = (max: number) =>
  z.string().trim().min(1, { message: "must not be empty" }).max(max);

const paramShape = z.strictObject({
  name: z.string().regex(PARAM_NAME, { message: "expected a name such as threshold" }).max(64),
  label: nonEmpty(80),
  help: nonEmpty(400).optional(),
  type: z.enum(Object.values(TemplateParamType) as [TemplateParamType, ...TemplateParamType[]]),
  default: z.union([z.string(), z.number()]).optional(),
  required: z.boolean().optional(),
  example: z.union([z.string(), z.number()]).optional(),
});

const names = z.array(z.string().min(1));

const templateShape = z.strictObject({
  id: z.string().regex(TEMPLATE_ID, { message: "expected kebab-case, such as big-order-approval" }),
  title: nonEmpty(80),
  description: nonEmpty(600),
  category: nonEmpty(40),
  params: z.array(paramShape).max(20),
  requires: z.strictObject({ connections: names, secrets: names }),
  workflow: z.strictObject({
    name: nonEmpty(200),
    description: nonEmpty(1000).optional(),
    definition: z.record(z.string(), z.unknown()),
  }),
});

export type TemplateResult = { ok: true; template: Template } | { ok: false; problems: Problem[] };

/**
 * Reads a template manifest and checks it: its shape; each parameter (a
 * unique name; a default or, when required, an example that fits its
 * type; not required ⇒ a default); every blank names a parameter and every
 * parameter is used; secrets only in action fields; and `requires` equal
 * to what the workflow needs when filled with defaults and examples.
 * @example readTemplate(JSON.parse(text)) // { ok: true, template }
 */
export function readTemplate(input: unknown): TemplateResult {
  const shape = templateShape.safeParse(input);
  if (!shape.success) {
    return {
      ok: false,
      problems: shape.error.issues.map((i) => ({
        path: joinPath("", i.path),
        message: i.message,
      })),
    };
  }
  const template = shape.data as Template;
  const problems = [...paramProblems(template.params), ...blankProblems(template)];
  if (problems.length > 0) return { ok: false, problems };
  const filled = fillTemplate(template, sampleValues(template.params));
  if (!filled.ok) return { ok: false, problems: filled.problems };
  const needs = definitionRequires(filled.definition as Parameters<typeof definitionRequires>[0]);
  for (const kind of ["connections", "secrets"] as const) {
    const listed = [...template.requires[kind]].sort();
    if (JSON.stringify(listed) !== JSON.stringify(needs[kind])) {
      problems.push({
        path: `requires.${kind}`,
        message: `the workflow needs ${needs[kind].length === 0 ? "none" : needs[kind].join(", ")} (with its defaults and examples)`,
      });
    }
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, template };
}

/**
 * Each parameter at its default, or its example when it has none: values
 * that make the workflow complete, for checks and previews.
 * @example sampleValues([{ name: "n", label: "N", type: "number", default: 5 }]) // { n: 5 }
 */
export function sampleValues(params: readonly TemplateParam[]): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const p of params) {
    const v = p.default ?? p.example;
    if (v !== undefined) out[p.name] = v;
  }
  return out;
}

function paramProblems(params: readonly TemplateParam[]): Problem[] {
  const problems: Problem[] = [];
  const seen = new Set<string>();
  params.forEach((p, i) => {
    const at = `params[${i}]`;
    if (seen.has(p.name))
      problems.push({ path: `${at}.name`, message: `'${p.name}' is used twice` });
    seen.add(p.name);
    for (const key of ["default", "example"] as const) {
      const v = p[key];
      const problem = v === undefined ? null : paramValueProblem(p.type, v);
      if (problem !== null) problems.push({ path: `${at}.${key}`, message: problem });
    }
    if (!p.required && p.default === undefined) {
      problems.push({ path: at, message: "a parameter that is not required needs a default" });
    }
    if (p.required && p.default === undefined && p.example === undefined) {
      problems.push({
        path: at,
        message: "a required parameter without a default needs an example",
      });
    }
  });
  return problems;
}

/** Placeholder spans `{{ … }}` of a template string (not the escaped `\{{`). */
function placeholderSpans(text: string): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  for (const m of text.matchAll(/\{\{[\s\S]*?\}\}/g)) {
    if (m.index > 0 && text[m.index - 1] === "\\") continue;
    spans.push([m.index, m.index + m[0].length]);
  }
  return spans;
}

function blankProblems(t: Template): Problem[] {
  const problems: Problem[] = [];
  const types = new Map(t.params.map((p) => [p.name, p.type]));
  const used = new Set<string>();
  const use = (name: unknown, path: string, place: Place, whole: boolean) => {
    if (typeof name !== "string" || !types.has(name)) {
      problems.push({ path, message: `no parameter is named ${JSON.stringify(name)}` });
      return;
    }
    used.add(name);
    if (types.get(name) === TemplateParamType.secret && place !== Place.template) {
      problems.push({ path, message: `secret '${name}' can only be used in an action's fields` });
    }
    if (whole && place === Place.expression) {
      problems.push({
        path,
        message: `write [[${name}]] inside the expression, not a whole value`,
      });
    }
  };
  const check = (value: unknown, path: string, place: Place) => {
    if (typeof value !== "string") {
      use((value as { $param: unknown }).$param, path, place, true);
      return value;
    }
    const spans = place === Place.template ? placeholderSpans(value) : [];
    for (const m of value.matchAll(INLINE_PARAM)) {
      const start = m.index;
      const end = start + m[0].length;
      use(m[1], path, place, false);
      if (spans.some(([a, b]) => start > a && start < b)) {
        problems.push({
          path,
          message: `[[${m[1]}]] is inside a {{ placeholder }}: put it outside`,
        });
      }
      if (place === Place.template && (value[start - 1] === "{" || value[end] === "{")) {
        problems.push({ path, message: `[[${m[1]}]] touches a brace: put a space between` });
      }
    }
    return value;
  };
  const { definition } = t.workflow;
  if ("name" in definition || "description" in definition) {
    problems.push({
      path: "workflow.definition",
      message: "the name and description are workflow.name and workflow.description",
    });
  }
  mapPlaces(definition, (v, path, place) => check(v, `workflow.definition.${path}`, place));
  check(t.workflow.name, "workflow.name", Place.plain);
  if (t.workflow.description !== undefined) {
    check(t.workflow.description, "workflow.description", Place.plain);
  }
  keyProblems(definition, "workflow.definition", problems);
  for (const p of t.params) {
    if (!used.has(p.name)) {
      problems.push({
        path: "params",
        message: `parameter '${p.name}' is not used in the workflow`,
      });
    }
  }
  return problems;
}

/** Blanks are values: a key with `[[…]]`, or a `$param` object with more keys, is a mistake. */
function keyProblems(value: unknown, path: string, problems: Problem[]): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      keyProblems(v, `${path}[${i}]`, problems);
    });
  } else if (isPlainObject(value) && !isParamRef(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (k.includes("[[")) problems.push({ path, message: `a key cannot hold a parameter: ${k}` });
      if (k === "$param") {
        problems.push({ path, message: '{ "$param": name } stands alone in its object' });
      }
      keyProblems(v, `${path}.${k}`, problems);
    }
  }
}
