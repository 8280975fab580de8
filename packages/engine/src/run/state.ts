// A run's state: plain JSON, so the run's Durable Object can store it in
// SQLite as text and load it again. Times are ms since the epoch.

import type { EventEnvelope } from "../context/context.ts";
import type { TextPosition } from "../definition/problem.ts";
import type { StepKind, WorkflowDefinition } from "../definition/types.ts";
import type { Causation } from "../loop-guard/causation.ts";

export const RunStatus = {
  running: "running",
  /** Only delays, approvals and event waits are open: nothing to do until a timer, a decision or an event. */
  waiting: "waiting",
  succeeded: "succeeded",
  failed: "failed",
  /** The filter said no. */
  filtered: "filtered",
  /** The loop guard refused the run. */
  suppressed: "suppressed",
  cancelled: "cancelled",
} as const;
export type RunStatus = (typeof RunStatus)[keyof typeof RunStatus];

export const StepStatus = {
  pending: "pending",
  running: "running",
  waiting: "waiting",
  succeeded: "succeeded",
  failed: "failed",
  /** On the branch an `if` did not take. */
  skipped: "skipped",
  cancelled: "cancelled",
} as const;
export type StepStatus = (typeof StepStatus)[keyof typeof StepStatus];

const TERMINAL_RUN: ReadonlySet<RunStatus> = new Set<RunStatus>([
  RunStatus.succeeded,
  RunStatus.failed,
  RunStatus.filtered,
  RunStatus.suppressed,
  RunStatus.cancelled,
]);

/** True when the run will not change again (except a retry of a failed run). */
export function isTerminalRunStatus(status: RunStatus): boolean {
  return TERMINAL_RUN.has(status);
}

const FINISHED_STEP: ReadonlySet<StepStatus> = new Set<StepStatus>([
  StepStatus.succeeded,
  StepStatus.failed,
  StepStatus.skipped,
  StepStatus.cancelled,
]);

/** True when the step is finished, whichever way. */
export function isFinishedStepStatus(status: StepStatus): boolean {
  return FINISHED_STEP.has(status);
}

/** Stable codes of the errors the engine itself writes. */
export const EngineErrorCode = {
  filterError: "filter_error",
  conditionError: "condition_error",
  templateError: "template_error",
  invalidConfig: "invalid_config",
  timeout: "timeout",
  branchFailed: "branch_failed",
  stepFailed: "step_failed",
  /** A forEach list that is not a list. */
  notAList: "not_a_list",
  /** A forEach list longer than the loop's maxItems. */
  tooManyItems: "too_many_items",
  /** A forEach step whose failed items fail it (its onItemFailure). */
  itemsFailed: "items_failed",
} as const;
export type EngineErrorCode = (typeof EngineErrorCode)[keyof typeof EngineErrorCode];

export interface StepError {
  code: string;
  message: string;
  /** For expression errors: where in the text at `path`. */
  position?: TextPosition;
  /** For template errors: which field (`config.to`); for conditions: `if`. */
  path?: string;
}

/** A forEach step's progress over its items (their states are `<loop>[<index>]`). */
export interface LoopProgress {
  /** Items in the list. */
  total: number;
  /** Items started so far: they start in index order, so these are 0 … next - 1. */
  next: number;
  /** Started and not finished, ascending. */
  active: number[];
  /** Finished and failed, ascending. */
  failed: number[];
  succeeded: number;
  /** Failed items a retry starts again (before any item not started yet), ascending. */
  again?: number[];
}

export interface StepState {
  /** The step's id, or its instance id inside a loop (`reserve[3]`; run/instances.ts). */
  id: string;
  /** `item` for one item of a loop. */
  kind: StepKind | "item";
  /** The catalogue action, for action steps. */
  action: string | null;
  status: StepStatus;
  /**
   * The current (or last) attempt's number. It only grows, across manual
   * retries too, so a result of an older attempt is recognised as stale.
   */
  attempt: number;
  /** Attempts in the current round; a manual retry starts a new round. */
  attemptsInRound: number;
  /**
   * Attempts that never ran because a shared limit had no slot (stepDeferred):
   * counted in `attempt` (which only grows) but not calls made.
   */
  deferred?: number;
  /** The last deferral: why, and when its next attempt starts (`retryAt` while it waits). */
  deferral?: { until: number; reason: string };
  /** While waiting between attempts: when the next one starts. */
  retryAt: number | null;
  startedAt: number | null;
  finishedAt: number | null;
  /** The rendered config of the latest attempt. */
  input: unknown;
  output: unknown;
  error: StepError | null;
  /** For `if` steps: the branch taken; for `waitFor` steps: "onTimeout" once it timed out. */
  branch: "then" | "else" | "onTimeout" | null;
  /** For decision actions: a decision that arrived before the request was confirmed. */
  earlyDecision: DecisionRecord | null;
  /** For forEach steps once their list is read. */
  loop?: LoopProgress;
}

export interface DecisionRecord {
  decision: "approved" | "rejected";
  decidedBy: string | null;
  comment: string | null;
}

export const TimerPurpose = {
  /** The per-attempt timeout. */
  timeout: "timeout",
  /** The pause before the next attempt. */
  retry: "retry",
  delay: "delay",
  /** A decision action's wait (approval expiry). */
  decision: "decision",
  /** A waitFor step's timeout. */
  wait: "wait",
} as const;
export type TimerPurpose = (typeof TimerPurpose)[keyof typeof TimerPurpose];

export interface Timer {
  /** Deterministic: `${stepId}:${purpose}:${attempt}`. */
  id: string;
  at: number;
  stepId: string;
  purpose: TimerPurpose;
  attempt: number;
}

export interface FilterOutcome {
  expression: string | null;
  /** null when the filter failed. */
  result: boolean | null;
  error: StepError | null;
}

export interface RunState {
  runId: string;
  workflowId: string;
  /** The pinned version; only a retry of a failed run may move it. */
  version: number;
  /** The pinned version's definition (a snapshot). */
  definition: WorkflowDefinition;
  event: EventEnvelope;
  causation: Causation;
  /** A test run (POST /v1/workflows/:id/runs). */
  test: boolean;
  status: RunStatus;
  /** Trigger time: the expressions' `now`, fixed for the run. */
  now: number;
  startedAt: number | null;
  finishedAt: number | null;
  filter: FilterOutcome | null;
  /** Set when the loop guard refused the run. */
  suppression: { reason: string; message: string } | null;
  /**
   * Step states by id: every step outside loops from the start; inside a
   * loop, one per item that reached it, by instance id (`reserve[3]`), and
   * one per item (`lines[3]`).
   */
  steps: Record<string, StepState>;
  /** The ids of the steps outside loops in document order (containers before their children). */
  order: string[];
  /** Open timers, earliest first: the DO sets its alarm to the first. */
  timers: Timer[];
  /** Checkpoint number: grows by one with every applied input. */
  seq: number;
  /** Why the run failed. */
  error: StepError | null;
}
