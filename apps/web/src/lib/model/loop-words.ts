// "For each" (issue 15, part 2) in people's words: the canvas card's sentence
// ("For each line of the order's lines, 5 at a time"), the item's name
// suggested from the list's, "When an item fails" as a choice and a share,
// the side panel's problems in its own words, and on the run page the
// loop's summary ("200 items: 197 done, 3 failed") and each item named by
// its position and a short reading of its value ("Item 4 (sku B-17)").
// Pure and self-contained, so the tests read it as the builder does.

/** A forEach step's settings (the engine's ForEachStep, loosely typed for drafts). */
export interface LoopLike {
  forEach: string;
  as?: string;
  concurrency?: number;
  maxItems?: number;
  onItemFailure?: "stop" | "continue" | { failAbove: string };
}

/** The engine's defaults and limits (LOOP_DEFAULTS, DEFINITION_LIMITS), as the form shows them. */
export const LOOP = {
  as: "item",
  concurrency: 1,
  maxConcurrency: 50,
  maxItems: 1000,
  maxMaxItems: 10_000,
  failAbovePercent: 10,
} as const;

export interface WordsOptions {
  /** A step's name by its id: "the items from “Fetch the order”". */
  stepName?: (id: string) => string | undefined;
  locale?: string;
}

const PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/** "customerName" → "customer name"; "order_lines" → "order lines". */
function spaced(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/_/g, " ")
    .toLowerCase();
}

/**
 * A list's expression in words: `order.lines` → "the order's lines",
 * `steps.fetch.output.items` → "the items from “Fetch”"; anything that is
 * not a plain path is shown as written.
 * @example listWords("order.lines") // "the order's lines"
 */
export function listWords(expression: string, opts: WordsOptions = {}): string {
  const text = expression.trim();
  if (!PATH.test(text)) return text;
  const parts = text.split(".");
  if (parts[0] === "steps" && parts.length >= 2) {
    const id = parts[1] ?? "";
    const name = `“${opts.stepName?.(id) ?? id}”`;
    const rest = parts[2] === "output" ? parts.slice(3) : parts.slice(2);
    return rest.length ? `the ${rest.map(spaced).join(" ")} from ${name}` : `the output of ${name}`;
  }
  if (parts[0] === "event") {
    const rest = parts[1] === "data" ? parts.slice(2) : parts.slice(1);
    return rest.length ? `the event's ${rest.map(spaced).join(" ")}` : "the event";
  }
  if (parts.length === 1) return `the ${spaced(parts[0] ?? "")}`;
  return `the ${spaced(parts[0] ?? "")}'s ${parts.slice(1).map(spaced).join(" ")}`;
}

const IRREGULAR: Record<string, string> = {
  people: "person",
  children: "child",
  men: "man",
  women: "woman",
  data: "item",
};

/**
 * A name for one item of a list, from the list's last word: lines → line,
 * addresses → address, entries → entry; "item" when there is no plural.
 * @example itemNameFor("order.lines") // "line"
 */
export function itemNameFor(expression: string): string {
  const last = expression.trim().split(".").pop() ?? "";
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(last)) return LOOP.as;
  const word =
    last
      .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
      .split("_")
      .pop() ?? last;
  const lower = word.toLowerCase();
  let one: string | null = null;
  if (IRREGULAR[lower]) one = IRREGULAR[lower] ?? null;
  else if (/ies$/.test(lower) && lower.length > 4) one = `${lower.slice(0, -3)}y`;
  else if (/(ss|sh|ch|x|z)es$/.test(lower)) one = lower.slice(0, -2);
  else if (/[^s]s$/.test(lower)) one = lower.slice(0, -1);
  if (!one || !/^[a-z_][a-z0-9_]*$/.test(one)) return LOOP.as;
  // Names every step reads, and the list's own first word, would clash.
  if (["event", "steps", "workflow", "run", "now", "index"].includes(one)) return LOOP.as;
  return one;
}

/** "one at a time", "5 at a time". */
export function atATime(concurrency: number | undefined): string {
  const n = concurrency ?? LOOP.concurrency;
  return n === 1 ? "one at a time" : `${n} at a time`;
}

