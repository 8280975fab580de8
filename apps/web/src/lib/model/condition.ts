// The no-code condition form: rows (field / operator / value) in AND/OR groups.
// Rows write the expression; an expression that fits the form parses back into
// rows (parse → rows → print), anything else stays in expression mode.
import { type Ast, parse, print } from "@switchyard/expr";
import { pathOf } from "./diagnostics";
import { formatNumber, parseNumber } from "./numbers";

export const OPERATORS = [
  { op: "==", label: "is", needsValue: true },
  { op: "!=", label: "is not", needsValue: true },
  { op: ">", label: "is greater than", needsValue: true },
  { op: ">=", label: "is at least", needsValue: true },
  { op: "<", label: "is less than", needsValue: true },
  { op: "<=", label: "is at most", needsValue: true },
  { op: "contains", label: "contains", needsValue: true },
  { op: "startsWith", label: "starts with", needsValue: true },
  { op: "endsWith", label: "ends with", needsValue: true },
  { op: "has", label: "is present", needsValue: false },
  { op: "!has", label: "is missing", needsValue: false },
] as const;
export type Operator = (typeof OPERATORS)[number]["op"];

/** "data": the value is another field (a waitFor match's `event.data.x == quote.id`). */
export type ValueType = "text" | "number" | "yes/no" | "empty" | "data";

export interface Row {
  kind: "row";
  field: string;
  op: Operator;
  value: string;
  valueType: ValueType;
}

export interface Group {
  kind: "group";
  join: "&&" | "||";
  items: Array<Row | Group>;
}

export const emptyRow = (field = ""): Row => ({
  kind: "row",
  field,
  op: "==",
  value: "",
  valueType: "text",
});

const METHODS = new Set(["contains", "startsWith", "endsWith"]);
const COMPARE = new Set(["==", "!=", ">", ">=", "<", "<="]);

function literalRow(node: Ast): { value: string; valueType: ValueType } | null {
  if (node.type === "unary" && node.op === "-" && node.operand.type === "literal") {
    const v = node.operand.value;
    return typeof v === "number" ? { value: String(-v), valueType: "number" } : null;
  }
  if (node.type !== "literal") return null;
  const v = node.value;
  if (v === null) return { value: "", valueType: "empty" };
  if (typeof v === "number") return { value: String(v), valueType: "number" };
  if (typeof v === "boolean") return { value: v ? "yes" : "no", valueType: "yes/no" };
  return { value: v, valueType: "text" };
}

function rowOf(node: Ast, allowData: boolean): Row | null {
  if (node.type === "binary" && COMPARE.has(node.op)) {
    const field = pathOf(node.left);
    const other = allowData ? pathOf(node.right) : null;
    const lit: { value: string; valueType: ValueType } | null = other?.includes(".")
      ? { value: other, valueType: "data" }
      : literalRow(node.right);
    if (field && lit) return { kind: "row", field, op: node.op as Operator, ...lit };
    return null;
  }
  if (node.type === "call" && node.target && METHODS.has(node.name) && node.args.length === 1) {
    const field = pathOf(node.target);
    const arg = node.args[0];
    if (field && arg.type === "literal" && typeof arg.value === "string") {
      return { kind: "row", field, op: node.name as Operator, value: arg.value, valueType: "text" };
    }
    return null;
  }
  if (node.type === "call" && !node.target && node.name === "has" && node.args.length === 1) {
    const field = pathOf(node.args[0]);
    return field?.includes(".")
      ? { kind: "row", field, op: "has", value: "", valueType: "text" }
      : null;
  }
  if (node.type === "unary" && node.op === "!") {
    const inner = rowOf(node.operand, allowData);
    return inner?.op === "has" ? { ...inner, op: "!has" } : null;
  }
  return null;
}

function groupOf(node: Ast, depth: number, allowData: boolean): Group | null {
  if (node.type === "binary" && (node.op === "&&" || node.op === "||")) {
    const join = node.op;
    const items: Array<Row | Group> = [];
    const collect = (n: Ast): boolean => {
      if (n.type === "binary" && n.op === join) return collect(n.left) && collect(n.right);
      const row = rowOf(n, allowData);
      if (row) {
        items.push(row);
        return true;
      }
      if (depth >= 2) return false;
      const sub = groupOf(n, depth + 1, allowData);
      if (!sub) return false;
      items.push(sub);
      return true;
    };
    return collect(node) ? { kind: "group", join, items } : null;
  }
  const row = rowOf(node, allowData);
  return row ? { kind: "group", join: "&&", items: [row] } : null;
}

/** Number rows written the workspace's way ("5,000" in English, "5.000" in German). */
function localize(group: Group, locale: string): Group {
  for (const item of group.items) {
    if (item.kind === "group") localize(item, locale);
    else if (item.valueType === "number") item.value = formatNumber(Number(item.value), locale);
  }
  return group;
}

/**
 * The rows for an expression, or null when it does not fit the form.
 * `allowData`: a row's value may be another field (`event.data.quote_id == quote.id`).
 */
export function toRows(source: string, locale = "en", allowData = false): Group | null {
  if (source.trim() === "") return { kind: "group", join: "&&", items: [] };
  try {
    const group = groupOf(parse(source), 0, allowData);
    return group && localize(group, locale);
  } catch {
    return null;
  }
}

function valueSource(row: Row, locale: string): string {
  switch (row.valueType) {
    case "number": {
      const n = parseNumber(row.value, locale);
      return n.ok ? String(n.value) : JSON.stringify(row.value);
    }
    case "yes/no":
      return /^(yes|true)$/i.test(row.value.trim()) ? "true" : "false";
    case "empty":
      return "null";
    case "data":
      return row.value.trim() || "null";
    default:
      return JSON.stringify(row.value);
  }
}

/**
 * Why a row's value is not what its type says, in words; null when it is.
 * @example rowProblem({ …, value: "5.000,50", valueType: "number" }, "en") // "“5.000,50” is not a number in this workspace …"
 */
export function rowProblem(row: Row, locale: string): string | null {
  if (row.valueType !== "number" || !OPERATORS.find((o) => o.op === row.op)?.needsValue)
    return null;
  if (row.value.trim() === "") return null; // not typed yet
  const n = parseNumber(row.value, locale);
  return n.ok ? null : n.message;
}

export function rowSource(row: Row, locale = "en"): string {
  const field = row.field.trim() || "field";
  switch (row.op) {
    case "has":
      return `has(${field})`;
    case "!has":
      return `!has(${field})`;
    case "contains":
    case "startsWith":
    case "endsWith":
      return `${field}.${row.op}(${JSON.stringify(row.value)})`;
    default:
      return `${field} ${row.op} ${valueSource(row, locale)}`;
  }
}

/** The expression the rows write, canonically printed when it parses. */
export function toSource(group: Group, nested = false, locale = "en"): string {
  const parts = group.items
    .filter((i) => i.kind === "group" || i.field.trim() !== "")
    .map((i) => (i.kind === "row" ? rowSource(i, locale) : toSource(i, true, locale)))
    .filter((s) => s !== "");
  if (parts.length === 0) return "";
  const text = parts.join(` ${group.join} `);
  if (nested) return parts.length > 1 ? `(${text})` : text;
  try {
    return print(parse(text));
  } catch {
    return text;
  }
}

/** The value type a field's schema type suggests. */
export function valueTypeFor(type: string | undefined): ValueType {
  if (!type) return "text";
  if (type.includes("number") || type.includes("integer")) return "number";
  if (type.includes("boolean")) return "yes/no";
  return "text";
}
