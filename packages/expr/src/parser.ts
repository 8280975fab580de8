// Precedence climbing over EXPR.md's grammar. Binary chains and `.field`
// chains are loops, so only the constructs the spec counts as nesting recurse,
// and each of those checks the depth limit first: no input can overflow the
// stack.
import {
  type BinaryOp,
  type IdentNode,
  type MapEntry,
  type Node,
  PRECEDENCE,
  type UnaryOp,
} from "./ast.ts";
import { Fault, type Span } from "./errors.ts";
import { type Token, tokenize } from "./lexer.ts";

const MAX_INDEX_NESTING = 200;
const KEYWORD_VALUES: ReadonlyMap<string, null | boolean> = new Map([
  ["null", null],
  ["true", true],
  ["false", false],
]);

function describe(t: Token): string {
  if (t.type === "eof") return "the end of the expression";
  if (t.type === "str") return "a text value";
  if (t.type === "num") return `the number ${t.text}`;
  return `'${t.text}'`;
}

class Parser {
  private pos = 0;
  private depth = 0;
  private indexDepth = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly maxDepth: number,
  ) {}

  private peek(): Token {
    return this.tokens[this.pos]!;
  }

  private next(): Token {
    return this.tokens[this.pos++]!;
  }

  private isOp(text: string): boolean {
    const t = this.tokens[this.pos]!;
    return t.type === "op" && t.text === text;
  }

  private error(code: string, message: string, span: Span): Fault {
    return new Fault("syntax", code, message, { start: span.start, end: span.end });
  }

  private enter(at: Token): void {
    if (++this.depth > this.maxDepth) {
      throw this.error(
        "too_deep",
        `this expression is nested too deeply (more than ${this.maxDepth} levels)`,
        at,
      );
    }
  }

  private expectClose(close: string, open: Token): Token {
    const t = this.peek();
    if (t.type === "op" && t.text === close) return this.next();
    const where = t.type === "eof" ? "" : `, found ${describe(t)}`;
    throw this.error(
      t.type === "eof" ? "unexpected_end" : "unexpected_token",
      `expected '${close}' to close the '${open.text}' opened at offset ${open.start}${where}`,
      t,
    );
  }

  parseTop(): Node {
    const first = this.peek();
    if (first.type === "eof") throw this.error("unexpected_end", "the expression is empty", first);
    const node = this.parseExpr();
    const t = this.peek();
    if (t.type !== "eof") {
      const message =
        t.type === "op" && (t.text === ")" || t.text === "]" || t.text === "}")
          ? `unexpected '${t.text}': nothing is open here to close`
          : `unexpected ${describe(t)} after a complete expression; is an operator missing?`;
      throw this.error("unexpected_token", message, t);
    }
    return node;
  }

  private parseExpr(): Node {
    const test = this.parseBinary(1);
    if (!this.isOp("?")) return test;
    const q = this.next();
    this.enter(q);
    const then = this.parseBinary(1);
    this.depth--;
    const colon = this.peek();
    if (!this.isOp(":")) {
      throw this.error(
        colon.type === "eof" ? "unexpected_end" : "unexpected_token",
        `expected ':' for the '?' at offset ${q.start}, found ${describe(colon)}`,
        colon,
      );
    }
    this.next();
    this.enter(colon);
    const otherwise = this.parseExpr();
    this.depth--;
    return {
      type: "conditional",
      test,
      then,
      else: otherwise,
      span: { start: test.span.start, end: otherwise.span.end },
    };
  }

  private binaryOp(): BinaryOp | null {
    const t = this.peek();
    if (t.type === "op" && Object.hasOwn(PRECEDENCE, t.text)) return t.text as BinaryOp;
    if (t.type === "ident" && t.text === "in") return "in";
    return null;
  }

  private parseBinary(minPrec: number): Node {
    let left = this.parseUnary();
    for (;;) {
      const op = this.binaryOp();
      if (op === null) return left;
      const prec = PRECEDENCE[op];
      if (prec < minPrec) return left;
      const opTok = this.next();
      const right = this.parseBinary(prec + 1);
      left = {
        type: "binary",
        op,
        left,
        right,
        opSpan: { start: opTok.start, end: opTok.end },
        span: { start: left.span.start, end: right.span.end },
      };
    }
  }

  private parseUnary(): Node {
    const ops: Token[] = [];
    while (this.isOp("!") || this.isOp("-")) {
      const t = this.next();
      this.enter(t);
      ops.push(t);
    }
    let node = this.parseMember();
    for (let k = ops.length - 1; k >= 0; k--) {
      const t = ops[k]!;
      node = {
        type: "unary",
        op: t.text as UnaryOp,
        operand: node,
        span: { start: t.start, end: node.span.end },
      };
    }
    this.depth -= ops.length;
    return node;
  }

  private parseMember(): Node {
    let node = this.parsePrimary();
    for (;;) {
      if (this.isOp(".")) {
        const dot = this.next();
        const name = this.peek();
        if (name.type !== "ident" || KEYWORD_VALUES.has(name.text) || name.text === "in") {
          throw this.error(
            name.type === "eof" ? "unexpected_end" : "unexpected_token",
            `expected a field name after '.', found ${describe(name)}`,
            name.type === "eof" ? dot : name,
          );
        }
        this.next();
        if (this.isOp("(")) {
          const args = this.parseArgs();
          node = {
            type: "call",
            target: node,
            name: name.text,
            args: args.args,
            span: { start: node.span.start, end: args.end },
          };
        } else {
          node = {
            type: "select",
            object: node,
            field: name.text,
            fieldSpan: { start: name.start, end: name.end },
            span: { start: node.span.start, end: name.end },
          };
        }
      } else if (this.isOp("[")) {
        const open = this.next();
        // An index is not a nesting level of EXPR.md, but it recurses, so it
        // has its own generous guard against stack exhaustion.
        if (++this.indexDepth > MAX_INDEX_NESTING) {
          throw this.error(
            "too_deep",
            "this expression has too many brackets inside brackets",
            open,
          );
        }
        const index = this.parseExpr();
        this.indexDepth--;
        const close = this.expectClose("]", open);
        node = {
          type: "index",
          object: node,
          index,
          span: { start: node.span.start, end: close.end },
        };
      } else {
        return node;
      }
    }
  }

  private parseArgs(): { args: Node[]; end: number } {
    const open = this.next();
    this.enter(open);
    const args: Node[] = [];
    while (!this.isOp(")")) {
      args.push(this.parseExpr());
      if (!this.isOp(",")) break;
      this.next();
      if (this.isOp(")"))
        throw this.error("unexpected_token", "expected a value after ','", this.peek());
    }
    const close = this.expectClose(")", open);
    this.depth--;
    return { args, end: close.end };
  }

  private parsePrimary(): Node {
    const t = this.peek();
    switch (t.type) {
      case "num":
      case "str":
        this.next();
        return { type: "literal", value: t.value, span: { start: t.start, end: t.end } };
      case "ident": {
        if (t.text === "in") break;
        this.next();
        if (KEYWORD_VALUES.has(t.text)) {
          return {
            type: "literal",
            value: KEYWORD_VALUES.get(t.text) as null | boolean,
            span: { start: t.start, end: t.end },
          };
        }
        if (this.isOp("(")) {
          const args = this.parseArgs();
          return {
            type: "call",
            target: null,
            name: t.text,
            args: args.args,
            span: { start: t.start, end: args.end },
          };
        }
        const ident: IdentNode = {
          type: "ident",
          name: t.text,
          span: { start: t.start, end: t.end },
        };
        return ident;
      }
      case "op":
        if (t.text === "(") {
          this.next();
          this.enter(t);
          const inner = this.parseExpr();
          this.expectClose(")", t);
          this.depth--;
          return inner;
        }
        if (t.text === "[") return this.parseList(t);
        if (t.text === "{") return this.parseMap(t);
        break;
      default:
        break;
    }
    throw this.expectedValue(t);
  }

  private expectedValue(t: Token): Fault {
    const prev = this.pos > 0 ? this.tokens[this.pos - 1] : undefined;
    const after = prev ? ` after '${prev.text}'` : "";
    const found = t.type === "eof" ? "" : `, found ${describe(t)}`;
    return this.error(
      t.type === "eof" ? "unexpected_end" : "unexpected_token",
      `expected a value${after}${found}`,
      t,
    );
  }

  private parseList(open: Token): Node {
    this.next();
    this.enter(open);
    const elements: Node[] = [];
    while (!this.isOp("]")) {
      elements.push(this.parseExpr());
      if (!this.isOp(",")) break;
      this.next();
    }
    const close = this.expectClose("]", open);
    this.depth--;
    return { type: "list", elements, span: { start: open.start, end: close.end } };
  }

  private parseMap(open: Token): Node {
    this.next();
    this.enter(open);
    const entries: MapEntry[] = [];
    while (!this.isOp("}")) {
      const key = this.parseExpr();
      const colon = this.peek();
      if (!this.isOp(":")) {
        throw this.error(
          colon.type === "eof" ? "unexpected_end" : "unexpected_token",
          `expected ':' after a map key, found ${describe(colon)}`,
          colon,
        );
      }
      this.next();
      const value = this.parseExpr();
      entries.push({ key, value });
      if (!this.isOp(",")) break;
      this.next();
    }
    const close = this.expectClose("}", open);
    this.depth--;
    return { type: "map", entries, span: { start: open.start, end: close.end } };
  }
}

/** Parses `src[start, end)`; spans are offsets into the whole of `src`. */
export function parseRange(src: string, start: number, end: number, maxDepth: number): Node {
  return new Parser(tokenize(src, start, end), maxDepth).parseTop();
}
