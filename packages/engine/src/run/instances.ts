// Step instances (issue 15, part 2). A step inside a forEach body runs once
// per item, so its state is kept per item under an instance id: the step's
// id with the item's index, `reserve[3]`, and one index per loop around it,
// outermost first (`reserve[2][5]`). Each item of a loop has a state of its
// own too, the loop's instance id plus the item's index (`lines[3]`, kind
// `item`): its status, its value (`input`) and its result (`output`). Step
// ids have no brackets, so an instance id never collides with a step id.
import type { Step, WorkflowDefinition } from "../definition/types.ts";
import { flattenSteps } from "../definition/walk.ts";
import type { Plan } from "./plan.ts";
import { planOf } from "./plan.ts";
import type { RunState, StepState } from "./state.ts";

/** The kind of an item's state. */
export const ITEM_KIND = "item";

/**
 * The instance id of a step at a path of item indexes.
 * @example instanceId("reserve", [2, 5]) // "reserve[2][5]"
 */
export function instanceId(stepId: string, path: readonly number[]): string {
  let id = stepId;
  for (const i of path) id += `[${i}]`;
  return id;
}

const INSTANCE = /^([A-Za-z_][A-Za-z0-9_]*)((?:\[\d+\])*)$/;

/**
 * A step or item id split into the step's id and the item indexes.
 * @example parseInstanceId("reserve[2][5]") // { stepId: "reserve", path: [2, 5] }
 */
export function parseInstanceId(id: string): { stepId: string; path: number[] } | null {
  const m = INSTANCE.exec(id);
  if (m === null) return null;
  const path = m[2] === "" ? [] : m[2]!.slice(1, -1).split("][").map(Number);
  return { stepId: m[1]!, path };
}

/** A definition step as one instance: the same step under its instance id. */
export function scoped<S extends Step>(step: S, path: readonly number[]): S {
  return path.length === 0 ? step : { ...step, id: instanceId(step.id, path) };
}

/**
 * The definition step an instance id names, under that id; undefined for
 * an unknown id, an item's id, or a path that does not fit the loops.
 */
export function stepAt(definition: WorkflowDefinition, id: string): Step | undefined {
  const parsed = parseInstanceId(id);
  if (parsed === null) return undefined;
  const plan = planOf(definition);
  const entry = plan.byId.get(parsed.stepId);
  if (entry === undefined) return undefined;
  if ((plan.loops.get(parsed.stepId) ?? []).length !== parsed.path.length) return undefined;
  return scoped(entry.step, parsed.path);
}

/** One item of a loop as a run has it. */
export interface LoopItem {
  index: number;
  /** The item's own id, `lines[3]`. */
  id: string;
  state: StepState;
  /** Its steps' instance ids in document order (those it has reached). */
  steps: string[];
}

/**
 * The items of one loop instance (`lines`, or `lines[2]` inside another
 * loop), in index order, with the ids of their steps.
 * @example loopItems(run, "lines").filter((i) => i.state.status === "failed")
 */
export function loopItems(state: RunState, loopInstance: string): LoopItem[] {
  const parsed = parseInstanceId(loopInstance);
  const loop = state.steps[loopInstance]?.loop;
  if (parsed === null || loop === undefined || loop === null) return [];
  const body = planOf(state.definition).body.get(parsed.stepId) ?? [];
  const out: LoopItem[] = [];
  for (let index = 0; index < loop.total; index++) {
    const path = [...parsed.path, index];
    const id = instanceId(parsed.stepId, path);
    const item = state.steps[id];
    if (item === undefined) continue;
    out.push({
      index,
      id,
      state: item,
      steps: body.map((b) => instanceId(b, path)).filter((s) => state.steps[s] !== undefined),
    });
  }
  return out;
}

/**
 * The steps of a list as the instances at the item `path`, nested ones
 * included, but not those inside loops in the list (they have items of their own).
 */
export function instancesOf(plan: Plan, steps: readonly Step[], path: readonly number[]): Step[] {
  return flattenSteps({ steps: [...steps] })
    .map((v) => v.step)
    .filter((s) => plan.loops.get(s.id)?.length === path.length)
    .map((s) => scoped(s, path));
}
