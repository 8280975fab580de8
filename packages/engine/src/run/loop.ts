// forEach steps (issue 15, part 2). The list is read once, when the loop
// starts, and each item gets a state of its own (`lines[3]`, its value as
// `input`), so a retry or a redelivery never reads the list again. Items
// start in index order, at most `concurrency` at a time; each item runs the
// body as its own step instances (`reserve[3]`), with its own idempotency
// key, timers and effects. A transition drives only the items in flight,
// so a long list costs each transition little.
import { LOOP_DEFAULTS } from "../definition/limits.ts";
import type { ForEachStep, ItemFailurePolicy, Step } from "../definition/types.ts";
import { cachedProgram } from "../matching/filter.ts";
import { failStep, succeedStep } from "./attempts.ts";
import { STEP_STATE_DEFAULTS } from "./create-run.ts";
import type { Draft } from "./draft.ts";
import { ITEM_KIND, instanceId, parseInstanceId } from "./instances.ts";
import { exprStepError } from "./render.ts";
import type { LoopProgress, StepError, StepState } from "./state.ts";
import { EngineErrorCode, StepStatus } from "./state.ts";

type Progress = "done" | "failed" | "blocked";
type DriveList = (d: Draft, steps: readonly Step[], path: readonly number[]) => Progress;

/** An item's id: the loop's own step id with the item's path (`lines[3]`, `lines[2][5]`). */
function itemId(step: ForEachStep, path: readonly number[], index: number): string {
  return instanceId(parseInstanceId(step.id)?.stepId ?? step.id, [...path, index]);
}

/** Reads the list, makes each item's state and starts the first items. */
export function startLoop(
  d: Draft,
  step: ForEachStep,
  path: readonly number[],
  driveList: DriveList,
): Progress {
  d.update(step.id, { startedAt: d.at });
  const list = readList(d, step);
  if (!Array.isArray(list)) {
    failStep(d, step.id, list);
    return "failed";
  }
  list.forEach((value, index) => {
    d.put(itemState(itemId(step, path, index), value));
  });
  d.update(step.id, {
    status: StepStatus.running,
    input: { items: list.length },
    loop: { total: list.length, next: 0, active: [], failed: [], succeeded: 0 },
  });
  d.timeline("step.started", { stepId: step.id, message: `${list.length} items` });
  return continueLoop(d, step, path, driveList);
}

/**
 * Drives the items in flight, starts the next ones while there is room and
 * the failure policy allows, and ends the loop once no item is in flight.
 */
export function continueLoop(
  d: Draft,
  step: ForEachStep,
  path: readonly number[],
  driveList: DriveList,
): Progress {
  const current = d.step(step.id).loop;
  if (current === undefined) return "blocked";
  const p: LoopProgress = {
    ...current,
    active: [...current.active],
    failed: [...current.failed],
    ...(current.again !== undefined ? { again: [...current.again] } : {}),
  };
  const policy = step.onItemFailure ?? LOOP_DEFAULTS.onItemFailure;
  const concurrency = step.concurrency ?? LOOP_DEFAULTS.concurrency;
  const settle = (index: number, progress: Progress): void => {
    if (progress === "blocked") return;
    const itemPath = [...path, index];
    const id = itemId(step, path, index);
    p.active = p.active.filter((i) => i !== index);
    if (progress === "done") {
      p.succeeded += 1;
      d.update(id, {
        status: StepStatus.succeeded,
        finishedAt: d.at,
        output: itemResult(d, step, itemPath),
        error: null,
      });
      return;
    }
    p.failed = [...p.failed, index].sort((a, b) => a - b);
    d.update(id, {
      status: StepStatus.failed,
      finishedAt: d.at,
      error: itemError(d, step, itemPath),
    });
    d.timeline("step.failed", { stepId: id, message: d.step(id).error?.message ?? "" });
  };
  for (const index of [...p.active]) settle(index, driveList(d, step.steps, [...path, index]));
  const waiting = (): boolean => (p.again?.length ?? 0) > 0 || p.next < p.total;
  while (p.active.length < concurrency && waiting() && !halted(p, policy)) {
    let index: number;
    if (p.again !== undefined && p.again.length > 0) {
      index = p.again.shift()!;
      // A failed item starts again (a retry): only now do its failed steps reopen, so an
      // item the loop never restarts (it failed again first) keeps them as they ended.
      for (const { instance } of bodyInstances(d, step, [...path, index])) {
        if (instance !== undefined) reopenFailed(d, instance.id);
      }
    } else {
      index = p.next;
      p.next += 1;
    }
    if (p.again?.length === 0) delete p.again;
    p.active.push(index);
    p.active.sort((a, b) => a - b);
    d.update(itemId(step, path, index), {
      status: StepStatus.running,
      startedAt: d.at,
    });
    settle(index, driveList(d, step.steps, [...path, index]));
  }
  d.update(step.id, { loop: p });
  if (p.active.length > 0) return "blocked";
  const output = loopOutput(d, step, path, p);
  if (failing(p, policy)) {
    d.update(step.id, { output });
    failStep(d, step.id, loopError(d, step, path, p, policy));
    return "failed";
  }
  succeedStep(d, step.id, output);
  return "done";
}

/**
 * A failed step runs again (a retry): a loop's failed items queue to start
 * again (their own steps reopen when they do), a container that chose its
 * branch goes on (running), anything else starts over (pending).
 */
