// A template field's text as the chip editor holds it: plain runs and chips,
// each chip keeping the exact `{{ … }}` text it came from, so that turning
// text into chips and back never changes a character (an edit elsewhere in
// the field does not rewrite `{{order.id}}` as `{{ order.id }}`). Offsets are
// offsets into the template text; a chip spans its whole `{{ … }}`.

/** One run of a template field: plain text, or inserted data shown as a chip. */
export type ChipPart =
  | { kind: "text"; text: string }
  | { kind: "chip"; source: string; raw: string };

const TEMPLATE = /\{\{\s*([\s\S]*?)\s*\}\}/g;

/**
 * The text as plain runs and chips; a `{{` without its `}}` stays text.
 * @example chipParts("Hi {{ order.customer.name }}!")
 * // [{ kind: "text", text: "Hi " }, { kind: "chip", source: "order.customer.name", raw: "{{ order.customer.name }}" }, { kind: "text", text: "!" }]
 */
export function chipParts(text: string): ChipPart[] {
  const out: ChipPart[] = [];
  let last = 0;
  for (const m of text.matchAll(TEMPLATE)) {
    if (m.index > last) out.push({ kind: "text", text: text.slice(last, m.index) });
    out.push({ kind: "chip", source: m[1]!.trim(), raw: m[0] });
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push({ kind: "text", text: text.slice(last) });
  return out;
}

/** How many chips the text makes. */
export const chipCount = (text: string): number => [...text.matchAll(TEMPLATE)].length;

/** The `{{ … }}` text a picked data path inserts. */
export const chipText = (path: string): string => `{{ ${path} }}`;

/**
 * Text typed or pasted into a field, as the field can hold it: line breaks
 * as "\n", and none at all in a single-line field (they become spaces).
 * @example typedText("a\r\nb", false) // "a b"
 */
export function typedText(text: string, multiline: boolean): string {
  const lines = text.replace(/\r\n?/g, "\n");
  return multiline ? lines : lines.replace(/\n+/g, " ");
}

/**
 * The text with [start, end) replaced by `insert`, and where the caret goes
 * after it. An offset inside a chip's `{{ … }}` counts as the chip's end, so
 * a chip is never cut in two.
 * @example splice("Order {{ order.id }}", 6, 6, "{{ x }}") // { text: "Order {{ x }}{{ order.id }}", caret: 13 }
 */
export function splice(
  text: string,
  start: number,
  end: number,
  insert: string,
): { text: string; caret: number } {
  const s = outsideChips(text, Math.max(0, Math.min(start, text.length)));
  const e = Math.max(s, outsideChips(text, Math.max(0, Math.min(end, text.length))));
  return { text: text.slice(0, s) + insert + text.slice(e), caret: s + insert.length };
}

/** The offset, moved to the end of the chip it falls inside (if any). */
export function outsideChips(text: string, offset: number): number {
  for (const m of text.matchAll(TEMPLATE)) {
    const end = m.index + m[0].length;
    if (offset > m.index && offset < end) return end;
  }
  return offset;
}
