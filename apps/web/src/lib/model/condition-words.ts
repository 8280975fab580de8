// A filter or an `if` condition in plain English, for the canvas and the run
// page: `order.amount >= 5000 && order.status == "new"` reads "amount is at
// least 5,000 and status is new". Handles the forms the condition editor
// writes (comparisons, and/or, not, contains, starts/ends with, present,
// missing) and a few more (one of, number of, any/every item); anything else
// is shown as the expression, since a wrong paraphrase is worse than none.
// Self-contained (the AST only), so the tests' type check can follow it.
import { type Ast, parse } from "@switchyard/expr";

export interface WordsOptions {
  /** BCP 47 locale for numbers, e.g. "en" → 5,000; "de" → 5.000. */
  locale?: string;
  /** A step's name by its id, to say "decision from “Ask the manager”". */
  stepName?: (id: string) => string | undefined;
  /**
   * A waitFor step's match (issue 15, part 3): `event` is the event waited
   * for, so `event.data.quote_id` reads "quote id", and a field of the run on
   * the other side reads as whose it is ("the quote's id").
   */
  waitMatch?: boolean;
}

/** Thrown inside when a part has no plain reading: the whole falls back. */
class NoWords extends Error {}

/** The condition editor's words for its operators (OPERATORS in condition.ts). */
const OP_WORDS: Record<string, string> = {
  "==": "is",
  "!=": "is not",
  ">": "is greater than",
  ">=": "is at least",
  "<": "is less than",
  "<=": "is at most",
};

/** The dotted path of `a.b.c`, or null for anything else. */
function pathOf(node: Ast): string | null {
  if (node.type === "ident") return node.name;
  if (node.type !== "select") return null;
  const base = pathOf(node.object);
  return base === null ? null : `${base}.${node.field}`;
}
/** The comparison as seen from the other side: `5000 <= amount` is `amount >= 5000`. */
const FLIPPED: Record<string, string> = {
  "==": "==",
  "!=": "!=",
  "<": ">",
  "<=": ">=",
  ">": "<",
  ">=": "<=",
};
const METHOD_WORDS: Record<string, [string, string]> = {
  contains: ["contains", "does not contain"],
  startsWith: ["starts with", "does not start with"],
  endsWith: ["ends with", "does not end with"],
};

/** "customerName" → "customer name"; "due_at" → "due at". */
function spaced(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/_/g, " ")
    .toLowerCase();
}

interface Scope {
  opts: WordsOptions;
  /** The variable an `exists`/`all` item is bound to, read as "it"/"its". */
  bound: string | null;
}

/** A field path in words: the event's own name is dropped, step outputs are named. */
function fieldWords(path: string, scope: Scope): string {
  const parts = path.split(".");
  if (scope.bound && parts[0] === scope.bound) {
    return parts.length === 1 ? "it" : `its ${parts.slice(1).map(spaced).join(" ")}`;
  }
  if (scope.opts.waitMatch && parts[0] === "event") {
    const rest = parts[1] === "data" && parts.length > 2 ? parts.slice(2) : parts.slice(1);
    return rest.length ? rest.map(spaced).join(" ") : "the event";
  }
  if (parts[0] === "steps" && parts.length >= 3) {
    const id = parts[1] ?? "";
    const name = `“${scope.opts.stepName?.(id) ?? id}”`;
    if (parts[2] === "output" && parts.length > 3)
      return `${parts.slice(3).map(spaced).join(" ")} from ${name}`;
    return `${parts.slice(2).map(spaced).join(" ")} of ${name}`;
  }
  // `event.data.amount` is the event's own field too (templates write it so): "amount".
  const own = parts[0] === "event" && parts[1] === "data" && parts.length > 2 ? 2 : 1;
  const rest = parts.length > own ? parts.slice(own) : parts;
  return rest.map(spaced).join(" ");
}

function numberWords(n: number, scope: Scope): string {
  return new Intl.NumberFormat(scope.opts.locale ?? "en", { maximumFractionDigits: 6 }).format(n);
}

/** A value as people write it: 5,000 · new · “two words” · yes · empty. */
function valueWords(node: Ast, scope: Scope): string {
  if (node.type === "unary" && node.op === "-" && node.operand.type === "literal") {
    const v = node.operand.value;
    if (typeof v === "number") return numberWords(-v, scope);
    throw new NoWords();
  }
  if (node.type === "literal") {
    const v = node.value;
    if (v === null) return "empty";
    if (typeof v === "boolean") return v ? "yes" : "no";
    if (typeof v === "number") return numberWords(v, scope);
    if (v === "") return "empty text";
    return /^[\p{L}\p{N}_@.+-]+$/u.test(v) ? v : `“${v}”`;
  }
  if (node.type === "list") {
    if (node.elements.length === 0) throw new NoWords();
    return node.elements.map((e) => valueWords(e, scope)).join(", ");
  }
  const path = scope.opts.waitMatch ? pathOf(node) : null;
  if (path && !path.startsWith("event.") && !path.startsWith("steps.") && path.includes(".")) {
    // The run's own data beside the event waited for: "the quote's id".
    const [whose, ...rest] = path.split(".");
    return `the ${spaced(whose ?? "")}'s ${rest.map(spaced).join(" ")}`;
  }
  return subjectWords(node, scope);
}

