// check(): static validation of an expression against the context's JSON
// Schema. It infers, for every node, the set of kinds of value it can have,
// and reports operations that fail for every combination (never for "maybe").
import type { Node } from "./ast.ts";
import { type ErrorKind, ExprError, type ExprPosition, positionAt } from "./errors.ts";
import type { Limits } from "./limits.ts";
import { compile } from "./program.ts";
import { ANY, bareMask, describeMask, type JsonSchema, K, SchemaReader } from "./schema.ts";

/** One problem found by check(). */
export interface Diagnostic {
  kind: ErrorKind;
  code: string;
  message: string;
  position: ExprPosition;
}

interface Shape {
  mask: number;
  /** Schemas the value conforms to (empty: nothing known beyond `mask`). */
  schemas: JsonSchema[];
  /** Exact fields of a map literal. */
  fields?: Map<string, Shape>;
  /** Element shape of a list literal or computed list. */
  elem?: Shape;
}

const DYN: Shape = { mask: ANY, schemas: [] };
const of = (mask: number): Shape => ({ mask, schemas: [] });
const ORDERED = K.number | K.string | K.bool | K.timestamp | K.duration;

function union(a: Shape, b: Shape): Shape {
  if (a.mask === ANY || b.mask === ANY) return DYN;
  return {
    mask: a.mask | b.mask,
    schemas: a.schemas.length && b.schemas.length ? [...a.schemas, ...b.schemas] : [],
  };
}

function closest(name: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestCost = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const c of candidates) {
    const d = distance(name.toLowerCase(), c.toLowerCase());
    if (d < bestCost) {
      bestCost = d;
      best = c;
    }
  }
  return best;
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(
        prev[j]! + 1,
        cur[j - 1]! + 1,
        prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    prev = cur;
  }
  return prev[b.length]!;
}

class Checker {
  readonly diagnostics: Diagnostic[] = [];
  private readonly reader: SchemaReader;

  constructor(
    private readonly source: string,
    private readonly root: JsonSchema,
  ) {
    this.reader = new SchemaReader(root);
  }

  private report(
    node: { span: { start: number; end: number } },
    code: string,
    message: string,
  ): Shape {
    const { start, end } = node.span;
    this.diagnostics.push({
      kind: "type",
      code,
      message,
      position: positionAt(this.source, start, end - start),
    });
    return DYN;
  }

  private text(n: Node): string {
    return this.source.slice(n.span.start, n.span.end);
  }

  private fromSchemas(schemas: JsonSchema[]): Shape {
    const mask = schemas.reduce((m, s) => m | this.reader.mask(s), 0);
    return { mask: schemas.length === 0 ? ANY : mask, schemas };
  }

  /** The shape of field `name` of `shape`, or null when it cannot exist. */
  private field(shape: Shape, name: string): Shape | null {
    if (shape.fields !== undefined) return shape.fields.get(name) ?? null;
    if (shape.schemas.length === 0) return DYN;
    const found = shape.schemas
      .filter((s) => this.reader.mask(s) & K.map)
      .map((s) => this.reader.field(s, name));
    if (found.length > 0 && found.every((f) => f === null)) return null;
    return this.fromSchemas(found.flatMap((f) => f ?? []));
  }

  private elem(shape: Shape): Shape {
    if (shape.elem !== undefined) return shape.elem;
    if (shape.schemas.length === 0) return DYN;
    return this.fromSchemas(shape.schemas.flatMap((s) => this.reader.items(s)));
  }

  private unknownField(node: Node, owner: Shape, name: string, what: string): Shape {
    const names = owner.fields
      ? [...owner.fields.keys()]
      : owner.schemas.flatMap((s) => this.reader.fieldNames(s));
    const hint = closest(name, names);
    return this.report(
      node,
      "unknown_field",
      `${what} has no field '${name}'${hint ? `; did you mean '${hint}'?` : ""}`,
    );
  }

  private need(n: Node, shape: Shape, mask: number, what: string): boolean {
    if (shape.mask === ANY || shape.mask === 0 || shape.mask & mask) return true;
    this.report(
      n,
      "invalid_operand",
      `${what} needs ${describeMask(mask)}, but '${this.text(n)}' is ${describeMask(shape.mask)}`,
    );
    return false;
  }