/**
 * What the canvas card says.
 * @example loopSentence({ forEach: "order.lines", as: "line", concurrency: 5 }) // "For each line of the order's lines, 5 at a time"
 */
export function loopSentence(step: LoopLike, opts: WordsOptions = {}): string {
  if (step.forEach.trim() === "") return "For each item of… (no list chosen yet)";
  const as = step.as?.trim() ? step.as : LOOP.as;
  return `For each ${spaced(as)} of ${listWords(step.forEach, opts)}, ${atATime(step.concurrency)}`;
}

export type FailureChoice = "stop" | "continue" | "failAbove";

/** The policy as the form's choice and its share (a number of percent). */
export function failureChoice(policy: LoopLike["onItemFailure"]): {
  choice: FailureChoice;
  percent: number;
} {
  if (policy === undefined || policy === "stop")
    return { choice: "stop", percent: LOOP.failAbovePercent };
  if (policy === "continue") return { choice: "continue", percent: LOOP.failAbovePercent };
  const n = Number.parseFloat(policy.failAbove);
  return { choice: "failAbove", percent: Number.isFinite(n) ? n : LOOP.failAbovePercent };
}

/** The definition's value for a choice ("stop" is the default: left out). */
export function failureValue(
  choice: FailureChoice,
  percent: number | string,
): LoopLike["onItemFailure"] | undefined {
  if (choice === "stop") return undefined;
  if (choice === "continue") return "continue";
  return { failAbove: `${String(percent).trim()}%` };
}

/** "Stop the loop", "Carry on with the other items, then fail", "Fail only if more than 10% fail". */
export function failureWords(policy: LoopLike["onItemFailure"]): string {
  const { choice, percent } = failureChoice(policy);
  if (choice === "stop") return "Stop the loop";
  if (choice === "continue") return "Carry on with the other items, then fail";
  return `Fail only if more than ${percent}% fail`;
}

/**
 * The engine's words for a loop's setting, in the form's: under the field
 * they are about. `field` is the problem's path within the step.
 */
export function loopProblemWords(field: string, message: string, step: LoopLike): string {
  if (field === "forEach") {
    if (step.forEach.trim() === "") return "Choose the list to go through.";
    return `The list cannot be read: ${message}.`;
  }
  if (field === "as") {
    if (/letters, digits/.test(message) || /expected/.test(message))
      return "Name the item with letters, digits and _ only, starting with a letter (such as line).";
    return `${message.charAt(0).toUpperCase()}${message.slice(1)}.`;
  }
  if (field === "concurrency") return `Choose from 1 to ${LOOP.maxConcurrency} at once.`;
  if (field === "maxItems")
    return `Choose from 1 to ${LOOP.maxMaxItems.toLocaleString("en")} items.`;
  if (field.startsWith("onItemFailure")) return "Give a share from 0% to 100%.";
  if (field === "steps") return "Add at least one step to repeat for each item.";
  return message;
}

/** The fields of a loop's form, for the problem list: its label there. */
export const LOOP_FIELD_LABELS: Record<string, string> = {
  forEach: "The list",
  as: "Call each item",
  concurrency: "How many at once",
  maxItems: "At most",
  onItemFailure: "When an item fails",
  steps: "Steps to repeat",
};

// ---- the run page ----------------------------------------------------------

