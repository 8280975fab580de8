// Checks JSON written by hand — a `call_webhook` body typed in the builder or
// sent through the API — and says what is wrong in words a person who does
// not write code can act on, with the line and column. The same checker
// runs as they type (the builder), when a definition is saved, and on the
// rendered text just before it is sent (apps/api), so all three agree.
//
// With `placeholders`, a `{{ … }}` stands for a value where a value may go
// (`"amount": {{ order.amount }}`) and is plain text inside quotes.
import { compileTemplate } from "@switchyard/expr";
import { positionAt, type TextPosition } from "../definition/problem.ts";

export interface JsonTextProblem {
  /** What is wrong, in words: "expected a comma (,) or a closing }". */
  message: string;
  position: TextPosition;
}

/**
 * The first thing that keeps `text` from being JSON, or null when it is JSON.
 * @example jsonTextProblem('{"a": 1,}')?.message // "remove the comma before }"
 * @example jsonTextProblem('{"n": {{ order.amount }}}', { placeholders: true }) // null
 */
export function jsonTextProblem(
  text: string,
  options: { placeholders?: boolean } = {},
): JsonTextProblem | null {
  return scanJson(text, options.placeholders === true).problem;
}

function scanJson(
  text: string,
  placeholders: boolean,
): { problem: JsonTextProblem | null; bare: Array<[number, number]> } {
  let holes: Array<[number, number]> = [];
  if (placeholders && text.includes("{{")) {
    try {
      // `{{` … `}}` around each expression's span.
      holes = compileTemplate(text).placeholders.map((p): [number, number] => [
        p.span.start - 2,
        p.span.end + 2,
      ]);
    } catch {
      // A broken placeholder is the template check's to report.
      return { problem: null, bare: [] };
    }
  }
  const scanner = new Scanner(text, holes, placeholders);
  try {
    scanner.document();
    return { problem: null, bare: scanner.bare };
  } catch (error) {
    if (!(error instanceof Stop)) throw error;
    const problem = {
      message: error.message,
      position: positionAt(text, error.offset, error.length),
    };
    return { problem, bare: [] };
  }
}

/**
 * Reads JSON written with placeholders as the data it stands for: a bare
 * `{{ … }}` (where a value goes) becomes the text `"{{ … }}"`, which renders
 * to the placeholder's value with its type kept, as in any config field.
 * So the builder saves hand-written JSON as data, and a quote or a line
 * break in the data filled in can never break it.
 * @example parseJsonTemplate('{"n": {{ order.amount }}}') // { ok: true, value: { n: "{{ order.amount }}" } }
 */
export function parseJsonTemplate(
  text: string,
): { ok: true; value: unknown } | { ok: false; problem: JsonTextProblem } {
  const scan = scanJson(text, true);
  if (scan.problem !== null) return { ok: false, problem: scan.problem };
  let quoted = "";
  let from = 0;
  for (const [start, end] of scan.bare) {
    quoted += text.slice(from, start) + JSON.stringify(text.slice(start, end));
    from = end;
  }
  return { ok: true, value: JSON.parse(quoted + text.slice(from)) as unknown };
}

/** "expected a colon (:) at line 2, column 9" — a problem in one line of words. */
export function describeJsonProblem(problem: JsonTextProblem): string {
  const { line, column } = problem.position;
  return `${problem.message} at line ${line}, column ${column}`;
}

class Stop extends Error {
  constructor(
    message: string,
    readonly offset: number,
    readonly length = 1,
  ) {
    super(message);
  }
}

const WHITESPACE = new Set([" ", "\t", "\n", "\r"]);
const ESCAPES = new Set(['"', "\\", "/", "b", "f", "n", "r", "t"]);
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const WORD = /[A-Za-z_][A-Za-z0-9_]*/y;
const A_VALUE = "expected a value: text in double quotes, a number, true, false, null, { or [";
// Deep enough for any hand-written body; bounds the recursion.
const MAX_DEPTH = 64;

class Scanner {
  private i = 0;
  /** Placeholders standing where a value goes, in order. */
  readonly bare: Array<[number, number]> = [];

  constructor(
    private readonly text: string,
    private readonly holes: ReadonlyArray<[number, number]>,
    private readonly templated: boolean,
  ) {}

  document(): void {
    this.space();
    if (this.i >= this.text.length) throw new Stop("the JSON is empty", 0, 0);
    this.value(0);
    this.space();
    if (this.i < this.text.length) {
      throw new Stop("there is more after the end of the JSON: remove it", this.i);
    }
  }

  private space(): void {
    while (this.i < this.text.length && WHITESPACE.has(this.text[this.i]!)) this.i++;
  }

  private hole(): number {
    for (const [start, end] of this.holes) if (start === this.i) return end;
    return -1;
  }

  private end(what: string): never {
    throw new Stop(`the JSON ends too soon: ${what}`, this.text.length, 0);
  }

