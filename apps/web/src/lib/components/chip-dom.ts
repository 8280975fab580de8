// The chip editor's DOM and its template text, both ways. The editable
// element holds text nodes (line breaks as "\n", shown by `white-space:
// pre-wrap`) and chips: `contenteditable="false"` spans that keep their exact
// `{{ … }}` in data-raw, so the browser moves the caret over a chip and
// deletes it as one unit. What the browser adds while editing (a <br> that
// only holds an empty line open, a <div> for a pasted paragraph) is read
// sensibly and then rendered away (`needsRender`). Offsets are offsets into
// the template text (model/chip-text.ts).
import { type ChipPart, chipCount, chipParts } from "$lib/model/chip-text";
import { pillName } from "$lib/model/pills";
import { secretRef } from "$lib/model/secret-words";

type StepName = (id: string) => string | undefined;
type Point = [Node, number];
/** A run of the DOM with the template text it stands for, between two points. */
interface Piece {
  text: string;
  from: Point;
  to: Point;
  textNode?: Text;
}

const isChip = (n: Node): n is HTMLElement =>
  n instanceof HTMLElement && n.dataset.raw !== undefined;
const BLOCK = new Set(["DIV", "P", "LI"]);
const at = (n: Node): Point => [
  n.parentNode!,
  Array.prototype.indexOf.call(n.parentNode!.childNodes, n),
];
const after = (n: Node): Point => {
  const [p, i] = at(n);
  return [p, i + 1];
};

/** A <br> that only keeps an empty last line open: the last thing in its block. */
function placeholder(br: Node, root: Node): boolean {
  for (let n: Node | null = br; n && n !== root; n = n.parentNode) {
    let next = n.nextSibling;
    while (next?.nodeType === Node.TEXT_NODE && (next as Text).data === "") next = next.nextSibling;
    if (next) return false;
    if (n.parentNode && BLOCK.has(n.parentNode.nodeName)) return true;
  }
  return true;
}

function pieces(root: HTMLElement): Piece[] {
  const out: Piece[] = [];
  const walk = (parent: Node) => {
    for (const n of Array.from(parent.childNodes)) {
      if (n.nodeType === Node.TEXT_NODE) {
        const t = n as Text;
        out.push({ text: t.data, from: [t, 0], to: [t, t.length], textNode: t });
      } else if (isChip(n)) out.push({ text: n.dataset.raw!, from: at(n), to: after(n) });
      else if (n.nodeName === "BR")
        out.push({ text: placeholder(n, root) ? "" : "\n", from: at(n), to: after(n) });
      else if (n instanceof HTMLElement) {
        // A block the browser made starts a new line (unless nothing comes before it).
        if (BLOCK.has(n.nodeName) && out.some((p) => p.text))
          out.push({ text: "\n", from: at(n), to: [n, 0] });
        walk(n);
      }
    }
  };
  walk(root);
  return out;
}

/** The template text the element holds. */
export const serialize = (root: HTMLElement): string =>
  pieces(root)
    .map((p) => p.text)
    .join("");

/** The template-text offset of a DOM point inside the element (a point inside a chip counts as after it). */
export function offsetOf(root: HTMLElement, node: Node, offset: number): number {
  const point = document.createRange();
  point.setStart(node, offset);
  let sum = 0;
  for (const p of pieces(root)) {
    if (p.textNode === node) return sum + offset;
    if (point.comparePoint(...p.to) <= 0) {
      sum += p.text.length;
      continue;
    }
    if (point.comparePoint(...p.from) < 0) sum += p.text.length;
    return sum;
  }
  return sum;
}

/** The DOM point for a template-text offset (never inside a chip). */
export function pointOf(root: HTMLElement, offset: number): Point {
  let sum = 0;
  for (const p of pieces(root)) {
    if (p.textNode && offset <= sum + p.text.length) return [p.textNode, offset - sum];
    if (!p.textNode && p.text && offset <= sum) return p.from;
    sum += p.text.length;
  }
  const last = root.lastChild;
  return last?.nodeName === "BR" ? at(last) : [root, root.childNodes.length];
}

/** The selection as template-text offsets, when it is inside the element. */
export function selectionIn(root: HTMLElement): { start: number; end: number } | null {
  const sel = getSelection();
  if (!sel || sel.rangeCount === 0) return null;
  const r = sel.getRangeAt(0);
  if (!root.contains(r.startContainer) || !root.contains(r.endContainer)) return null;
  return {
    start: offsetOf(root, r.startContainer, r.startOffset),
    end: offsetOf(root, r.endContainer, r.endOffset),
  };
}

/** Puts the caret at a template-text offset. */
export function caretAt(root: HTMLElement, offset: number): void {
  getSelection()?.collapse(...pointOf(root, offset));
}

function chip(part: Extract<ChipPart, { kind: "chip" }>, name: StepName): HTMLElement {
  const el = document.createElement("span");
  // A secret is a lock with its name: the value never reaches the builder.
  el.className = secretRef(part.source) === null ? "pill" : "pill secret";
  el.contentEditable = "false";
  el.dataset.raw = part.raw;
  el.dataset.source = part.source;
  el.title = part.source;
  el.textContent = pillName(part.source, name);
  return el;
}

/** Shows the template text: its data as chips named by `pillName`. */
export function render(root: HTMLElement, text: string, name: StepName): void {
  const nodes: Node[] = chipParts(text).map((p) =>
    p.kind === "text" ? document.createTextNode(p.text) : chip(p, name),
  );
  // A last empty line shows only with something on it.
  if (text.endsWith("\n")) nodes.push(document.createElement("br"));
  root.replaceChildren(...nodes);
}

/** Renames the chips in place (a step was renamed), leaving the caret be. */
export function renameChips(root: HTMLElement, name: StepName): void {
  for (const el of root.querySelectorAll<HTMLElement>("[data-raw]")) {
    const words = pillName(el.dataset.source ?? "", name);
    if (el.textContent !== words) el.textContent = words;
  }
}

/**
 * Whether the element should be drawn again from its text: the browser left
 * something other than text and chips in it, or a complete `{{ … }}` was
 * typed that is not a chip yet.
 */
export function needsRender(root: HTMLElement, text: string): boolean {
  const stray = Array.from(root.childNodes).some(
    (n) =>
      n.nodeType !== Node.TEXT_NODE && !isChip(n) && !(n.nodeName === "BR" && n === root.lastChild),
  );
  return stray || chipCount(text) !== root.querySelectorAll("[data-raw]").length;
}
