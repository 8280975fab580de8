// What a retry of a failed run would do, computed from its state before
// anything runs (POST /v1/runs/:id/retry?preview, the builder's retry dialog).
import {
  checkRetryCompatibility,
  flattenSteps,
  type RunState,
  type WorkflowDefinition,
} from "@switchyard/engine";

export interface RetryPreview {
  runStatus: RunState["status"];
  retryable: boolean;
  version: number;
  target: {
    version: number;
    compatible: boolean;
    differing: Array<{ stepId: string; reason: string }>;
  } | null;
  steps: Array<{
    id: string;
    kind: string;
    action: string | null;
    status: string;
    /** kept: succeeded or skipped, never repeated; again: failed, runs again; first_time: not reached yet. */
    plan: "kept" | "again" | "first_time";
    attempts: number;
    lastInput: unknown;
    /**
     * Runs only if this `if` step, not decided yet, takes this branch: the
     * retry cannot know which branch until it gets there. Null for a step
     * that runs whatever happens (or is kept).
     */
    onlyIf: { stepId: string; branch: "then" | "else" } | null;
  }>;
}

/** Each step's nearest enclosing `if` and the branch it sits on. */
function branchesOf(
  definition: WorkflowDefinition,
): Map<string, { stepId: string; branch: string }> {
  const out = new Map<string, { stepId: string; branch: string }>();
  const parents = new Map<string, { parentId: string | null; branch: string | null }>();
  for (const { step, place } of flattenSteps(definition)) {
    parents.set(step.id, { parentId: place.parentId, branch: place.branch });
  }
  for (const id of parents.keys()) {
    // Up through parallel blocks to the nearest if.
    let at = parents.get(id);
    while (at?.parentId != null && !(at.branch === "then" || at.branch === "else")) {
      at = parents.get(at.parentId);
    }
    if (at?.parentId != null && at.branch !== null) {
      out.set(id, { stepId: at.parentId, branch: at.branch });
    }
  }
  return out;
}

/**
 * The steps that will run again (failed ones) or for the first time (not
 * reached), and whether the run may move to `to`.
 */
export function previewRetry(
  state: RunState,
  to?: { version: number; definition: WorkflowDefinition },
): RetryPreview {
  const branches = branchesOf(state.definition);
  // The nearest enclosing if that has not decided yet, through nested ifs.
  const undecided = (id: string): { stepId: string; branch: "then" | "else" } | null => {
    for (let b = branches.get(id); b; b = branches.get(b.stepId)) {
      if (state.steps[b.stepId]?.branch == null) {
        return { stepId: b.stepId, branch: b.branch as "then" | "else" };
      }
    }
    return null;
  };
  const steps = state.order.map((id) => {
    const s = state.steps[id]!;
    const rerun = s.status === "failed" || s.status === "cancelled";
    const kept = s.status === "succeeded" || s.status === "skipped";
    return {
      id,
      kind: s.kind,
      action: s.action,
      status: s.status,
      plan: kept ? ("kept" as const) : rerun ? ("again" as const) : ("first_time" as const),
      attempts: s.attempt,
      lastInput: s.input,
      onlyIf: kept ? null : undecided(id),
    };
  });
  const compat = to ? checkRetryCompatibility(state, to.definition) : ({ ok: true } as const);
  return {
    runStatus: state.status,
    retryable: state.status === "failed",
    version: state.version,
    target: to
      ? {
          version: to.version,
          compatible: compat.ok,
          differing: compat.ok ? [] : compat.differing,
        }
      : null,
    steps,
  };
}