export interface ItemCounts {
  total: number;
  pending?: number;
  running?: number;
  succeeded?: number;
  failed?: number;
  cancelled?: number;
  listed?: number;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

/**
 * A loop's items in a sentence.
 * @example itemsSummary({ total: 200, succeeded: 197, failed: 3 }) // "200 items: 197 done, 3 failed"
 */
export function itemsSummary(c: ItemCounts, locale = "en"): string {
  const n = (v: number) => new Intl.NumberFormat(locale).format(v);
  const parts: string[] = [];
  if (c.succeeded) parts.push(`${n(c.succeeded)} done`);
  if (c.failed) parts.push(`${n(c.failed)} failed`);
  if (c.running) parts.push(`${n(c.running)} running`);
  if (c.pending) parts.push(`${n(c.pending)} waiting their turn`);
  if (c.cancelled) parts.push(`${n(c.cancelled)} cancelled`);
  const head = c.total === 1 ? "1 item" : `${n(c.total)} items`;
  if (c.total === 0) return "The list was empty: no item to go through";
  return parts.length ? `${head}: ${parts.join(", ")}` : head;
}

/** Keys that name a thing, tried first for a short reading of an item. */
const NAMING = ["name", "title", "sku", "id", "code", "email", "label", "key", "number", "ref"];

const short = (v: unknown): string => {
  const text = typeof v === "string" ? v : typeof v === "boolean" ? (v ? "yes" : "no") : String(v);
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
};

/**
 * A short reading of an item's value: the value itself when simple, else
 * the field that names it ("sku B-17"), else its first simple field.
 * @example itemValueWords({ sku: "B-17", qty: 2 }) // "sku B-17"
 */
export function itemValueWords(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value !== "object") return short(value);
  if (Array.isArray(value)) return plural(value.length, "value");
  const entries = Object.entries(value as Record<string, unknown>).filter(
    ([, v]) =>
      v !== null && (typeof v === "string" || typeof v === "number" || typeof v === "boolean"),
  );
  const named =
    NAMING.map((k) => entries.find(([key]) => key.toLowerCase() === k)).find((e) => e) ??
    entries.find(([key]) => /(name|id|sku|code)$/i.test(key)) ??
    entries[0];
  return named ? `${spaced(named[0])} ${short(named[1])}` : "";
}

/**
 * An item by its position in the list (counted from 1) and its value.
 * @example itemTitle(3, { sku: "B-17" }) // "Item 4 (sku B-17)"
 */
export function itemTitle(index: number, value: unknown): string {
  const reading = itemValueWords(value);
  return `Item ${index + 1}${reading ? ` (${reading})` : ""}`;
}

/**
 * What a retry does for one failed item.
 * @example retryItemWords(3, { sku: "B-17" }, ["Reserve stock"]) // "Item 4 (sku B-17): Reserve stock runs again"
 */
export function retryItemWords(index: number, value: unknown, stepTitles: string[]): string {
  const names = [...new Set(stepTitles)];
  const what =
    names.length === 0
      ? "its failed steps run again"
      : names.length === 1
        ? `${names[0]} runs again`
        : `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]} run again`;
  return `${itemTitle(index, value)}: ${what}`;
}

/** `reserve[3]` → "reserve"; `lines[2][5]` → "lines"; an id without brackets as it is. */
export const baseStepId = (id: string): string => id.replace(/(\[\d+\])+$/, "");

/** A step of a run view, as far as its loop's items go. */
export interface ListedStep {
  id: string;
  kind?: string;
  status: string;
  input?: unknown;
  output?: unknown;
  error?: unknown;
  startedAt?: string | null;
  finishedAt?: string | null;
  item?: { loop: string; index: number } | null;
}

/** An item as GET /v1/runs/:id/items gives it. */
export interface ListedItem<S> {
  id: string;
  index: number;
  status: string;
  item: unknown;
  output?: unknown;
  error?: unknown;
  startedAt?: string | null;
  finishedAt?: string | null;
  steps: S[];
}

/** The items a run view lists for a loop, shaped as the items endpoint gives them. */
export function listedItems<S extends ListedStep>(steps: S[], loop: string): Array<ListedItem<S>> {
  return steps
    .filter((s) => s.kind === "item" && s.item?.loop === loop)
    .map((s) => {
      const index = s.item?.index ?? 0;
      const suffix = `[${index}]`;
      return {
        id: s.id,
        index,
        status: s.status,
        item: s.input,
        output: s.output,
        error: s.error,
        startedAt: s.startedAt,
        finishedAt: s.finishedAt,
        // The item's own steps: of this loop and this position (not the item itself).
        steps: steps.filter(
          (b) =>
            b.kind !== "item" &&
            b.item?.loop === loop &&
            b.item.index === index &&
            b.id.endsWith(suffix),
        ),
      };
    })
    .sort((a, b) => a.index - b.index);
}
