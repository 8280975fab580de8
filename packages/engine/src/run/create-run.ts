import type { EventEnvelope } from "../context/context.ts";
import type { Step, WorkflowDefinition } from "../definition/types.ts";
import { stepKind } from "../definition/types.ts";
import type { Causation } from "../loop-guard/causation.ts";
import { planOf } from "./plan.ts";
import type { FilterOutcome, RunState, StepState } from "./state.ts";
import { RunStatus, StepStatus } from "./state.ts";

export interface CreateRunParams {
  runId: string;
  workflowId: string;
  version: number;
  /** The version's (validated) definition: the run's snapshot. */
  definition: WorkflowDefinition;
  event: EventEnvelope;
  causation: Causation;
  /** Trigger time (ms since the epoch): the expressions' `now`. */
  now: number;
  test?: boolean;
  /** The matcher's filter outcome; when absent, `start` evaluates the filter. */
  filter?: FilterOutcome;
  /** The loop guard's refusal; `start` then ends the run as `suppressed`. */
  suppression?: { reason: string; message: string };
}

/**
 * A new run, not yet started: feed it `{ type: "start", at }` next.
 * @example
 * const state = createRun({ runId, workflowId, version: 3, definition, event, causation, now });
 * const { state: started, commands } = advance(state, { type: "start", at: now });
 */
export function createRun(params: CreateRunParams): RunState {
  const plan = planOf(params.definition);
  const steps: Record<string, StepState> = {};
  // Steps inside loops get a state per item when their item reaches them.
  for (const id of plan.top) steps[id] = freshStep(plan.byId.get(id)!.step);
  return {
    runId: params.runId,
    workflowId: params.workflowId,
    version: params.version,
    definition: params.definition,
    event: params.event,
    causation: params.causation,
    test: params.test ?? false,
    status: RunStatus.running,
    now: params.now,
    startedAt: null,
    finishedAt: null,
    filter: params.filter ?? null,
    suppression: params.suppression ?? null,
    steps,
    order: plan.top,
    timers: [],
    seq: 0,
    error: null,
  };
}

/** A step that has not started. */
export function freshStep(step: Step): StepState {
  return {
    id: step.id,
    kind: stepKind(step),
    status: StepStatus.pending,
    ...STEP_STATE_DEFAULTS,
    action: "action" in step ? step.action : null,
  };
}

/** A step state's members before anything happened to it (besides its id, kind and status). */
export const STEP_STATE_DEFAULTS = {
  action: null,
  attempt: 0,
  attemptsInRound: 0,
  retryAt: null,
  startedAt: null,
  finishedAt: null,
  input: null,
  output: null,
  error: null,
  branch: null,
  earlyDecision: null,
} as const satisfies Partial<StepState>;