  infer(n: Node, scope: ReadonlyMap<string, Shape>): Shape {
    switch (n.type) {
      case "literal":
        return of(
          n.value === null
            ? K.null
            : typeof n.value === "boolean"
              ? K.bool
              : typeof n.value === "number"
                ? K.number
                : K.string,
        );
      case "ident": {
        const bound = scope.get(n.name);
        if (bound !== undefined) return bound;
        const f = this.field(this.fromSchemas([this.root]), n.name);
        if (f === null) {
          const hint = closest(n.name, [...this.reader.fieldNames(this.root), ...scope.keys()]);
          return this.report(
            n,
            "unknown_variable",
            `unknown variable '${n.name}'${hint ? `; did you mean '${hint}'?` : ""}`,
          );
        }
        return f;
      }
      case "select": {
        const obj = this.infer(n.object, scope);
        if (!this.need(n.object, obj, K.map, `reading '.${n.field}'`)) return DYN;
        const f = this.field(obj, n.field);
        if (f === null)
          return this.unknownField(
            { type: "ident", name: n.field, span: n.fieldSpan },
            obj,
            n.field,
            `'${this.text(n.object)}'`,
          );
        return f;
      }
      case "index": {
        const obj = this.infer(n.object, scope);
        const idx = this.infer(n.index, scope);
        if (!this.need(n.object, obj, K.map | K.list, "indexing")) return DYN;
        if (!(obj.mask & K.map)) {
          this.need(n.index, idx, K.number, "a list index");
          return this.elem(obj);
        }
        if (
          !(obj.mask & K.list) &&
          n.index.type === "literal" &&
          typeof n.index.value === "string"
        ) {
          const f = this.field(obj, n.index.value);
          return f ?? this.unknownField(n.index, obj, n.index.value, `'${this.text(n.object)}'`);
        }
        return DYN;
      }
      case "unary": {
        const v = this.infer(n.operand, scope);
        if (n.op === "!") {
          this.need(n.operand, v, K.bool, "'!'");
          return of(K.bool);
        }
        if (!this.need(n.operand, v, K.number | K.duration, "'-'")) return DYN;
        return of(v.mask & (K.number | K.duration) || ANY);
      }
      case "conditional": {
        this.need(n.test, this.infer(n.test, scope), K.bool, "a condition");
        return union(this.infer(n.then, scope), this.infer(n.else, scope));
      }
      case "list": {
        const elems = n.elements.map((e) => this.infer(e, scope));
        return { mask: K.list, schemas: [], elem: elems.length ? elems.reduce(union) : DYN };
      }
      case "map": {
        const fields = new Map<string, Shape>();
        let exact = true;
        for (const e of n.entries) {
          this.infer(e.key, scope);
          const v = this.infer(e.value, scope);
          if (e.key.type === "literal" && typeof e.key.value === "string")
            fields.set(e.key.value, v);
          else exact = false;
        }
        return exact ? { mask: K.map, schemas: [], fields } : of(K.map);
      }
      case "binary":
        return this.binary(n, scope);
      case "call":
        return this.call(n, scope);
    }
  }

  private binary(n: Extract<Node, { type: "binary" }>, scope: ReadonlyMap<string, Shape>): Shape {
    const a = this.infer(n.left, scope);
    const b = this.infer(n.right, scope);
    const known = a.mask !== ANY && b.mask !== ANY && a.mask !== 0 && b.mask !== 0;
    const pair = `'${this.text(n.left)}' is ${describeMask(a.mask)} and '${this.text(n.right)}' is ${describeMask(b.mask)}`;
    switch (n.op) {
      case "&&":
      case "||":
        this.need(n.left, a, K.bool, `'${n.op}'`);
        this.need(n.right, b, K.bool, `'${n.op}'`);
        return of(K.bool);
      case "==":
      case "!=":
        if (known && !(a.mask & b.mask)) {
          this.report(n, "impossible_comparison", `these can never be equal: ${pair}`);
        }
        return of(K.bool);
      case "<":
      case "<=":
      case ">":
      case ">=":
        if (known && !(a.mask & b.mask & ORDERED)) {
          this.report(
            n,
            "cannot_compare",
            `cannot compare ${bareMask(a.mask)} with ${bareMask(b.mask)}: ${pair}`,
          );
        }
        return of(K.bool);
      case "in":
        if (this.need(n.right, b, K.list | K.map, "'in'") && !(b.mask & K.list))
          this.need(n.left, a, K.string, "'in' on a map");
        return of(K.bool);
      default:
        return this.arithmetic(n, a, b, known, pair);
    }
  }

