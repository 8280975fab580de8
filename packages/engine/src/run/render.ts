// Renders an action's config: every string is a template. A field that is a
// single placeholder keeps its value's type (the expression language's rule).
// A field that reads a secret stays a template over `secrets` (a secret
// field, run/secret-fields.ts); its path within the config is listed.
import type { Template } from "@switchyard/expr";
import { compileTemplate, ExprError } from "@switchyard/expr";
import { joinPath } from "../definition/problem.ts";
import { isPlainObject } from "../util/json.ts";
import { hasSecrets, secretField } from "./secret-fields.ts";
import type { StepError } from "./state.ts";
import { EngineErrorCode } from "./state.ts";

/** A field's path within the config: `["headers", "Authorization"]`. */
export type ConfigPath = Array<string | number>;

export type RenderResult =
  | {
      ok: true;
      value: unknown;
      /** The secret fields' paths within the config; empty when none reads a secret. */
      secretFields: ConfigPath[];
    }
  | { ok: false; error: StepError };

const MAX_CACHED = 10_000;
const templates = new Map<string, Template>();

/** Compiles a template once; definitions are immutable, so texts repeat. */
export function cachedTemplate(text: string): Template {
  let template = templates.get(text);
  if (template === undefined) {
    if (templates.size >= MAX_CACHED) templates.clear();
    template = compileTemplate(text);
    templates.set(text, template);
  }
  return template;
}

/**
 * Renders every string in `value` against `context`; the first error wins,
 * with the field's path (`config.to`) and the position in its text.
 * The context may be a function: it is then built only when a field has a
 * placeholder. A field reading a secret keeps the secret as a placeholder
 * (`"Bearer {{ secrets.erp_token }}"`) and its path is in `secretFields`.
 * @example renderConfig({ to: "{{ order.email }}" }, ctx) // { ok: true, value: { to: "a@b.c" }, secretFields: [] }
 */
export function renderConfig(
  value: unknown,
  context: object | (() => object),
  path = "config",
): RenderResult {
  let built: object | undefined = typeof context === "function" ? undefined : context;
  const lazy = (): object => {
    built ??= (context as () => object)();
    return built;
  };
  const secretFields: ConfigPath[] = [];
  try {
    const rendered = renderValue(value, lazy, path, [], secretFields);
    return { ok: true, value: rendered, secretFields };
  } catch (error) {
    if (error instanceof RenderError) return { ok: false, error: error.stepError };
    throw error;
  }
}

class RenderError extends Error {
  constructor(readonly stepError: StepError) {
    super(stepError.message);
  }
}

function renderValue(
  value: unknown,
  context: () => object,
  path: string,
  at: ConfigPath,
  secretFields: ConfigPath[],
): unknown {
  if (typeof value === "string") {
    if (!value.includes("{{")) return value;
    try {
      const template = cachedTemplate(value);
      if (hasSecrets(template)) {
        secretFields.push([...at]);
        return secretField(template, context);
      }
      return toJson(template.render(context()));
    } catch (error) {
      throw new RenderError(exprStepError(error, EngineErrorCode.templateError, path));
    }
  }
  // `at` is one stack, pushed and popped on the way: no path is built unless a secret field needs it.
  if (Array.isArray(value))
    return value.map((item, i) => {
      at.push(i);
      const out = renderValue(item, context, `${path}[${i}]`, at, secretFields);
      at.pop();
      return out;
    });
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      at.push(key);
      out[key] = renderValue(item, context, joinPath(path, [key]), at, secretFields);
      at.pop();
    }
    return out;
  }
  return value;
}

/**
 * Rendered values go into JSON state and queue messages: a lone placeholder
 * that yields a timestamp or duration becomes its string form (toJSON).
 */
function toJson(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  return JSON.parse(JSON.stringify(value)) as unknown;
}

/** An expression error as a step error, keeping its position. */
export function exprStepError(error: unknown, code: string, path: string): StepError {
  const message = error instanceof Error ? error.message : String(error);
  const out: StepError = { code, message, path };
  if (error instanceof ExprError && error.position) out.position = { ...error.position };
  return out;
}
