// A template's inserted data as named chips ("pills"): `Order {{ order.id }}
// for {{ order.customer.name }}` shows as "Order [order › id] for [order ›
// customer › name]". Steps' outputs are named by the step's own name; a
// secret (`{{ secrets.erp_token }}`) is "secret erp_token", shown with a lock.
import { lockWords, secretRef } from "./secret-words";

export type Segment =
  | { kind: "text"; text: string }
  | { kind: "pill"; name: string; source: string };

const TEMPLATE = /\{\{\s*([\s\S]*?)\s*\}\}/g;
const PATH = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*|\[\d+\])*$/;

/** Whether the text inserts any data at all. */
export const hasPills = (text: string): boolean => /\{\{[\s\S]*?\}\}/.test(text);

/**
 * The chip's words for one inserted expression: a path in "›" steps (a
 * step's output under the step's name), anything else as written.
 * @example pillName("steps.check.output.status", () => "Check the stock") // "Check the stock › status"
 * @example pillName("secrets.erp_token", () => undefined) // "secret erp_token"
 */
export function pillName(source: string, stepName: (id: string) => string | undefined): string {
  const secret = secretRef(source);
  if (secret !== null) return lockWords(secret);
  if (!PATH.test(source)) return source;
  const parts = source.replace(/\[(\d+)\]/g, ".$1").split(".");
  if (parts[0] === "steps" && parts.length >= 2) {
    const rest = parts[2] === "output" ? parts.slice(3) : parts.slice(2);
    return [stepName(parts[1]!) ?? parts[1]!, ...rest].join(" › ");
  }
  if (parts[0] === "event" && parts.length > 1) return parts.slice(1).join(" › ");
  return parts.join(" › ");
}

/**
 * The text as plain runs and chips.
 * @example segments("Hi {{ order.customer.name }}", () => undefined)
 */
export function segments(text: string, stepName: (id: string) => string | undefined): Segment[] {
  const out: Segment[] = [];
  let last = 0;
  for (const m of text.matchAll(TEMPLATE)) {
    if (m.index > last) out.push({ kind: "text", text: text.slice(last, m.index) });
    const source = m[1]!.trim();
    out.push({ kind: "pill", name: pillName(source, stepName), source });
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push({ kind: "text", text: text.slice(last) });
  return out;
}