  private value(depth: number): void {
    if (depth > MAX_DEPTH) throw new Stop(`more than ${MAX_DEPTH} levels of nesting`, this.i);
    const c = this.text[this.i];
    if (c === undefined) this.end("a value is missing");
    const hole = this.hole();
    if (hole >= 0) {
      this.bare.push([this.i, hole]);
      this.i = hole;
    } else if (c === "{") {
      this.object(depth);
    } else if (c === "[") {
      this.array(depth);
    } else if (c === '"') {
      this.string();
    } else if (c === "-" || (c >= "0" && c <= "9")) {
      this.number();
    } else {
      WORD.lastIndex = this.i;
      const word = WORD.exec(this.text)?.[0];
      if (word === "true" || word === "false" || word === "null") {
        this.i += word.length;
      } else if (c === "'") {
        throw new Stop('use double quotes (") around text, not single quotes', this.i);
      } else if (word !== undefined) {
        throw new Stop(
          `'${word}' is not a value: put text in double quotes ("${word}")`,
          this.i,
          word.length,
        );
      } else {
        throw new Stop(A_VALUE, this.i);
      }
    }
  }

  private object(depth: number): void {
    this.i++; // {
    this.space();
    if (this.text[this.i] === "}") {
      this.i++;
      return;
    }
    for (;;) {
      const c = this.text[this.i];
      if (c === undefined) this.end("a } is missing");
      if (c === "'")
        throw new Stop('use double quotes (") around names, not single quotes', this.i);
      if (c === "}") throw new Stop("remove the comma before }", this.lastComma());
      if (c !== '"') throw new Stop('expected a name in double quotes, such as "amount"', this.i);
      this.string();
      this.space();
      if (this.text[this.i] === undefined) this.end("a colon (:) and a value are missing");
      if (this.text[this.i] !== ":") throw new Stop("expected a colon (:) after the name", this.i);
      this.i++;
      this.space();
      this.value(depth + 1);
      this.space();
      const next = this.text[this.i];
      if (next === ",") {
        this.i++;
        this.space();
      } else if (next === "}") {
        this.i++;
        return;
      } else if (next === undefined) {
        this.end("a } is missing");
      } else {
        throw new Stop("expected a comma (,) or a closing }", this.i);
      }
    }
  }

  private array(depth: number): void {
    this.i++; // [
    this.space();
    if (this.text[this.i] === "]") {
      this.i++;
      return;
    }
    for (;;) {
      if (this.text[this.i] === "]") throw new Stop("remove the comma before ]", this.lastComma());
      this.value(depth + 1);
      this.space();
      const next = this.text[this.i];
      if (next === ",") {
        this.i++;
        this.space();
      } else if (next === "]") {
        this.i++;
        return;
      } else if (next === undefined) {
        this.end("a ] is missing");
      } else {
        throw new Stop("expected a comma (,) or a closing ]", this.i);
      }
    }
  }

  /** The comma just before the current position (for "remove the comma"). */
  private lastComma(): number {
    const at = this.text.lastIndexOf(",", this.i);
    return at >= 0 ? at : this.i;
  }

  private string(): void {
    const open = this.i;
    this.i++; // "
    for (;;) {
      const c = this.text[this.i];
      if (c === undefined || c === "\n" || c === "\r") {
        throw new Stop(
          c === undefined
            ? 'the text in quotes is not closed: a " is missing'
            : "a line break inside quotes: close the quotes, or write \\n for a new line",
          c === undefined ? open : this.i,
        );
      }
      const hole = this.hole();
      if (hole >= 0) {
        this.i = hole;
        continue;
      }
      if (c === '"') {
        this.i++;
        return;
      }
      if (c === "\\") {
        const e = this.text[this.i + 1];
        // `\{{` is the template's literal `{{`: it renders as `{{`.
        if (this.templated && this.text.startsWith("{{", this.i + 1)) this.i += 3;
        else if (e === "u" && /^[0-9a-fA-F]{4}$/.test(this.text.slice(this.i + 2, this.i + 6)))
          this.i += 6;
        else if (e !== undefined && ESCAPES.has(e)) this.i += 2;
        else
          throw new Stop(
            `'\\${e ?? ""}' is not allowed in JSON text: write \\\\ for a backslash`,
            this.i,
            2,
          );
        continue;
      }
      if (c < " ")
        throw new Stop("a tab or control character inside quotes: write \\t instead", this.i);
      this.i++;
    }
  }

  private number(): void {
    NUMBER.lastIndex = this.i;
    const match = NUMBER.exec(this.text);
    if (match === null || match[0] === "-")
      throw new Stop("not a number: a digit is missing", this.i);
    const after = this.text[this.i + match[0].length];
    if (after !== undefined && /[0-9.eE]/.test(after)) {
      throw new Stop(
        match[0] === "0" || match[0] === "-0"
          ? "a number cannot start with 0 (put it in double quotes if it is a code)"
          : "not a valid number",
        this.i,
        match[0].length + 1,
      );
    }
    this.i += match[0].length;
  }
}
