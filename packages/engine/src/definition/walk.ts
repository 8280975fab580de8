// Walks a definition's steps with their paths and places. Used wherever the
// engine needs every step: normalising, diffing, planning a run.
import type { Step, WorkflowDefinition } from "./types.ts";
import { isForEachStep, isIfStep, isParallelStep, isWaitForStep } from "./types.ts";

/** Where a step sits: its container and which of its lists. */
export interface StepPlace {
  /** The enclosing if/parallel/waitFor/forEach step's id; null at the top level. */
  parentId: string | null;
  /** "then", "else", "parallel[1]", "onTimeout", "steps" (a loop's body); null at the top level. */
  branch: string | null;
  /** 1 at the top level. */
  depth: number;
  /** `steps[1].then[0]`. */
  path: string;
}

export interface VisitedStep {
  step: Step;
  place: StepPlace;
}

/**
 * Every step in document order (a container before its children).
 * @example flattenSteps(def).map((s) => s.step.id) // ["approve", "decide", "mark", …]
 */
export function flattenSteps(definition: Pick<WorkflowDefinition, "steps">): VisitedStep[] {
  const out: VisitedStep[] = [];
  const visit = (
    steps: readonly Step[],
    path: string,
    parentId: string | null,
    branch: string | null,
    depth: number,
  ): void => {
    steps.forEach((step, index) => {
      const stepPath = `${path}[${index}]`;
      out.push({ step, place: { parentId, branch, depth, path: stepPath } });
      if (isIfStep(step)) {
        visit(step.then, `${stepPath}.then`, step.id, "then", depth + 1);
        if (step.else) visit(step.else, `${stepPath}.else`, step.id, "else", depth + 1);
      } else if (isParallelStep(step)) {
        step.parallel.forEach((lane, lane_index) => {
          visit(
            lane,
            `${stepPath}.parallel[${lane_index}]`,
            step.id,
            `parallel[${lane_index}]`,
            depth + 1,
          );
        });
      } else if (isWaitForStep(step) && step.onTimeout) {
        visit(step.onTimeout, `${stepPath}.onTimeout`, step.id, "onTimeout", depth + 1);
      } else if (isForEachStep(step)) {
        visit(step.steps, `${stepPath}.steps`, step.id, "steps", depth + 1);
      }
    });
  };
  visit(definition.steps, "steps", null, null, 1);
  return out;
}

/** Every step nested in `step` (not `step` itself). */
export function descendants(step: Step): Step[] {
  if (isIfStep(step))
    return flattenSteps({ steps: [...step.then, ...(step.else ?? [])] }).map((v) => v.step);
  if (isParallelStep(step)) return flattenSteps({ steps: step.parallel.flat() }).map((v) => v.step);
  if (isWaitForStep(step)) return flattenSteps({ steps: step.onTimeout ?? [] }).map((v) => v.step);
  if (isForEachStep(step)) return flattenSteps({ steps: step.steps }).map((v) => v.step);
  return [];
}
