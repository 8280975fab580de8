// Renders an action's config: every string is a template. A field that is a
// single placeholder keeps its value's type (the expression language's rule).
import type { Template } from "@switchyard/expr";
import { compileTemplate, ExprError } from "@switchyard/expr";
import { joinPath } from "../definition/problem.ts";
import { isPlainObject } from "../util/json.ts";
import type { StepError } from "./state.ts";
import { EngineErrorCode } from "./state.ts";

export type RenderResult = { ok: true; value: unknown } | { ok: false; error: StepError };

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
 * placeholder.
 * @example renderConfig({ to: "{{ order.email }}" }, ctx) // { ok: true, value: { to: "a@b.c" } }
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
  try {
    return { ok: true, value: renderValue(value, lazy, path) };
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

function renderValue(value: unknown, context: () => object, path: string): unknown {
  if (typeof value === "string") {
    if (!value.includes("{{")) return value;
    try {
      return toJson(cachedTemplate(value).render(context()));
    } catch (error) {
      throw new RenderError(exprStepError(error, EngineErrorCode.templateError, path));
    }
  }
  if (Array.isArray(value))
    return value.map((item, i) => renderValue(item, context, `${path}[${i}]`));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      out[key] = renderValue(item, context, joinPath(path, [key]));
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
