// Live checks of expressions and templates against the data available at
// their place: syntax from compile/compileTemplate, unknown fields and
// impossible comparisons from expr's `check` (with a path check of our own
// standing in while `check` is not exported).
import * as expr from "@switchyard/expr";
import { type Ast, compile, compileTemplate, ExprError } from "@switchyard/expr";
import type { JsonSchema } from "../api";

export interface Diagnostic {
  message: string;
  /** UTF-16 offset into the field's text. */
  offset: number;
  length: number;
  severity: "error" | "warning";
}

type CheckFn = (
  source: string,
  schema: JsonSchema,
) => Array<{ message: string; position?: { offset: number; length: number }; severity?: string }>;
const exprCheck = (expr as unknown as { check?: CheckFn }).check;

const MACROS = new Set(["exists", "all", "exists_one", "filter", "map"]);

function fromError(err: unknown, shift = 0): Diagnostic {
  if (err instanceof ExprError) {
    return {
      message: err.message,
      offset: (err.position?.offset ?? 0) + shift,
      length: err.position?.length ?? 0,
      severity: "error",
    };
  }
  return { message: String(err), offset: shift, length: 0, severity: "error" };
}

/** The dotted path of `a.b.c`, or null for anything else. */
export function pathOf(node: Ast): string | null {
  if (node.type === "ident") return node.name;
  if (node.type === "select") {
    const base = pathOf(node.object);
    return base === null ? null : `${base}.${node.field}`;
  }
  return null;
}

function propsOf(schema: JsonSchema | undefined): Record<string, JsonSchema> | null {
  if (!schema) return null;
  if (schema.properties) return schema.properties;
  const obj = schema.anyOf?.find((s) => s.properties);
  return obj?.properties ?? null;
}

/** Unknown-field warnings for every field chain in the AST, at its position. */
function pathProblems(ast: Ast, schema: JsonSchema, shift: number): Diagnostic[] {
  const out: Diagnostic[] = [];
  const visit = (node: Ast, bound: Set<string>): void => {
    if (node.type === "select" || node.type === "ident") {
      const chain: Array<{ name: string; start: number; end: number }> = [];
      let n: Ast = node;
      while (n.type === "select") {
        chain.unshift({ name: n.field, start: n.fieldSpan.start, end: n.fieldSpan.end });
        n = n.object;
      }
      if (n.type !== "ident") {
        visit(n, bound);
        return;
      }
      if (bound.has(n.name)) return;
      chain.unshift({ name: n.name, start: n.span.start, end: n.span.end });
      let props = propsOf(schema);
      let where = "the data";
      for (const link of chain) {
        if (!props) break;
        const next: JsonSchema | undefined = props[link.name];
        if (!next) {
          out.push({
            message: `${where} has no field '${link.name}'`,
            offset: link.start + shift,
            length: link.end - link.start,
            severity: "error",
          });
          break;
        }
        where = where === "the data" ? link.name : `${where}.${link.name}`;
        props = propsOf(next);
      }
      return;
    }
    switch (node.type) {
      case "index":
        visit(node.object, bound);
        visit(node.index, bound);
        return;
      case "call": {
        if (node.target && MACROS.has(node.name) && node.args[0]?.type === "ident") {
          visit(node.target, bound);
          const inner = new Set(bound).add(node.args[0].name);
          node.args.slice(1).forEach((a) => {
            visit(a, inner);
          });
          return;
        }
        if (node.name === "has" && !node.target) return;
        if (node.target) visit(node.target, bound);
        node.args.forEach((a) => {
          visit(a, bound);
        });
        return;
      }
      case "unary":
        visit(node.operand, bound);
        return;
      case "binary":
        visit(node.left, bound);
        visit(node.right, bound);
        return;
      case "conditional":
        visit(node.test, bound);
        visit(node.then, bound);
        visit(node.else, bound);
        return;
      case "list":
        node.elements.forEach((e) => {
          visit(e, bound);
        });
        return;
      case "map":
        node.entries.forEach((e) => {
          visit(e.key, bound);
          visit(e.value, bound);
        });
        return;
      default:
        return;
    }
  };
  visit(ast, new Set());
  return out;
}

function checkSource(source: string, schema: JsonSchema, shift: number, ast: Ast): Diagnostic[] {
  if (exprCheck) {
    try {
      return exprCheck(source, schema).map((d) => ({
        message: d.message,
        offset: (d.position?.offset ?? 0) + shift,
        length: d.position?.length ?? 0,
        severity: d.severity === "warning" ? "warning" : "error",
      }));
    } catch {
      // fall through to the path check
    }
  }
  return pathProblems(ast, schema, 0);
}

/** Problems of one expression (a filter or a condition). */
export function diagnoseExpression(source: string, schema: JsonSchema): Diagnostic[] {
  if (source.trim() === "") return [];
  let ast: Ast;
  try {
    ast = compile(source).ast;
  } catch (err) {
    return [fromError(err)];
  }
  return checkSource(source, schema, 0, ast);
}

/** Problems of a template field (`Order {{ order.id }}`), positions in the field's text. */
export function diagnoseTemplate(text: string, schema: JsonSchema): Diagnostic[] {
  if (!text.includes("{{")) return [];
  try {
    const template = compileTemplate(text);
    const out: Diagnostic[] = [];
    for (const p of template.placeholders) {
      const source = text.slice(p.span.start, p.span.end);
      if (exprCheck) out.push(...checkSource(source, schema, p.span.start, p.ast));
      else out.push(...pathProblems(p.ast, schema, 0));
    }
    return out;
  } catch (err) {
    return [fromError(err)];
  }
}
