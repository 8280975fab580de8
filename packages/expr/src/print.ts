// print(): the canonical source of an AST, with only the parentheses the
// grammar needs, so that parse(print(a)) gives back `a` (up to spans).
import { type Ast, type Node, PRECEDENCE } from "./ast.ts";

const UNARY = 6;
const MEMBER = 7;

function precedence(n: Node): number {
  switch (n.type) {
    case "conditional":
      return 0;
    case "binary":
      return PRECEDENCE[n.op];
    case "unary":
      return UNARY;
    default:
      return MEMBER;
  }
}

/** Quotes a string with double quotes and the escapes of EXPR.md. */
export function quote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 34) out += '\\"';
    else if (c === 92) out += "\\\\";
    else if (c === 10) out += "\\n";
    else if (c === 13) out += "\\r";
    else if (c === 9) out += "\\t";
    else if (c < 32 || c === 127) out += `\\u${c.toString(16).padStart(4, "0")}`;
    else out += s[i];
  }
  return `${out}"`;
}

function wrap(n: Node, min: number): string {
  const text = show(n);
  return precedence(n) < min ? `(${text})` : text;
}

/** A receiver of `.field`, `[i]` or `.method()`: a number literal needs parentheses (`(1).x`). */
function receiver(n: Node): string {
  if (n.type === "literal" && typeof n.value === "number") return `(${show(n)})`;
  return wrap(n, MEMBER);
}

function show(n: Node): string {
  switch (n.type) {
    case "literal":
      return typeof n.value === "string" ? quote(n.value) : String(n.value);
    case "ident":
      return n.name;
    case "select":
      return `${receiver(n.object)}.${n.field}`;
    case "index":
      return `${receiver(n.object)}[${show(n.index)}]`;
    case "call": {
      const args = n.args.map(show).join(", ");
      return n.target === null ? `${n.name}(${args})` : `${receiver(n.target)}.${n.name}(${args})`;
    }
    case "unary":
      return `${n.op}${wrap(n.operand, UNARY)}`;
    case "binary": {
      const p = PRECEDENCE[n.op];
      return `${wrap(n.left, p)} ${n.op} ${wrap(n.right, p + 1)}`;
    }
    case "conditional":
      return `${wrap(n.test, 1)} ? ${wrap(n.then, 1)} : ${show(n.else)}`;
    case "list":
      return `[${n.elements.map(show).join(", ")}]`;
    case "map":
      return `{${n.entries.map((e) => `${show(e.key)}: ${show(e.value)}`).join(", ")}}`;
  }
}

/**
 * Prints an AST as canonical source.
 *
 * @example
 * print(parse("(a+b)*  c")); // "(a + b) * c"
 */
export function print(ast: Ast): string {
  return show(ast);
}
