// Where a template's parameters sit in its workflow, and what kind of text
// each place holds (templates/fill.ts substitutes by it): an expression
// (a filter, an if condition, a forEach list, waitFor.match), a template
// (action config fields and flow keys: `{{ … }}` placeholders render there),
// or plain text (names, event types, durations, schedules, numbers).
import { isPlainObject } from "../util/json.ts";

/** The kind of text a place in a definition holds. */
export const Place = { expression: "expression", template: "template", plain: "plain" } as const;
export type Place = (typeof Place)[keyof typeof Place];

/** A parameter written as a whole JSON value: `{ "$param": "threshold" }`. */
export interface ParamRef {
  $param: string;
}

/** `[[name]]` inside a string. */
export const INLINE_PARAM = /\[\[([A-Za-z_][A-Za-z0-9_]*)\]\]/g;

/** A parameter's name, as `[[name]]` and `{ "$param": name }` write it. */
export const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * True for `{ "$param": … }`: an object whose only key is `$param` (its
 * value is checked by the manifest's reader).
 * @example isParamRef({ $param: "threshold" }) // true
 */
export function isParamRef(value: unknown): value is ParamRef {
  return isPlainObject(value) && Object.keys(value).length === 1 && "$param" in value;
}

/** Visits one string or `{ "$param" }` and answers what replaces it. */
export type Visit = (value: string | ParamRef, path: string, place: Place) => unknown;

/** Keys of a step holding lists of steps. */
const STEP_LISTS = new Set(["then", "else", "steps", "onTimeout"]);
/** Flow-control keys beside the trigger; their `key` is a template. */
const FLOW = new Set(["concurrency", "throttle", "debounce"]);

const at = (path: string, key: string | number): string =>
  typeof key === "number"
    ? `${path}[${key}]`
    : /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key)
      ? path === ""
        ? key
        : `${path}.${key}`
      : `${path}[${JSON.stringify(key)}]`;

/**
 * A copy of `definition` (the workflow without its name) with every string
 * and every `{ "$param" }` replaced by what `visit` answers, told the place
 * it is in and its path (`steps[1].config.text`). Object keys are kept as
 * they are.
 * @example mapPlaces({ filter: "x > [[n]]", steps: [] }, (v, path, place) => v) // a copy
 */
export function mapPlaces(
  definition: Record<string, unknown>,
  visit: Visit,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(definition)) {
    const path = at("", key);
    if (key === "filter") out[key] = same(value, path, Place.expression, visit);
    else if (key === "steps") out[key] = stepList(value, path, visit);
    else if (FLOW.has(key) && isPlainObject(value)) {
      out[key] = Object.fromEntries(
        Object.entries(value).map(([k, v]) => [
          k,
          same(v, at(path, k), k === "key" ? Place.template : Place.plain, visit),
        ]),
      );
    } else out[key] = same(value, path, Place.plain, visit);
  }
  return out;
}

function stepList(value: unknown, path: string, visit: Visit): unknown {
  if (!Array.isArray(value)) return same(value, path, Place.plain, visit);
  return value.map((step, i) => stepOf(step, at(path, i), visit));
}

function stepOf(step: unknown, path: string, visit: Visit): unknown {
  if (!isPlainObject(step) || isParamRef(step)) return same(step, path, Place.plain, visit);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(step)) {
    const p = at(path, key);
    if (key === "if" || key === "forEach") out[key] = same(value, p, Place.expression, visit);
    else if (key === "config") out[key] = same(value, p, Place.template, visit);
    else if (STEP_LISTS.has(key)) out[key] = stepList(value, p, visit);
    else if (key === "parallel" && Array.isArray(value)) {
      out[key] = value.map((lane, i) => stepList(lane, at(p, i), visit));
    } else if (key === "waitFor" && isPlainObject(value) && !isParamRef(value)) {
      out[key] = Object.fromEntries(
        Object.entries(value).map(([k, v]) => [
          k,
          same(v, at(p, k), k === "match" ? Place.expression : Place.plain, visit),
        ]),
      );
    } else out[key] = same(value, p, Place.plain, visit);
  }
  return out;
}

/** Everything under one place: strings and `{ "$param" }` visited, the rest copied. */
function same(value: unknown, path: string, place: Place, visit: Visit): unknown {
  if (typeof value === "string" || isParamRef(value)) return visit(value, path, place);
  if (Array.isArray(value)) return value.map((v, i) => same(v, at(path, i), place, visit));
  if (isPlainObject(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, same(v, at(path, k), place, visit)]),
    );
  }
  return value;
}