/** What a comparison is about: a field, or the number of items in one. */
function subjectWords(node: Ast, scope: Scope): string {
  const path = pathOf(node);
  if (path) return fieldWords(path, scope);
  if (node.type === "call" && node.name === "size") {
    const of = node.target ?? (node.args.length === 1 ? node.args[0] : undefined);
    if (of && (node.target ? node.args.length === 0 : true)) {
      const p = pathOf(of);
      if (p) return `the number of ${fieldWords(p, scope)}`;
    }
  }
  throw new NoWords();
}

function comparison(node: Extract<Ast, { type: "binary" }>, scope: Scope): string {
  if (node.op === "in") {
    if (node.right.type !== "list") throw new NoWords();
    return `${subjectWords(node.left, scope)} is one of ${valueWords(node.right, scope)}`;
  }
  const eventRight =
    scope.opts.waitMatch &&
    (pathOf(node.right) ?? "").startsWith("event.") &&
    !(pathOf(node.left) ?? "").startsWith("event.");
  const leftIsField = !eventRight && (pathOf(node.left) !== null || node.left.type === "call");
  const [subject, value, op] = leftIsField
    ? [node.left, node.right, node.op]
    : [node.right, node.left, FLIPPED[node.op] ?? node.op];
  const words = OP_WORDS[op];
  if (!words) throw new NoWords();
  if (op === "==" && value.type === "literal" && value.value === null)
    return `${subjectWords(subject, scope)} is empty`;
  if (op === "!=" && value.type === "literal" && value.value === null)
    return `${subjectWords(subject, scope)} is not empty`;
  return `${subjectWords(subject, scope)} ${words} ${valueWords(value, scope)}`;
}

function callWords(node: Extract<Ast, { type: "call" }>, scope: Scope, negated: boolean): string {
  const method = METHOD_WORDS[node.name];
  if (method && node.target && node.args.length === 1) {
    const [arg] = node.args;
    if (!arg) throw new NoWords();
    return `${subjectWords(node.target, scope)} ${method[negated ? 1 : 0]} ${valueWords(arg, scope)}`;
  }
  if (node.name === "has" && !node.target && node.args.length === 1 && node.args[0]) {
    const field = subjectWords(node.args[0], scope);
    return `${field} ${negated ? "is missing" : "is present"}`;
  }
  if ((node.name === "exists" || node.name === "all") && node.target && node.args.length === 2) {
    const [v, pred] = node.args;
    if (v?.type !== "ident" || !pred || scope.bound) throw new NoWords();
    const list = subjectWords(node.target, scope);
    const inner = sentence(pred, { ...scope, bound: v.name }, false);
    const head = node.name === "exists" ? `at least one of ${list}` : `every one of ${list}`;
    const said = `${head}: ${inner}`;
    return negated ? `not (${said})` : said;
  }
  throw new NoWords();
}

/** A condition in words; `nested` puts a mixed and/or in parentheses. */
function sentence(node: Ast, scope: Scope, nested: boolean): string {
  switch (node.type) {
    case "binary": {
      if (node.op === "&&" || node.op === "||") {
        const join = node.op === "&&" ? " and " : " or ";
        const parts: string[] = [];
        const collect = (n: Ast): void => {
          if (n.type === "binary" && n.op === node.op) {
            collect(n.left);
            collect(n.right);
          } else parts.push(sentence(n, scope, true));
        };
        collect(node);
        const text = parts.join(join);
        return nested ? `(${text})` : text;
      }
      return comparison(node, scope);
    }
    case "call":
      return callWords(node, scope, false);
    case "unary": {
      if (node.op !== "!") throw new NoWords();
      const inner = node.operand;
      if (inner.type === "call") return callWords(inner, scope, true);
      const path = pathOf(inner);
      if (path) return `${fieldWords(path, scope)} is no`;
      return `not ${sentence(inner, scope, true)}`;
    }
    case "literal":
      if (typeof node.value === "boolean") return node.value ? "always" : "never";
      throw new NoWords();
    default: {
      const path = pathOf(node);
      if (path) return `${fieldWords(path, scope)} is yes`;
      throw new NoWords();
    }
  }
}

/** A field's path in words: `order.customer.email` → "customer email". */
export function pathWords(path: string, opts: WordsOptions = {}): string {
  return fieldWords(path, { opts, bound: null });
}

/** "order.amount is 500, order.paid is false" → "amount is 500, paid is false". */
export function readsWords(text: string, opts: WordsOptions = {}): string {
  return text.replace(/\b[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+(?= is )/g, (p) => pathWords(p, opts));
}

/** The condition in plain English, or null when it has no plain reading. */
export function conditionWords(source: string, opts: WordsOptions = {}): string | null {
  if (source.trim() === "") return null;
  try {
    return sentence(parse(source), { opts, bound: null }, false);
  } catch {
    return null;
  }
}

/** What a canvas card says: the plain reading, or else the expression as written. */
export function conditionSummary(source: string, opts: WordsOptions = {}): string {
  return conditionWords(source, opts) ?? source.trim();
}