export function reopenFailed(d: Draft, id: string): void {
  const step = d.step(id);
  if (step.status !== StepStatus.failed) return;
  if (step.kind === "forEach" && step.loop !== undefined) {
    const { loop } = step;
    const parsed = parseInstanceId(id)!;
    for (const index of loop.failed) {
      d.update(instanceId(parsed.stepId, [...parsed.path, index]), {
        status: StepStatus.pending,
        finishedAt: null,
        error: null,
      });
    }
    d.update(id, {
      status: StepStatus.running,
      finishedAt: null,
      error: null,
      output: null,
      // They start again first, `concurrency` at a time, before items not started yet.
      loop: {
        ...loop,
        again: [...(loop.again ?? []), ...loop.failed].sort((a, b) => a - b),
        failed: [],
      },
    });
  } else if (
    step.kind === "parallel" ||
    (step.kind === "if" && step.branch !== null) ||
    // A wait that timed out and whose onTimeout branch failed: the branch goes on.
    (step.kind === "waitFor" && step.branch === "onTimeout")
  ) {
    d.update(id, { status: StepStatus.running, finishedAt: null, error: null });
  } else {
    d.update(id, {
      status: StepStatus.pending,
      attemptsInRound: 0,
      retryAt: null,
      finishedAt: null,
      error: null,
      branch: null,
    });
  }
}

/** The list, or why there is none. */
function readList(d: Draft, step: ForEachStep): unknown[] | StepError {
  let value: unknown;
  try {
    value = cachedProgram(step.forEach).evaluate(d.context(step.id));
  } catch (error) {
    return exprStepError(error, EngineErrorCode.conditionError, "forEach");
  }
  if (!Array.isArray(value)) {
    return {
      code: EngineErrorCode.notAList,
      path: "forEach",
      message: `expected a list, got ${value === null ? "null" : typeof value === "object" ? "a map" : typeof value}`,
    };
  }
  const max = step.maxItems ?? LOOP_DEFAULTS.maxItems;
  if (value.length > max) {
    return {
      code: EngineErrorCode.tooManyItems,
      path: "forEach",
      message: `the list has ${value.length} items; this loop takes at most ${max} (maxItems)`,
    };
  }
  // Items are kept as JSON: a timestamp becomes its text, as in a rendered config.
  return JSON.parse(JSON.stringify(value)) as unknown[];
}

function itemState(id: string, value: unknown): StepState {
  const input = value === undefined ? null : value;
  return { id, kind: ITEM_KIND, status: StepStatus.pending, ...STEP_STATE_DEFAULTS, input };
}

/** The failed share (in %) above which the loop fails; null: any failure (stop, continue). */
function failAbove(policy: ItemFailurePolicy): number | null {
  return typeof policy === "string" ? null : Number.parseFloat(policy.failAbove);
}

function failing(p: LoopProgress, policy: ItemFailurePolicy): boolean {
  const share = failAbove(policy);
  if (share === null) return p.failed.length > 0;
  return p.total > 0 && (p.failed.length * 100) / p.total > share;
}

/** No further item starts: `stop` after a failure, `failAbove` once the share is over. */
function halted(p: LoopProgress, policy: ItemFailurePolicy): boolean {
  return policy === "continue" ? false : failing(p, policy);
}

/** The body's steps (of this item, not of loops inside it) by id. */
function bodyInstances(d: Draft, step: ForEachStep, itemPath: readonly number[]) {
  const body = d.plan.body.get(parseInstanceId(step.id)?.stepId ?? step.id) ?? [];
  return body.map((id) => ({ id, instance: d.state.steps[instanceId(id, itemPath)] }));
}

/** An item's result: what each of its steps gave, by step id. */
function itemResult(d: Draft, step: ForEachStep, itemPath: readonly number[]) {
  const out: Record<string, unknown> = {};
  for (const { id, instance } of bodyInstances(d, step, itemPath)) {
    if (instance?.status === StepStatus.succeeded) out[id] = instance.output;
  }
  return out;
}

/** An item's error: its first failed step's, naming the step. */
function itemError(d: Draft, step: ForEachStep, itemPath: readonly number[]): StepError {
  for (const { id, instance } of bodyInstances(d, step, itemPath)) {
    if (
      instance?.status === StepStatus.failed &&
      instance.error?.code !== EngineErrorCode.branchFailed
    ) {
      return {
        code: instance.error?.code ?? EngineErrorCode.stepFailed,
        message: `step '${id}' failed: ${instance.error?.message ?? "unknown error"}`,
      };
    }
  }
  return { code: EngineErrorCode.stepFailed, message: "a step failed" };
}

function loopOutput(d: Draft, step: ForEachStep, path: readonly number[], p: LoopProgress) {
  const results: unknown[] = [];
  for (let index = 0; index < p.total; index++) {
    const item = d.state.steps[itemId(step, path, index)];
    results.push(item?.status === StepStatus.succeeded ? item.output : null);
  }
  const failed = p.failed.map((index) => ({
    index,
    error: d.state.steps[itemId(step, path, index)]?.error ?? null,
  }));
  return { results, failed };
}

function loopError(
  d: Draft,
  step: ForEachStep,
  path: readonly number[],
  p: LoopProgress,
  policy: ItemFailurePolicy,
): StepError {
  const first = p.failed[0]!;
  const error = d.state.steps[itemId(step, path, first)]?.error;
  const rule =
    typeof policy === "string"
      ? policy === "stop"
        ? "it stops at the first failed item"
        : "every item ran"
      : `more than ${policy.failAbove} failed`;
  const notStarted = p.total - p.next + (p.again?.length ?? 0);
  return {
    code: EngineErrorCode.itemsFailed,
    message: `${p.failed.length} of ${p.total} items failed (${rule}${notStarted > 0 ? `; ${notStarted} not started` : ""}); item ${first}: ${error?.message ?? "failed"}`,
  };
}
