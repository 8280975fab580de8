// A whole workflow in a few plain lines (issue 17, items 4 and 5): what a
// template will create and what an imported file holds, before anything is
// saved — "When order created happens · Only if the order's amount is greater
// than 10,000 · 1. Manager approves (Ask for an approval) · 2. If …". The
// words come from the editor's own word functions (conditions, waits, loops,
// flow control), so a card on the canvas and a line here read the same.
// Pure and self-contained (relative imports only), so tests read it as the
// builder does.
import type { Step, Trigger, WorkflowDefinition } from "@switchyard/engine";
import { conditionSummary } from "./condition-words";
import { type FlowSettings, flowSummary } from "./flow-words";
import { loopSentence } from "./loop-words";
import { durationWords, waitSentence } from "./wait-words";

export interface OutlineOptions {
  /** An action's title by its name ("send_email" → "Send an email"). */
  actionTitle?: (action: string) => string | undefined;
  /** A schedule trigger in words (the editor's scheduleSentence, with the workspace's zone). */
  scheduleWords?: (schedule: Extract<Trigger, { schedule: unknown }>["schedule"]) => string;
  locale?: string;
}

/** A branch under a step: its label and its own lines. */
export interface OutlineBranch {
  label: string;
  lines: OutlineLine[];
}

export interface OutlineLine {
  text: string;
  branches?: OutlineBranch[];
}

export interface Outline {
  trigger: string;
  filter: string | null;
  flow: string | null;
  steps: OutlineLine[];
  /** Every step, branches included. */
  stepCount: number;
}

/** "order.created" → "order created"; a schedule in words when a function is given. */
export function triggerSentence(trigger: Trigger, opts: OutlineOptions = {}): string {
  if ("schedule" in trigger && trigger.schedule) {
    const s = trigger.schedule;
    if (opts.scheduleWords) return opts.scheduleWords(s);
    return s.every ? `Every ${durationWords(s.every)}` : `On the schedule ${s.cron ?? ""}`.trim();
  }
  const event = "event" in trigger ? trigger.event : "";
  return event ? `When ${event.replace(/[._]/g, " ")} happens` : "When… (no event chosen yet)";
}

/** Counts the steps of a list, those inside branches, loops and timeouts too. */
export function countSteps(steps: readonly Step[]): number {
  let n = 0;
  for (const step of steps) {
    n += 1;
    if ("then" in step) n += countSteps(step.then) + countSteps(step.else ?? []);
    else if ("parallel" in step) n += step.parallel.reduce((sum, b) => sum + countSteps(b), 0);
    else if ("forEach" in step) n += countSteps(step.steps);
    else if ("waitFor" in step) n += countSteps(step.onTimeout ?? []);
  }
  return n;
}

/**
 * "1 step", "5 steps".
 * @example stepsWords(5) // "5 steps"
 */
export const stepsWords = (n: number): string => (n === 1 ? "1 step" : `${n} steps`);

function allSteps(steps: readonly Step[], out: Step[] = []): Step[] {
  for (const step of steps) {
    out.push(step);
    if ("then" in step) {
      allSteps(step.then, out);
      allSteps(step.else ?? [], out);
    } else if ("parallel" in step) for (const b of step.parallel) allSteps(b, out);
    else if ("forEach" in step) allSteps(step.steps, out);
    else if ("waitFor" in step) allSteps(step.onTimeout ?? [], out);
  }
  return out;
}

function actionLine(step: Extract<Step, { action: string }>, opts: OutlineOptions): string {
  const title = opts.actionTitle?.(step.action) ?? step.action.replace(/_/g, " ");
  const name = step.name?.trim();
  const connection = step.config?.connection;
  const through =
    typeof connection === "string" && connection ? `, through the connection “${connection}”` : "";
  return name && name !== title ? `${name} (${title}${through})` : `${title}${through}`;
}

function lines(
  steps: readonly Step[],
  ctx: { opts: OutlineOptions; stepName: (id: string) => string | undefined },
): OutlineLine[] {
  const { opts } = ctx;
  const words = { stepName: ctx.stepName, locale: opts.locale };
  return steps.map((step): OutlineLine => {
    if ("action" in step) return { text: actionLine(step, opts) };
    if ("if" in step) {
      const branches: OutlineBranch[] = [{ label: "Then", lines: lines(step.then, ctx) }];
      if (step.else?.length) branches.push({ label: "Otherwise", lines: lines(step.else, ctx) });
      const cond = step.if.trim() ? conditionSummary(step.if, words) : "… (no condition yet)";
      return { text: `If ${cond}`, branches };
    }
    if ("parallel" in step) {
      return {
        text: `${step.parallel.length} branches at the same time`,
        branches: step.parallel.map((b, i) => ({ label: `Branch ${i + 1}`, lines: lines(b, ctx) })),
      };
    }
    if ("delay" in step) return { text: `Wait ${durationWords(step.delay)}` };
    if ("forEach" in step) {
      return {
        text: loopSentence(step, words),
        branches: [{ label: "Each time", lines: lines(step.steps, ctx) }],
      };
    }
    const timeout = step.onTimeout?.length
      ? [{ label: "If nothing arrives in time", lines: lines(step.onTimeout, ctx) }]
      : undefined;
    return { text: waitSentence(step.waitFor, words), ...(timeout ? { branches: timeout } : {}) };
  });
}

/**
 * The workflow in lines: its trigger, its filter and flow control in words,
 * and its steps with their branches.
 * @example outlineOf({ name: "x", trigger: { event: "order.created" }, steps: [] }).trigger
 * // "When order created happens"
 */
export function outlineOf(def: WorkflowDefinition, opts: OutlineOptions = {}): Outline {
  const steps = def.steps ?? [];
  const names = new Map(allSteps(steps).map((s) => [s.id, s.name]));
  const stepName = (id: string) => names.get(id) ?? undefined;
  const filter = def.filter?.trim()
    ? `Only if ${conditionSummary(def.filter, { locale: opts.locale, stepName })}`
    : null;
  const flow = flowSummary(def as WorkflowDefinition & FlowSettings);
  return {
    trigger: triggerSentence(def.trigger, opts),
    filter,
    flow: flow || null,
    steps: lines(steps, { opts, stepName }),
    stepCount: countSteps(steps),
  };
}
