// May a failed run move to another version? Only when every step it has
// finished (or whose branch it has chosen) exists there unchanged: same id,
// kind, settings and place. Failed steps may change: that is the point.
import { stepSignature } from "../definition/normalize.ts";
import type { WorkflowDefinition } from "../definition/types.ts";
import { parseInstanceId } from "./instances.ts";
import { planOf } from "./plan.ts";
import type { RunState, StepState } from "./state.ts";
import { StepStatus } from "./state.ts";

export interface DifferingStep {
  stepId: string;
  reason: "missing" | "changed" | "moved";
}

export type Compatibility = { ok: true } | { ok: false; differing: DifferingStep[] };

/**
 * Checks a retry onto `target` (pure; the API answers 409 with `differing`).
 * @example checkRetryCompatibility(run, v4) // { ok: false, differing: [{ stepId: "approve", reason: "changed" }] }
 */
export function checkRetryCompatibility(
  state: RunState,
  target: WorkflowDefinition,
): Compatibility {
  const current = planOf(state.definition);
  const next = planOf(target);
  const differing: DifferingStep[] = [];
  const seen = new Set<string>();
  for (const [instance, step] of Object.entries(state.steps)) {
    // A loop's item is kept with its loop; a step inside a loop is compared once, by its step id.
    if (step.kind === "item" || !mustBeKept(step)) continue;
    const id = parseInstanceId(instance)?.stepId ?? instance;
    if (seen.has(id)) continue;
    seen.add(id);
    const before = current.byId.get(id);
    const after = next.byId.get(id);
    if (before === undefined) continue;
    if (after === undefined) differing.push({ stepId: id, reason: "missing" });
    else if (stepSignature(before.step) !== stepSignature(after.step)) {
      differing.push({ stepId: id, reason: "changed" });
    } else if (
      before.place.parentId !== after.place.parentId ||
      before.place.branch !== after.place.branch
    ) {
      differing.push({ stepId: id, reason: "moved" });
    }
  }
  return differing.length === 0 ? { ok: true } : { ok: false, differing };
}

function mustBeKept({ status, kind, branch, loop }: StepState): boolean {
  if (status === StepStatus.succeeded) return true;
  // A container the run has entered: its decision and shape must hold.
  if (kind === "if" || kind === "waitFor") return branch !== null;
  // A loop is entered once it has read its list (one that could not is a failed step: it may change).
  if (kind === "forEach") return loop !== undefined;
  if (kind === "parallel") return status !== StepStatus.pending && status !== StepStatus.skipped;
  return false;
}
