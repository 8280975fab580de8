// references(): the dotted context paths an expression reads.
import type { Node } from "./ast.ts";
import { MACROS } from "./ast.ts";
import { children } from "./walk.ts";

function pathOf(n: Node, bound: ReadonlySet<string>): string | null {
  if (n.type === "ident") return bound.has(n.name) ? null : n.name;
  if (n.type === "select") {
    const p = pathOf(n.object, bound);
    return p === null ? null : `${p}.${n.field}`;
  }
  if (n.type === "index" && n.index.type === "literal" && typeof n.index.value === "string") {
    const p = pathOf(n.object, bound);
    return p === null ? null : `${p}.${n.index.value}`;
  }
  return null;
}

/**
 * Paths in order of first use, `a["b"]` written `a.b`, cut at the first list
 * index or computed key; macro variables are not references.
 */
export function collectReferences(roots: readonly Node[]): string[] {
  const out = new Set<string>();
  const visit = (n: Node, bound: ReadonlySet<string>): void => {
    const p = pathOf(n, bound);
    if (p !== null) {
      out.add(p);
      return;
    }
    if (
      n.type === "call" &&
      n.target !== null &&
      MACROS.has(n.name) &&
      n.args[0]?.type === "ident"
    ) {
      visit(n.target, bound);
      const inner = new Set(bound);
      inner.add(n.args[0].name);
      if (n.args[1] !== undefined) visit(n.args[1], inner);
      return;
    }
    for (const c of children(n)) visit(c, bound);
  };
  for (const r of roots) visit(r, new Set());
  return [...out];
}
