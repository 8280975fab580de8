// What a retry of a failed run would do, computed from its state before
// anything runs (POST /v1/runs/:id/retry?preview, the builder's retry dialog).
import {
  checkRetryCompatibility,
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
  }>;
}

/**
 * The steps that will run again (failed ones) or for the first time (not
 * reached), and whether the run may move to `to`.
 */
export function previewRetry(
  state: RunState,
  to?: { version: number; definition: WorkflowDefinition },
): RetryPreview {
  const steps = state.order.map((id) => {
    const s = state.steps[id]!;
    const rerun = s.status === "failed" || s.status === "cancelled";
    return {
      id,
      kind: s.kind,
      action: s.action,
      status: s.status,
      plan:
        s.status === "succeeded" || s.status === "skipped"
          ? ("kept" as const)
          : rerun
            ? ("again" as const)
            : ("first_time" as const),
      attempts: s.attempt,
      lastInput: s.input,
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
