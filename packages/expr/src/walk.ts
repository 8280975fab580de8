// Small structural helpers over the AST.
import type { Node } from "./ast.ts";
import { MACROS } from "./ast.ts";

/** The direct children of a node, in source order. */
export function children(n: Node): Node[] {
  switch (n.type) {
    case "literal":
    case "ident":
      return [];
    case "select":
      return [n.object];
    case "index":
      return [n.object, n.index];
    case "call":
      return n.target === null ? n.args : [n.target, ...n.args];
    case "unary":
      return [n.operand];
    case "binary":
      return [n.left, n.right];
    case "conditional":
      return [n.test, n.then, n.else];
    case "list":
      return n.elements;
    case "map":
      return n.entries.flatMap((e) => [e.key, e.value]);
  }
}

/** Node count and whether any macro is called; iterative, so any depth is safe. */
export function measure(root: Node): { nodes: number; macros: boolean } {
  let nodes = 0;
  let macros = false;
  const stack: Node[] = [root];
  while (stack.length > 0) {
    const n = stack.pop()!;
    nodes++;
    if (n.type === "call" && n.target !== null && MACROS.has(n.name)) macros = true;
    stack.push(...children(n));
  }
  return { nodes, macros };
}
