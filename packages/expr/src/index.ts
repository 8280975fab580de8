// @switchyard/expr — the expression language of shared/EXPR.md.
// Pipeline: lexer → parser (AST with spans) → closure compiler → Program.

export type {
  Ast,
  BinaryNode,
  BinaryOp,
  CallNode,
  ConditionalNode,
  IdentNode,
  IndexNode,
  ListNode,
  LiteralNode,
  MapEntry,
  MapNode,
  Node,
  SelectNode,
  UnaryNode,
  UnaryOp,
} from "./ast.ts";
export { check, type Diagnostic } from "./check.ts";
export { type ErrorKind, ExprError, type ExprPosition, type Span } from "./errors.ts";
export { DEFAULT_LIMITS, type Limits } from "./limits.ts";
export { print } from "./print.ts";
export {
  compile,
  type Explanation,
  type ExplanationPart,
  evaluate,
  type Program,
  parse,
} from "./program.ts";
export type { JsonSchema } from "./schema.ts";
export { compileTemplate, type Template } from "./template.ts";
export { Duration, Timestamp } from "./values.ts";
