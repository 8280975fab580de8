// The loop guard (DESIGN.md, promise 1). Every event carries how it came to
// be: the external event it started from, the workflows (and runs) that led
// to it, and its depth. The matcher asks `checkLoop` before starting a run;
// a refusal is recorded as a `suppressed` run, visibly.

/** One run in a causation chain. */
export interface ChainLink {
  workflowId: string;
  runId: string;
}

export interface Causation {
  /** The external event the chain started from. */
  originEventId: string;
  /** The runs that led to this event, oldest first. */
  chain: ChainLink[];
  /** 0 for an external event; a run's emitted events are one deeper than its trigger. */
  depth: number;
}

export const DEFAULT_MAX_DEPTH = 8;

/** Why the guard refused a run. */
export const SuppressionReason = { cycle: "cycle", maxDepth: "max_depth" } as const;
export type SuppressionReason = (typeof SuppressionReason)[keyof typeof SuppressionReason];

export type LoopCheck =
  | { ok: true }
  | {
      ok: false;
      reason: SuppressionReason;
      /** Human readable, for the run record and the audit log. */
      message: string;
      chain: ChainLink[];
      depth: number;
    };

/**
 * The causation of an event that came from outside (API, webhook, builder).
 * @example rootCausation("evt_1") // { originEventId: "evt_1", chain: [], depth: 0 }
 */
export function rootCausation(eventId: string): Causation {
  return { originEventId: eventId, chain: [], depth: 0 };
}

/**
 * The causation of an event emitted by a run that `parent` started.
 * @example childCausation(root, { workflowId: "wf_1", runId: "run_1" }).depth // 1
 */
export function childCausation(parent: Causation, link: ChainLink): Causation {
  return {
    originEventId: parent.originEventId,
    chain: [...parent.chain, { workflowId: link.workflowId, runId: link.runId }],
    depth: parent.depth + 1,
  };
}

/**
 * May `workflowId` start a run for an event with this causation? Never when
 * the workflow is already in the chain, nor when the event is `maxDepth`
 * deep (so a chain holds at most `maxDepth` runs).
 * @example checkLoop(causation, "wf_1") // { ok: false, reason: "cycle", … }
 */
export function checkLoop(
  causation: Causation,
  workflowId: string,
  maxDepth: number = DEFAULT_MAX_DEPTH,
): LoopCheck {
  if (causation.chain.some((link) => link.workflowId === workflowId)) {
    return {
      ok: false,
      reason: SuppressionReason.cycle,
      message: `workflow ${workflowId} is already in this event's causation chain (${causation.chain
        .map((link) => link.workflowId)
        .join(" → ")})`,
      chain: causation.chain,
      depth: causation.depth,
    };
  }
  if (causation.depth >= maxDepth) {
    return {
      ok: false,
      reason: SuppressionReason.maxDepth,
      message: `the event is ${causation.depth} workflow runs deep; at most ${maxDepth} may chain`,
      chain: causation.chain,
      depth: causation.depth,
    };
  }
  return { ok: true };
}

/**
 * The id of the `index`-th event a run's step emits: derived from run and
 * step, so a replay or a duplicate delivery emits the same id and the
 * ingest's deduplication drops it.
 * @example emittedEventId("run_1", "mark") // "run_1:mark:0"
 */
export function emittedEventId(runId: string, stepId: string, index = 0): string {
  return `${runId}:${stepId}:${index}`;
}
