// The syntax tree. Every node carries the span of source it was parsed from;
// parentheses leave no node behind (print() puts back the ones it needs).
import type { Span } from "./errors.ts";

export type BinaryOp =
  | "||"
  | "&&"
  | "=="
  | "!="
  | "<"
  | "<="
  | ">"
  | ">="
  | "in"
  | "+"
  | "-"
  | "*"
  | "/"
  | "%";
export type UnaryOp = "!" | "-";

export interface LiteralNode {
  type: "literal";
  value: null | boolean | number | string;
  span: Span;
}
export interface IdentNode {
  type: "ident";
  name: string;
  span: Span;
}
/** `object.field`; `fieldSpan` is where the field name is written. */
export interface SelectNode {
  type: "select";
  object: Node;
  field: string;
  fieldSpan: Span;
  span: Span;
}
/** `object[index]` */
export interface IndexNode {
  type: "index";
  object: Node;
  index: Node;
  span: Span;
}
/** `name(args)` or, with a target, `target.name(args)` (methods and macros). */
export interface CallNode {
  type: "call";
  target: Node | null;
  name: string;
  args: Node[];
  span: Span;
}
export interface UnaryNode {
  type: "unary";
  op: UnaryOp;
  operand: Node;
  span: Span;
}
export interface BinaryNode {
  type: "binary";
  op: BinaryOp;
  left: Node;
  right: Node;
  /** Where the operator is written. */
  opSpan: Span;
  span: Span;
}
export interface ConditionalNode {
  type: "conditional";
  test: Node;
  then: Node;
  else: Node;
  span: Span;
}
export interface ListNode {
  type: "list";
  elements: Node[];
  span: Span;
}
export interface MapEntry {
  key: Node;
  value: Node;
}
export interface MapNode {
  type: "map";
  entries: MapEntry[];
  span: Span;
}

export type Node =
  | LiteralNode
  | IdentNode
  | SelectNode
  | IndexNode
  | CallNode
  | UnaryNode
  | BinaryNode
  | ConditionalNode
  | ListNode
  | MapNode;

/** The parsed form of one expression. */
export type Ast = Node;

/** Binding power of each binary operator, loosest first (EXPR.md grammar). */
export const PRECEDENCE: Readonly<Record<BinaryOp, number>> = {
  "||": 1,
  "&&": 2,
  "==": 3,
  "!=": 3,
  "<": 3,
  "<=": 3,
  ">": 3,
  ">=": 3,
  in: 3,
  "+": 4,
  "-": 4,
  "*": 5,
  "/": 5,
  "%": 5,
};

export const MACROS: ReadonlySet<string> = new Set([
  "exists",
  "all",
  "exists_one",
  "filter",
  "map",
]);

/** CEL's reserved words: never names, not even after a dot. */
export const RESERVED: ReadonlySet<string> = new Set([
  "as",
  "break",
  "const",
  "continue",
  "else",
  "for",
  "function",
  "if",
  "import",
  "let",
  "loop",
  "namespace",
  "package",
  "return",
  "var",
  "void",
  "while",
]);
