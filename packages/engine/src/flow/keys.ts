// Flow-control keys: each control's key template rendered over the trigger
// event (the scope a filter sees: the payload name and `event`). A key that
// renders empty, null or fails (a missing field) is the key "" — those
// events share one key. A key longer than FLOW_LIMITS.maxKeyLength is
// replaced by a hash prefix, so a stored key stays small.
import { type EventEnvelope, payloadNameOf } from "../context/context.ts";
import { cachedTemplate } from "../run/render.ts";
import { FLOW_LIMITS, type FlowControl } from "./spec.ts";

/** Each control's key for one event; null where the control is absent. */
export interface FlowKeys {
  concurrency: string | null;
  throttle: string | null;
  debounce: string | null;
}

/**
 * Renders a definition's flow-control keys for an event.
 * @example flowKeys({ concurrency: { key: "{{ order.customer_id }}", limit: 1 } }, event)
 * // { concurrency: "c-17", throttle: null, debounce: null }
 */
export function flowKeys(definition: FlowControl, event: EventEnvelope): FlowKeys {
  let scope: Record<string, unknown> | undefined;
  const render = (template: string | undefined): string => {
    if (template === undefined) return "";
    scope ??= keyScope(event);
    let value: unknown;
    try {
      value = cachedTemplate(template).render(scope);
    } catch {
      return "";
    }
    const text =
      value === null || value === undefined
        ? ""
        : typeof value === "string"
          ? value
          : JSON.stringify(value);
    return text.length > FLOW_LIMITS.maxKeyLength ? `#${hashHex(text)}` : text;
  };
  return {
    concurrency: definition.concurrency ? render(definition.concurrency.key) : null,
    throttle: definition.throttle ? render(definition.throttle.key) : null,
    debounce: definition.debounce ? render(definition.debounce.key) : null,
  };
}

function keyScope(event: EventEnvelope): Record<string, unknown> {
  const scope: Record<string, unknown> = {
    event: {
      id: event.id,
      type: event.type,
      data: event.data,
      occurredAt: event.occurredAt,
      source: event.source ?? null,
      ...(event.changes !== undefined ? { changes: event.changes } : {}),
    },
  };
  const name = payloadNameOf(event.type);
  if (name !== null && !(name in scope)) scope[name] = event.data;
  return scope;
}

/** Two FNV-1a 32-bit hashes (different seeds) as 16 hex digits: pure and synchronous. */
export function hashHex(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000197);
  }
  return (a >>> 0).toString(16).padStart(8, "0") + (b >>> 0).toString(16).padStart(8, "0");
}

/**
 * The words for a key template's values: its last path segment without
 * `_id`/`Id` (a bare `id`: the segment before it), underscores as spaces; null for no template (one key).
 * @example keyLabel("{{ order.customer_id }}") // "customer"
 */
export function keyLabel(template: string | undefined): string | null {
  if (template === undefined) return null;
  const inner = /\{\{\s*([^}]*?)\s*\}\}/.exec(template)?.[1] ?? "";
  const parts = inner.split(".").map((p) => p.trim());
  // `record.id` names a record: the segment before a bare `id`.
  const last = (parts.at(-1) === "id" && parts.length > 1 ? parts.at(-2) : parts.at(-1)) ?? "";
  const word = last
    .replace(/(?:_id|Id)$/, "")
    .replace(/_/g, " ")
    .trim();
  return /^[A-Za-z][A-Za-z0-9 ]*$/.test(word) ? word : "key";
}

/**
 * A key in words: "customer c-17"; "this workflow" with no key template.
 * @example keyWords("{{ order.customer_id }}", "c-17") // "customer c-17"
 */
export function keyWords(template: string | undefined, key: string): string {
  const label = keyLabel(template);
  if (label === null) return "this workflow";
  return key === "" ? `${label} (empty)` : `${label} ${key}`;
}
