// The call_webhook body editor's two ways of writing a body, and the moves
// between them. "Fields": rows of a name and a value (a template), saved as
// a JSON object. "JSON": text, saved as the data it stands for whenever it
// reads as JSON (a bare `{{ … }}` standing for a value), so the data filled
// in is always encoded properly: a quote or a line break in a customer's
// note cannot break the body. Text that does not read as JSON is saved as it
// is, so the definition's own check shows the problem where it is.
import { parseJsonTemplate } from "@switchyard/engine";

export type BodyMode = "fields" | "json";
export interface BodyRow {
  key: string;
  value: string;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * A body as rows, or why it cannot be: rows hold text (templates); a number,
 * true, false or null is kept as a lone placeholder (`{{ 12000 }}`), which
 * renders to the same value.
 */
export function rowsOf(body: unknown): { rows: BodyRow[] } | { why: string } {
  if (body === undefined || body === "") return { rows: [] };
  if (!isObject(body)) return { why: "it is not a set of names and values" };
  const rows: BodyRow[] = [];
  for (const [key, value] of Object.entries(body)) {
    if (typeof value === "string") rows.push({ key, value });
    else if (value === null || typeof value === "number" || typeof value === "boolean")
      rows.push({ key, value: `{{ ${JSON.stringify(value)} }}` });
    else return { why: `“${key}” holds a list or more fields, which only JSON can show` };
  }
  return { rows };
}

/** The mode a saved body opens in: fields when it can be shown as rows. */
export function modeOf(body: unknown): BodyMode {
  return "rows" in rowsOf(body) ? "fields" : "json";
}

/** The body rows stand for; rows without a name are left out, no rows is no body. */
export function bodyOfRows(rows: BodyRow[]): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const row of rows) if (row.key.trim()) out[row.key.trim()] = row.value;
  return Object.keys(out).length ? out : undefined;
}

/** Names given to more than one row (only the last would be sent). */
export function repeatedNames(rows: BodyRow[]): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const row of rows) {
    const key = row.key.trim();
    if (!key) continue;
    if (seen.has(key)) twice.add(key);
    seen.add(key);
  }
  return [...twice];
}

/** A saved body as JSON text: text as it is, data pretty-printed. */
export function textOf(body: unknown): string {
  if (body === undefined) return "";
  return typeof body === "string" ? body : JSON.stringify(body, null, 2);
}

/**
 * What to save for JSON text: nothing when empty; the data when it reads as
 * JSON (text in quotes at the top stays text: that is its JSON); else the
 * text itself.
 */
export function bodyOfText(text: string): unknown {
  if (text.trim() === "") return undefined;
  const parsed = parseJsonTemplate(text);
  if (parsed.ok && typeof parsed.value !== "string") return parsed.value;
  return text;
}

/** JSON text as rows, or why not (so the switch can say so). */
export function rowsOfText(text: string): { rows: BodyRow[] } | { why: string } {
  if (text.trim() === "") return { rows: [] };
  const parsed = parseJsonTemplate(text);
  if (!parsed.ok) return { why: "the JSON has a problem to fix first" };
  return rowsOf(parsed.value);
}