  private arithmetic(
    n: Extract<Node, { type: "binary" }>,
    a: Shape,
    b: Shape,
    known: boolean,
    pair: string,
  ): Shape {
    const combos: [number, number, number][] =
      n.op === "+"
        ? [
            [K.number, K.number, K.number],
            [K.string, K.string, K.string],
            [K.list, K.list, K.list],
            [K.timestamp, K.duration, K.timestamp],
            [K.duration, K.timestamp, K.timestamp],
            [K.duration, K.duration, K.duration],
          ]
        : n.op === "-"
          ? [
              [K.number, K.number, K.number],
              [K.timestamp, K.timestamp, K.duration],
              [K.timestamp, K.duration, K.timestamp],
              [K.duration, K.duration, K.duration],
            ]
          : [[K.number, K.number, K.number]];
    if (!known) return n.op === "+" || n.op === "-" ? DYN : of(K.number);
    let result = 0;
    for (const [x, y, r] of combos) if (a.mask & x && b.mask & y) result |= r;
    if (result === 0)
      return this.report(n, "invalid_operand", `'${n.op}' cannot combine these: ${pair}`);
    return of(result);
  }

  private call(n: Extract<Node, { type: "call" }>, scope: ReadonlyMap<string, Shape>): Shape {
    const { name } = n;
    if (n.target === null) {
      const arg = n.args[0]!;
      if (name === "has") {
        const obj = arg.type === "select" || arg.type === "index" ? arg.object : arg;
        this.need(obj, this.infer(obj, scope), K.map, "has()");
        if (arg.type === "index") this.infer(arg.index, scope);
        return of(K.bool);
      }
      const v = this.infer(arg, scope);
      const accepts: Record<string, [number, number]> = {
        size: [K.string | K.list | K.map, K.number],
        int: [K.number | K.string | K.timestamp, K.number],
        double: [K.number | K.string, K.number],
        string: [K.number | K.bool | K.string | K.timestamp | K.duration, K.string],
        timestamp: [K.string | K.number | K.timestamp, K.timestamp],
        duration: [K.string | K.duration, K.duration],
      };
      const [input, output] = accepts[name] ?? [ANY, ANY];
      this.need(arg, v, input, `${name}()`);
      return of(output);
    }
    const target = this.infer(n.target, scope);
    if (
      name === "exists" ||
      name === "all" ||
      name === "exists_one" ||
      name === "filter" ||
      name === "map"
    ) {
      if (!this.need(n.target, target, K.list | K.map, `${name}()`)) return DYN;
      const variable = n.args[0]!;
      const elem =
        target.mask & K.list ? (target.mask & K.map ? DYN : this.elem(target)) : of(K.string);
      const inner = new Map(scope);
      if (variable.type === "ident") inner.set(variable.name, elem);
      const body = this.infer(n.args[1]!, inner);
      if (name === "map") return { mask: K.list, schemas: [], elem: body };
      this.need(n.args[1]!, body, K.bool, `${name}()`);
      if (name === "filter") return { mask: K.list, schemas: [], elem };
      return of(K.bool);
    }
    const args = n.args.map((a) => this.infer(a, scope));
    if (name === "size") {
      this.need(n.target, target, K.string | K.list | K.map, "size()");
      return of(K.number);
    }
    this.need(n.target, target, K.string, `${name}()`);
    args.forEach((a, i) => {
      this.need(n.args[i]!, a, K.string, `${name}()`);
    });
    return of(
      name === "lowerAscii" || name === "upperAscii" || name === "trim" ? K.string : K.bool,
    );
  }
}

/**
 * Checks an expression against the JSON Schema of its context without running
 * it: syntax errors, unknown functions, unknown fields and impossible
 * operations, each with a position. Never throws for a bad expression.
 *
 * @example
 * check('order.amount > "100"', { type: "object", properties: {
 *   order: { type: "object", properties: { amount: { type: "number" } } } } });
 * // [{ kind: "type", code: "cannot_compare", message: "cannot compare number with string: …", position: {…} }]
 */
export function check(source: string, schema: JsonSchema, options?: Limits): Diagnostic[] {
  let ast: Node;
  try {
    ast = compile(source, options).ast;
  } catch (e) {
    if (!(e instanceof ExprError)) throw e;
    const position = e.position ?? positionAt(source, 0, source.length);
    return [{ kind: e.kind, code: e.code, message: e.message, position }];
  }
  const checker = new Checker(source, schema);
  try {
    checker.infer(ast, new Map());
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
  }
  return checker.diagnostics;
}
