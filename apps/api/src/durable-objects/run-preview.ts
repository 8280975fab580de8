// What a retry of a failed run would do, computed from its state before
// anything runs (POST /v1/runs/:id/retry?preview, the builder's retry dialog).
import {
  buildContext,
  checkRetryCompatibility,
  flattenSteps,
  instanceId,
  isForEachStep,
  loopItems,
  parseInstanceId,
  type RunState,
  renderConfig,
  type StepView,
  type WorkflowDefinition,
} from "@switchyard/engine";
import { boundedOrder, itemOf } from "../store/run-steps.ts";

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
    /** An item of a loop, or a step inside one (its instance id): the innermost loop and the index. */
    item?: { loop: string; index: number };
  }>;
  /**
   * Each failed item of a loop (nested loops' too) with its steps that run
   * again (instance ids); its succeeded steps are kept, its other items
   * are not touched.
   */
  items: Array<{ loop: string; index: number; id: string; steps: string[] }>;
  /**
   * Asked for (`render`, the bulk retry's preview) with a target version:
   * the failed steps outside loops whose config on that version cannot be
   * rendered from the run's context as it stands (the retry would fail
   * them again at once), with the first error.
   */
  unrendered?: Array<{ stepId: string; message: string }>;
}

/**
 * Every string of a config rendered as a template, as the run would (a
 * field reading a secret keeps it as a placeholder); the first error's
 * message, or null.
 */
function renderError(value: unknown, context: object): string | null {
  const rendered = renderConfig(value, context);
  return rendered.ok ? null : rendered.error.message;
}

/**
 * The failed steps outside loops whose config on `to` does not render from
 * the run's context: the event and the finished steps' outputs, as a retry
 * would see them (engine run/draft.ts builds the same context).
 */
function unrenderedOn(
  state: RunState,
  to: { version: number; definition: WorkflowDefinition },
): Array<{ stepId: string; message: string }> {
  const steps: Record<string, StepView> = {};
  for (const id of state.order) {
    const s = state.steps[id];
    if (s && (s.status === "succeeded" || s.status === "failed" || s.status === "skipped")) {
      steps[id] = { status: s.status, output: s.output, error: s.error };
    }
  }
  const context = buildContext({
    event: state.event,
    workflow: { id: state.workflowId, version: to.version, name: to.definition.name },
    runId: state.runId,
    now: state.now,
    steps,
  });
  const out: Array<{ stepId: string; message: string }> = [];
  for (const { step } of flattenSteps(to.definition)) {
    if (state.steps[step.id]?.status !== "failed" || !("action" in step)) continue;
    const message = renderError(step.config, context);
    if (message !== null) out.push({ stepId: step.id, message });
  }
  return out;
}

/** Each step's nearest enclosing `if` and the branch it sits on, and how many loops each step is in. */
function branchesOf(definition: WorkflowDefinition): {
  branches: Map<string, { stepId: string; branch: string }>;
  depth: Map<string, number>;
} {
  const out = new Map<string, { stepId: string; branch: string }>();
  const parents = new Map<string, { parentId: string | null; branch: string | null }>();
  const depth = new Map<string, number>();
  for (const { step, place } of flattenSteps(definition)) {
    parents.set(step.id, { parentId: place.parentId, branch: place.branch });
    const parent = place.parentId === null ? 0 : (depth.get(place.parentId) ?? 0);
    depth.set(step.id, parent + (isForEachStep(step) ? 1 : 0));
  }
  for (const id of parents.keys()) {
    // Up through parallel blocks (and loops) to the nearest if.
    let at = parents.get(id);
    while (at?.parentId != null && !(at.branch === "then" || at.branch === "else")) {
      at = parents.get(at.parentId);
    }
    if (at?.parentId != null && at.branch !== null) {
      out.set(id, { stepId: at.parentId, branch: at.branch });
    }
  }
  // `depth` counted the step's own loop for a forEach: its items are one level in.
  for (const { step } of flattenSteps(definition)) {
    if (isForEachStep(step)) depth.set(step.id, (depth.get(step.id) ?? 1) - 1);
  }
  return { branches: out, depth };
}

/**
 * The steps that will run again (failed ones) or for the first time (not
 * reached), and whether the run may move to `to`.
 */
export function previewRetry(
  state: RunState,
  to?: { version: number; definition: WorkflowDefinition },
  opts: { render?: boolean } = {},
): RetryPreview {
  const { branches, depth } = branchesOf(state.definition);
  // The nearest enclosing if that has not decided yet, through nested ifs;
  // inside a loop, the if's instance at the step's item (or outside the loop).
  const undecided = (id: string): { stepId: string; branch: "then" | "else" } | null => {
    const parsed = parseInstanceId(id);
    if (parsed === null) return null;
    for (let b = branches.get(parsed.stepId); b; b = branches.get(b.stepId)) {
      const ifId = instanceId(b.stepId, parsed.path.slice(0, depth.get(b.stepId) ?? 0));
      if (state.steps[ifId]?.branch == null) {
        return { stepId: ifId, branch: b.branch as "then" | "else" };
      }
    }
    return null;
  };
  const steps = boundedOrder(state, state.order).map(({ id }) => {
    const s = state.steps[id]!;
    const rerun = s.status === "failed" || s.status === "cancelled";
    const kept = s.status === "succeeded" || s.status === "skipped";
    const item = itemOf(state.definition, id, s.kind);
    return {
      id,
      kind: s.kind,
      action: s.action,
      status: s.status,
      plan: kept ? ("kept" as const) : rerun ? ("again" as const) : ("first_time" as const),
      attempts: s.attempt - (s.deferred ?? 0),
      lastInput: s.input,
      onlyIf: kept || s.kind === "item" ? null : undecided(id),
      ...(item ? { item } : {}),
    };
  });
  const items: RetryPreview["items"] = [];
  for (const loop of Object.keys(state.steps)) {
    const progress = state.steps[loop]!.loop;
    if (!progress || progress.failed.length === 0) continue;
    const failed = new Set(progress.failed);
    for (const item of loopItems(state, loop)) {
      if (!failed.has(item.index)) continue;
      items.push({
        loop: parseInstanceId(loop)?.stepId ?? loop,
        index: item.index,
        id: item.id,
        steps: item.steps.filter((sid) => {
          const st = state.steps[sid]?.status;
          return st === "failed" || st === "cancelled";
        }),
      });
    }
  }
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
    items,
    ...(opts.render && to ? { unrendered: unrenderedOn(state, to) } : {}),
  };
}
