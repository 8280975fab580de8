// Event fields in people's words (issue 14, item 8): the event-type page's
// table, the runs page's field picker, and the search expression it writes.
import type { EventTypeInfo, JsonSchema } from "../api";

/** One field of an event type: its path, its type in words, whether it is always there. */
export interface FieldRow {
  /** `payment.id`, as filters write it (the data under the type's first word). */
  path: string;
  /** `customer › email`: the path under the data, for people. */
  label: string;
  kind: string;
  required: boolean;
  /** A simple value (text, number, yes/no): searchable with "is". */
  simple: boolean;
}

const WORDS: Record<string, string> = {
  string: "text",
  number: "number",
  integer: "whole number",
  boolean: "yes/no",
  array: "list",
  object: "group of fields",
  null: "empty",
};

function typesOf(s: JsonSchema): string[] {
  if (Array.isArray(s.type)) return s.type;
  if (typeof s.type === "string") return [s.type];
  if (s.anyOf) return s.anyOf.flatMap(typesOf);
  if (s.enum) return ["choice"];
  return [];
}

/** "text", "number or empty", "list of text", "date and time" … */
export function kindWords(s: JsonSchema): string {
  const types = typesOf(s).filter((t, i, all) => all.indexOf(t) === i);
  if (types.length === 0) return "anything";
  return types
    .map((t) => {
      if (t === "choice")
        return `one of ${(s.enum ?? []).map((v) => JSON.stringify(v)).join(", ")}`;
      if (t === "string" && s.format === "date-time") return "date and time";
      if (t === "string" && s.format === "email") return "email address";
      if (t === "array" && s.items) return `list of ${kindWords(s.items)}`;
      return WORDS[t] ?? t;
    })
    .join(" or ");
}

const SIMPLE = new Set(["string", "number", "integer", "boolean", "choice"]);

/** Every field of a schema, groups before their fields, down to `depth` levels. */
export function fieldRows(
  schema: JsonSchema | null | undefined,
  root: string,
  depth = 3,
): FieldRow[] {
  const out: FieldRow[] = [];
  const visit = (s: JsonSchema, path: string[], level: number) => {
    const required = new Set(s.required ?? []);
    for (const [name, child] of Object.entries(s.properties ?? {})) {
      const at = [...path, name];
      const types = typesOf(child);
      out.push({
        path: [root, ...at].join("."),
        label: at.join(" › "),
        kind: kindWords(child),
        required: required.has(name),
        simple: types.length > 0 && types.every((t) => SIMPLE.has(t) || t === "null"),
      });
      if (child.properties && level < depth) visit(child, at, level + 1);
    }
  };
  if (schema) visit(schema, [], 1);
  return out;
}

/** The searchable fields of the tenant's event types: `payment.id`, `order.customer.email` … */
export function searchableFields(types: EventTypeInfo[]): FieldRow[] {
  const seen = new Map<string, FieldRow>();
  for (const t of types) {
    const root = t.type.split(".")[0] ?? t.type;
    for (const row of fieldRows(t.schema, root)) {
      if (row.simple && !seen.has(row.path)) seen.set(row.path, row);
    }
  }
  return [...seen.values()].sort((a, b) => a.path.localeCompare(b.path));
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * "payment.id is pay_9004" as an expression: `payment.id == "pay_9004"`. A
 * value written as a number matches the number or the same text; yes/no
 * match true and false.
 * @example searchExpression("payment.id", "pay_9004") // 'payment.id == "pay_9004"'
 */
export function searchExpression(path: string, value: string): string | null {
  const parts = path.split(".");
  if (parts.length === 0 || !parts.every((p) => NAME.test(p))) return null;
  const v = value.trim();
  const text = `"${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
  // "5,000" is written the way people write numbers: 5000 (or that text).
  const digits = /^-?\d{1,3}(,\d{3})+(\.\d+)?$/.test(v) ? v.replace(/,/g, "") : v;
  if (/^-?\d+(\.\d+)?$/.test(digits)) {
    return `(${path} == ${Number(digits)} || ${path} == ${text})`;
  }
  if (/^(yes|true)$/i.test(v)) return `${path} == true`;
  if (/^(no|false)$/i.test(v)) return `${path} == false`;
  return `${path} == ${text}`;
}
