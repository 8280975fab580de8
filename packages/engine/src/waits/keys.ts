// Keys of an open wait (issue 15, part 3): the equality conjuncts of a
// `waitFor.match` of the form `event.<path> == <expression without event>`
// (either side). The non-event side is evaluated against the run's context
// when the wait opens; the wait is then found by (event type, key paths,
// key values), so an incoming event costs one lookup per distinct set of
// key paths among the waits of its type, never a scan of every open wait.
// A match without such a conjunct leaves the wait "unkeyed" (the slow case:
// every event of its type is a candidate).
import type { Node } from "@switchyard/expr";
import { parse, print } from "@switchyard/expr";
import type { EventEnvelope } from "../context/context.ts";
import { cachedProgram } from "../matching/filter.ts";
import { canonicalJson, isPlainObject } from "../util/json.ts";

/** One usable equality conjunct: the event's path and the other side's source. */
export interface KeyConjunct {
  /** Dotted path inside the event envelope: `data.quote_id`, `type`. */
  path: string;
  /** The side without `event`, printed. */
  source: string;
}

/** A wait's key: the event paths it reads (sorted) and their values. */
export interface WaitKey {
  /** "" when the wait is unkeyed. */
  pathSet: string;
  /** canonical JSON of the values in path order; "" when unkeyed. */
  hash: string;
}

const plans = new Map<string, KeyConjunct[]>();
const MAX_PLANS = 10_000;

/**
 * The equality conjuncts of a match usable as keys, sorted by path (the
 * first conjunct per path wins). An expression that does not parse has none.
 * @example keyConjuncts("event.data.quote_id == quote.id && event.data.ok")
 * // [{ path: "data.quote_id", source: "quote.id" }]
 */
export function keyConjuncts(match: string | null | undefined): KeyConjunct[] {
  if (match === null || match === undefined || match === "") return [];
  let plan = plans.get(match);
  if (plan !== undefined) return plan;
  plan = [];
  try {
    const seen = new Set<string>();
    for (const node of conjuncts(parse(match))) {
      if (node.type !== "binary" || node.op !== "==") continue;
      const found = eventSide(node.left, node.right) ?? eventSide(node.right, node.left);
      if (found === null || seen.has(found.path)) continue;
      seen.add(found.path);
      plan.push(found);
    }
  } catch {
    plan = [];
  }
  plan.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  if (plans.size >= MAX_PLANS) plans.clear();
  plans.set(match, plan);
  return plan;
}

function conjuncts(node: Node): Node[] {
  if (node.type === "binary" && node.op === "&&") {
    return [...conjuncts(node.left), ...conjuncts(node.right)];
  }
  return [node];
}

function eventSide(candidate: Node, other: Node): KeyConjunct | null {
  const path = eventPath(candidate);
  if (path === null || path.length === 0 || mentionsEvent(other)) return null;
  return { path: path.join("."), source: print(other) };
}

/** `event.data.x` or `event["data"]["x"]` → ["data", "x"]; null otherwise. */
function eventPath(node: Node): string[] | null {
  const out: string[] = [];
  let at = node;
  for (;;) {
    if (at.type === "select") {
      out.unshift(at.field);
      at = at.object;
    } else if (
      at.type === "index" &&
      at.index.type === "literal" &&
      typeof at.index.value === "string" &&
      !at.index.value.includes(".")
    ) {
      out.unshift(at.index.value);
      at = at.object;
    } else break;
  }
  return at.type === "ident" && at.name === "event" ? out : null;
}

function mentionsEvent(node: Node): boolean {
  try {
    return cachedProgram(print(node))
      .references()
      .some((r) => r === "event" || r.startsWith("event."));
  } catch {
    return true;
  }
}

/**
 * The key values of a wait opening now: each conjunct's other side
 * evaluated in the run's context. A side that fails, or gives something
 * that is not plain JSON, is left out (the whole match still decides when
 * an event arrives).
 * @example openKeys("event.data.quote_id == quote.id", ctx) // { "data.quote_id": "q_1" }
 */
export function openKeys(
  match: string | null | undefined,
  context: object,
): Record<string, unknown> {
  const keys: Record<string, unknown> = {};
  for (const c of keyConjuncts(match)) {
    try {
      const value = cachedProgram(c.source).evaluate(context);
      if (isJsonValue(value)) keys[c.path] = value;
    } catch {
      // Not a key: the match is evaluated in full on arrival anyway.
    }
  }
  return keys;
}

function isJsonValue(value: unknown): boolean {
  if (value === null || typeof value === "string" || typeof value === "boolean") return true;
  if (typeof value === "number") return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(isJsonValue);
  return isPlainObject(value) && Object.values(value).every(isJsonValue);
}

/**
 * A wait's index key from its key values.
 * @example waitKey({ "data.quote_id": "q_1" }) // { pathSet: "data.quote_id", hash: '["q_1"]' }
 */
export function waitKey(keys: Record<string, unknown>): WaitKey {
  const paths = Object.keys(keys).sort();
  if (paths.length === 0) return { pathSet: "", hash: "" };
  return { pathSet: paths.join("\n"), hash: canonicalJson(paths.map((p) => keys[p])) };
}

/**
 * An event's key for one path set: null when the event lacks a path (no
 * wait keyed on it can match).
 * @example eventKey(event, "data.quote_id") // '["q_1"]'
 */
export function eventKey(event: EventEnvelope, pathSet: string): string | null {
  if (pathSet === "") return "";
  const envelope: Record<string, unknown> = {
    id: event.id,
    type: event.type,
    data: event.data,
    occurredAt: event.occurredAt,
    source: event.source ?? null,
    ...(event.changes !== undefined ? { changes: event.changes } : {}),
  };
  const values: unknown[] = [];
  for (const path of pathSet.split("\n")) {
    let at: unknown = envelope;
    for (const part of path.split(".")) {
      if (!isPlainObject(at) || !Object.hasOwn(at, part)) return null;
      at = at[part];
    }
    values.push(at);
  }
  return canonicalJson(values);
}
