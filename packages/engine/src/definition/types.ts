// The workflow definition (shared/DESIGN.md, "The workflow definition").
// Hand-written types so the recursive step union stays readable; the zod
// schemas in schema.ts are checked against them.
import type { ConcurrencySpec, DebounceSpec, ThrottleSpec } from "../flow/spec.ts";
import { SCHEDULE_EVENT_TYPE } from "../schedule/plan.ts";
import type { ScheduleTrigger } from "../schedule/types.ts";

/** The six kinds of step. */
export const StepKind = {
  action: "action",
  if: "if",
  parallel: "parallel",
  delay: "delay",
  /** Waits for an outside event (issue 15, part 3). */
  waitFor: "waitFor",
  /** Runs its steps once per item of a list (issue 15, part 2). */
  forEach: "forEach",
} as const;
export type StepKind = (typeof StepKind)[keyof typeof StepKind];

/** How retries are spaced. */
export const Backoff = { exponential: "exponential", fixed: "fixed" } as const;
export type Backoff = (typeof Backoff)[keyof typeof Backoff];

/** An action step's retry policy; omitted members take the defaults. */
export interface RetryPolicy {
  /** Every attempt counts, the first included: 2 means at most two calls. */
  attempts?: number;
  backoff?: Backoff;
  /** Duration before the second attempt, e.g. "2s". */
  initial?: string;
  /** Upper bound between two attempts, e.g. "5m". */
  max?: string;
}

interface StepBase {
  id: string;
  name?: string;
}

export interface ActionStep extends StepBase {
  action: string;
  config: Record<string, unknown>;
  retry?: RetryPolicy;
  /** One attempt's limit, e.g. "30s". */
  timeout?: string;
}

export interface IfStep extends StepBase {
  if: string;
  then: Step[];
  else?: Step[];
}

export interface ParallelStep extends StepBase {
  parallel: Step[][];
}

export interface DelayStep extends StepBase {
  delay: string;
}

/** What a `waitFor` step waits for. */
export interface WaitForSpec {
  /** One event type or a list of them. */
  event: string | string[];
  /** Sees the run's context plus `event` (the incoming one); absent: any event of the type(s). */
  match?: string;
  /** How long to wait, e.g. "168h"; then `onTimeout` runs. */
  timeout: string;
}

export interface WaitForStep extends StepBase {
  waitFor: WaitForSpec;
  /** Run when the wait times out (or is cancelled); the step still succeeds. */
  onTimeout?: Step[];
}

/**
 * What a failed item does to its loop: `stop` starts no further item and
 * fails the loop once the running ones end; `continue` runs every item and
 * fails the loop at the end if any failed; `failAbove` ("10%") runs on while
 * the failed share is at most that and fails the loop only above it.
 */
export type ItemFailurePolicy = "stop" | "continue" | { failAbove: string };

export interface ForEachStep extends StepBase {
  /** An expression giving the list. */
  forEach: string;
  /** The item's name in the body's expressions (default `item`); `index` is the item's position. */
  as?: string;
  /** Items in flight at once (default 1, at most 50). */
  concurrency?: number;
  /** The longest list the loop takes (default 1,000, at most 10,000); a longer one fails the step. */
  maxItems?: number;
  /** Default `stop`. */
  onItemFailure?: ItemFailurePolicy;
  steps: Step[];
}

export type Step = ActionStep | IfStep | ParallelStep | DelayStep | WaitForStep | ForEachStep;

/** What starts a run: an event of a type, or a schedule (its occurrences are `schedule.fired` events). */
export type Trigger = { event: string } | { schedule: ScheduleTrigger };

/**
 * The event type a trigger listens for: its event, or `schedule.fired`.
 * @example triggerType({ schedule: { every: "15m" } }) // "schedule.fired"
 */
export function triggerType(trigger: Trigger): string {
  return "schedule" in trigger ? SCHEDULE_EVENT_TYPE : trigger.event;
}

export function isScheduleTrigger(trigger: Trigger): trigger is { schedule: ScheduleTrigger } {
  return "schedule" in trigger && trigger.schedule !== undefined;
}

export interface WorkflowDefinition {
  name: string;
  description?: string;
  trigger: Trigger;
  filter?: string;
  steps: Step[];
  /** Flow control (flow/spec.ts): at most `limit` runs at once per key. */
  concurrency?: ConcurrencySpec;
  /** Flow control: at most `limit` starts per `period` per key. */
  throttle?: ThrottleSpec;
  /** Flow control: one run per burst of events for a key. */
  debounce?: DebounceSpec;
}

/** The kind of a (valid) step, from the one kind key it carries. */
export function stepKind(step: Step): StepKind {
  if ("action" in step) return StepKind.action;
  if ("if" in step) return StepKind.if;
  if ("parallel" in step) return StepKind.parallel;
  if ("waitFor" in step) return StepKind.waitFor;
  if ("forEach" in step) return StepKind.forEach;
  return StepKind.delay;
}

export function isActionStep(step: Step): step is ActionStep {
  return "action" in step;
}
export function isIfStep(step: Step): step is IfStep {
  return "if" in step;
}
export function isParallelStep(step: Step): step is ParallelStep {
  return "parallel" in step;
}
export function isDelayStep(step: Step): step is DelayStep {
  return "delay" in step;
}
export function isWaitForStep(step: Step): step is WaitForStep {
  return "waitFor" in step;
}

export function isForEachStep(step: Step): step is ForEachStep {
  return "forEach" in step;
}

/** A wait's event types as a list. */
export function waitTypes(spec: WaitForSpec): string[] {
  return typeof spec.event === "string" ? [spec.event] : [...spec.event];
}
