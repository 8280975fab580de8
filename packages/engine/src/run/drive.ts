// Drives a run as far as it can go. It walks the definition from the top on
// every transition: finished steps are passed over, pending ones start, open
// ones block. A pure function of the state, so re-driving changes nothing.
// Inside a loop, a step is driven as the instance of one item (`path` holds
// the item indexes, run/instances.ts); a loop drives only its open items.
import type { Step } from "../definition/types.ts";
import {
  isActionStep,
  isDelayStep,
  isForEachStep,
  isIfStep,
  isParallelStep,
  isWaitForStep,
} from "../definition/types.ts";
import { evaluateCondition } from "../matching/filter.ts";
import { parseDuration } from "../util/duration.ts";
import { dispatchAttempt, failStep, succeedStep, timerId } from "./attempts.ts";
import type { Draft } from "./draft.ts";
import { instanceId, instancesOf, scoped } from "./instances.ts";
import { continueLoop, startLoop } from "./loop.ts";
import type { StepError } from "./state.ts";
import { EngineErrorCode, RunStatus, StepStatus } from "./state.ts";
import { openWait } from "./wait-open.ts";

export type Progress = "done" | "failed" | "blocked";

/** Drives the whole run and settles its status; finishes it when it ends. */
export function driveRun(d: Draft): void {
  const progress = driveList(d, d.state.definition.steps, []);
  switch (progress) {
    case "done":
      d.finish(RunStatus.succeeded, null);
      return;
    case "failed":
      d.finish(RunStatus.failed, runError(d));
      return;
    case "blocked":
      d.state.status = hasRunningLeaf(d) ? RunStatus.running : RunStatus.waiting;
      return;
  }
}

/** Drives a list of steps as the instances at `path` (empty outside loops). */
export function driveList(d: Draft, steps: readonly Step[], path: readonly number[]): Progress {
  for (const step of steps) {
    const progress = driveStep(d, scoped(step, path), path);
    if (progress !== "done") return progress;
  }
  return "done";
}

function driveStep(d: Draft, step: Step, path: readonly number[]): Progress {
  const state = d.ensure(step);
  switch (state.status) {
    case StepStatus.succeeded:
    case StepStatus.skipped:
      return "done";
    case StepStatus.failed:
    case StepStatus.cancelled:
      return "failed";
    case StepStatus.pending:
      return startStep(d, step, path);
    case StepStatus.running:
    case StepStatus.waiting:
      return continueStep(d, step, path);
  }
}

function startStep(d: Draft, step: Step, path: readonly number[]): Progress {
  if (isActionStep(step)) return dispatchAttempt(d, step) ? "blocked" : "failed";
  if (isDelayStep(step)) {
    const ms = parseDuration(step.delay) ?? 0;
    const attempt = d.step(step.id).attempt + 1;
    d.update(step.id, { status: StepStatus.waiting, startedAt: d.at, attempt });
    d.setTimer({
      id: timerId(step.id, "delay", attempt),
      at: d.at + ms,
      stepId: step.id,
      purpose: "delay",
      attempt,
    });
    d.timeline("step.waiting", { stepId: step.id, message: `delay ${step.delay}` });
    return "blocked";
  }
  if (isWaitForStep(step)) {
    openWait(d, step);
    return "blocked";
  }
  if (isForEachStep(step)) return startLoop(d, step, path, driveList);
  if (isIfStep(step)) {
    const outcome = evaluateCondition(
      step.if,
      d.context(step.id),
      EngineErrorCode.conditionError,
      "if",
    );
    d.update(step.id, { startedAt: d.at });
    if (!outcome.ok) {
      failStep(d, step.id, outcome.error);
      return "failed";
    }
    const branch = outcome.value ? "then" : "else";
    d.update(step.id, { status: StepStatus.running, branch });
    d.timeline("step.started", { stepId: step.id, message: `branch ${branch}` });
    return continueStep(d, step, path);
  }
  d.update(step.id, { status: StepStatus.running, startedAt: d.at });
  d.timeline("step.started", { stepId: step.id });
  return continueStep(d, step, path);
}

function continueStep(d: Draft, step: Step, path: readonly number[]): Progress {
  if (isIfStep(step)) {
    const branch = d.step(step.id).branch;
    const chosen = branch === "then" ? step.then : (step.else ?? []);
    skipPending(d, branch === "then" ? (step.else ?? []) : step.then, path);
    const progress = driveList(d, chosen, path);
    if (progress === "done") succeedStep(d, step.id, { branch });
    if (progress === "failed") failStep(d, step.id, branchFailed(d, chosen, path));
    return progress;
  }
  if (isParallelStep(step)) {
    // Every lane is driven, so a failure in one never stops the others.
    const results = step.parallel.map((lane) => driveList(d, lane, path));
    if (results.includes("blocked")) return "blocked";
    if (results.includes("failed")) {
      failStep(d, step.id, branchFailed(d, step.parallel.flat(), path));
      return "failed";
    }
    succeedStep(d, step.id, null);
    return "done";
  }
  if (isWaitForStep(step)) {
    const state = d.step(step.id);
    // Waiting: an event, the timeout or a cancel moves it on.
    if (state.status === StepStatus.waiting || state.branch !== "onTimeout") return "blocked";
    const branch = step.onTimeout ?? [];
    const progress = driveList(d, branch, path);
    if (progress === "done") succeedStep(d, step.id, state.output ?? { timedOut: true });
    if (progress === "failed") failStep(d, step.id, branchFailed(d, branch, path));
    return progress;
  }
  if (isForEachStep(step)) return continueLoop(d, step, path, driveList);
  return "blocked";
}

/** Marks every pending step of an untaken branch skipped. */
export function skipPending(d: Draft, steps: readonly Step[], path: readonly number[]): void {
  for (const step of instancesOf(d.plan, steps, path)) {
    if (d.ensure(step).status === StepStatus.pending) {
      d.update(step.id, { status: StepStatus.skipped, finishedAt: d.at });
      d.timeline("step.skipped", { stepId: step.id });
    }
  }
}

function branchFailed(d: Draft, steps: readonly Step[], path: readonly number[]): StepError {
  const failed = instancesOf(d.plan, steps, path)
    .map((s) => s.id)
    .filter((id) => d.state.steps[id]?.status === StepStatus.failed);
  return {
    code: EngineErrorCode.branchFailed,
    message: `failed: ${failed.join(", ")}`,
  };
}

function runError(d: Draft): StepError {
  for (const id of d.state.order) {
    const step = d.state.steps[id];
    if (step?.status === StepStatus.failed && step.error?.code !== EngineErrorCode.branchFailed) {
      const error: StepError = {
        code: EngineErrorCode.stepFailed,
        message: `step '${id}' failed: ${step.error?.message ?? "unknown error"}`,
      };
      return error;
    }
  }
  return { code: EngineErrorCode.stepFailed, message: "a step failed" };
}

/** True when an action step is in flight or between attempts. */
function hasRunningLeaf(d: Draft): boolean {
  return runningIn(d, d.plan.top, []);
}

/** Looks at the steps at `path` and, inside loops, at their items in flight only. */
function runningIn(d: Draft, ids: readonly string[], path: readonly number[]): boolean {
  for (const id of ids) {
    const step = d.state.steps[instanceId(id, path)];
    if (step === undefined) continue;
    if (step.kind === "action" && step.status === StepStatus.running) return true;
    if (step.kind !== "forEach" || step.loop === undefined) continue;
    const body = d.plan.body.get(id) ?? [];
    for (const index of step.loop.active) if (runningIn(d, body, [...path, index])) return true;
  }
  return false;
}
