// "Try it on past events" in people's words (issue 16, item 4): the summary
// ("23 would match now; 19 matched then (of 100 orders created)") and one
// row per event — when, its key words, would it match now, did it then, the
// steps it would run — differences first. Pure: tested in tests/builder.
import type { Step, WorkflowDefinition } from "@switchyard/engine";
import type { Backtest, BacktestItem, BacktestStep } from "../api-backtest";
import { describe, saidNoFromParts } from "./preview";
import { branchWords, stepTitle } from "./run-words";
import { walk } from "./steps";

export interface BacktestRow {
  eventId: string;
  /** When it arrived (ISO; the component formats it). */
  at: string;
  /** "order 1042", else "An event". */
  title: string;
  now: "yes" | "no" | "error";
  nowWords: string;
  /** Null when no version is live. */
  thenWords: string | null;
  /** The draft and the live version answer differently. */
  differs: boolean;
  /** The steps it would run, in order ("Send email", "Condition — takes the Yes branch"). */
  steps: string[];
  /** The filter's explanation, on demand. */
  why: string[];
}

const plural = (noun: string): string =>
  /(s|x|ch|sh)$/.test(noun)
    ? `${noun}es`
    : /[^aeiou]y$/.test(noun)
      ? `${noun.slice(0, -1)}ies`
      : `${noun}s`;

/**
 * An event type as a plural phrase: "order.created" → "orders created",
 * "schedule.fired" → "scheduled times", else "<type> events".
 * @example eventsWords("payment.failed", 2) // "payments failed"
 */
export function eventsWords(type: string, n: number): string {
  if (type === "schedule.fired") return n === 1 ? "scheduled time" : "scheduled times";
  const parts = type.split(".");
  if (parts.length === 2 && /^[a-z]+$/.test(parts[0]!) && /ed$/.test(parts[1]!)) {
    const noun = parts[0]!;
    return `${n === 1 ? noun : plural(noun)} ${parts[1]!.replaceAll("_", " ")}`;
  }
  return `${type} event${n === 1 ? "" : "s"}`;
}

/**
 * @example backtestSummary({ events: 100, matched: 23, liveMatched: 19, … })
 * // "23 would match now; 19 matched then (of 100 orders created)"
 */
export function backtestSummary(r: Backtest): string {
  if (r.events === 0) return `No ${eventsWords(r.eventType, 2)} have arrived yet.`;
  const of = `of ${r.events === 1 ? "the last" : `the last ${r.events}`} ${eventsWords(r.eventType, r.events)}`;
  const now = `${r.matched} would match now`;
  const text =
    r.liveMatched === null
      ? `${now} (${of}); no version is live yet`
      : `${now}; ${r.liveMatched} matched then (${of})`;
  return r.truncated ? `${text}. Stopped early: the rest took too long to try.` : text;
}

/** "4 answer differently", or that they all agree. */
export function differWords(r: Backtest): string | null {
  if (r.liveMatched === null || r.events === 0) return null;
  if (r.differ === 0) return "Now and then agree on every event.";
  return `${r.differ} ${r.differ === 1 ? "event is" : "events are"} answered differently now.`;
}

/** The definition's steps by id (a loop item's entry `reserve[0]` is its step `reserve`). */
function stepsById(def: WorkflowDefinition): Map<string, Step> {
  const out = new Map<string, Step>();
  walk(def.steps, (step) => {
    out.set(step.id, step);
  });
  return out;
}

function stepWords(
  s: BacktestStep,
  steps: Map<string, Step>,
  actionTitle: (action: string) => string | undefined,
): string {
  const [, base = s.id, item] = /^([^[]+)(?:\[(\d+)\])?/.exec(s.id) ?? [];
  const def = steps.get(base);
  const name = def && "name" in def ? (def.name as string | undefined) : undefined;
  let text = stepTitle(s, name, s.action ? actionTitle(s.action) : undefined);
  if (item !== undefined) text += ` (item ${Number(item) + 1})`;
  if (s.branch) text += ` — takes ${branchWords(s.branch)}`;
  if (s.waits) text += " — waits";
  if (s.items !== undefined) text += ` — ${s.items} item${s.items === 1 ? "" : "s"}`;
  if (s.error) text += ` — fails: ${s.error.message}`;
  return text;
}

const PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/** Why the filter said yes or no: the parts that said no, or the values it read. */
export function whyWords(item: BacktestItem, filter: string | undefined): string[] {
  if (!filter || filter.trim() === "") return ["No filter: every event runs."];
  if (item.error) return [`The filter fails on this event: ${item.error.message}`];
  const paths = item.explain.filter((p) => PATH.test(p.source));
  // `order.amount` says more than the `order` it was read from.
  const reads = paths
    .filter((p) => !paths.some((q) => q.source.startsWith(`${p.source}.`)))
    .map((p) => `${p.source} is ${p.error ? `an error (${p.error.message})` : describe(p.value)}`);
  if (item.matched) return [`The filter says yes${reads.length ? `: ${reads.join(", ")}` : ""}.`];
  const no = saidNoFromParts(filter, item.explain);
  if (no.length === 0) return [`The filter says no${reads.length ? `: ${reads.join(", ")}` : ""}.`];
  return no.map(
    (part) =>
      `${part.source} said no${part.detail ? ` — ${part.detail}` : ""}${part.error ? ` (${part.error})` : ""}`,
  );
}

/**
 * One row per event, differences first, then newest first (the order the
 * server answers in).
 */
export function backtestRows(
  r: Backtest,
  def: WorkflowDefinition,
  actionTitle: (action: string) => string | undefined = () => undefined,
): BacktestRow[] {
  const steps = stepsById(def);
  const rows = r.items.map((item): BacktestRow => {
    const now = item.error ? "error" : item.matched ? "yes" : "no";
    return {
      eventId: item.eventId,
      at: item.receivedAt,
      title: item.key ?? "An event",
      now,
      nowWords:
        now === "yes"
          ? "Would match now"
          : now === "no"
            ? "Would not match now"
            : "The filter would fail now",
      thenWords: item.live ? (item.live.matched ? "matched then" : "did not match then") : null,
      differs: item.live !== null && item.live.matched !== item.matched,
      steps: item.steps.filter((s) => s.runs).map((s) => stepWords(s, steps, actionTitle)),
      why: whyWords(item, def.filter),
    };
  });
  return [...rows.filter((x) => x.differs), ...rows.filter((x) => !x.differs)];
}
