// A problem found in a definition: where (a path such as
// `steps[2].config.to`) and what; expression problems say where in the text.

/** A span in an expression or template, 1-based line and column (UTF-16). */
export interface TextPosition {
  offset: number;
  line: number;
  column: number;
  length: number;
}

export interface Problem {
  /** `trigger.event`, `filter`, `steps[1].then[0].if`, `steps[2].config.to`; "" for the whole definition. */
  path: string;
  message: string;
  /** Where in the expression or template at `path`. */
  position?: TextPosition;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * Appends path segments: numbers as `[n]`, identifiers as `.key`, other keys
 * as `["key"]`.
 * @example joinPath("steps[2]", ["config", "to"]) // "steps[2].config.to"
 */
export function joinPath(base: string, segments: readonly PropertyKey[]): string {
  let out = base;
  for (const segment of segments) {
    if (typeof segment === "number") out += `[${segment}]`;
    else {
      const key = String(segment);
      if (IDENTIFIER.test(key)) out += out === "" ? key : `.${key}`;
      else out += `[${JSON.stringify(key)}]`;
    }
  }
  return out;
}

/** The 1-based line and column of `offset` in `text`. */
export function positionAt(text: string, offset: number, length: number): TextPosition {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { offset, line, column: offset - lineStart + 1, length };
}
