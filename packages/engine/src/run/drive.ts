// Drives a run as far as it can go. It walks the definition from the top on
// every transition: finished steps are passed over, pending ones start, open
// ones block. A pure function of the state, so re-driving changes nothing.
import type { Step } from "../definition/types.ts";
import {
  isActionStep,
  isDelayStep,
  isIfStep,
  isParallelStep,
  isWaitForStep,
} from "../definition/types.ts";
import { flattenSteps } from "../definition/walk.ts";
import { evaluateCondition } from "../matching/filter.ts";
import { parseDuration } from "../util/duration.ts";
import { dispatchAttempt, failStep, succeedStep, timerId } from "./attempts.ts";
import type { Draft } from "./draft.ts";
import type { StepError } from "./state.ts";
import { EngineErrorCode, RunStatus, StepStatus } from "./state.ts";
import { openWait } from "./wait-open.ts";

type Progress = "done" | "failed" | "blocked";

/** Drives the whole run and settles its status; finishes it when it ends. */
export function driveRun(d: Draft): void {
  const progress = driveList(d, d.state.definition.steps);
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

function driveList(d: Draft, steps: readonly Step[]): Progress {
  for (const step of steps) {
    const progress = driveStep(d, step);
    if (progress !== "done") return progress;
  }
  return "done";
}

function driveStep(d: Draft, step: Step): Progress {
  const state = d.step(step.id);
  switch (state.status) {
    case StepStatus.succeeded:
    case StepStatus.skipped:
      return "done";
    case StepStatus.failed:
    case StepStatus.cancelled:
      return "failed";
    case StepStatus.pending:
      return startStep(d, step);
    case StepStatus.running:
    case StepStatus.waiting:
      return continueStep(d, step);
  }
}

function startStep(d: Draft, step: Step): Progress {
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
  if (isIfStep(step)) {
    const outcome = evaluateCondition(step.if, d.context(), EngineErrorCode.conditionError, "if");
    d.update(step.id, { startedAt: d.at });
    if (!outcome.ok) {
      failStep(d, step.id, outcome.error);
      return "failed";
    }
    const branch = outcome.value ? "then" : "else";
    d.update(step.id, { status: StepStatus.running, branch });
    d.timeline("step.started", { stepId: step.id, message: `branch ${branch}` });
    return continueStep(d, step);
  }
  d.update(step.id, { status: StepStatus.running, startedAt: d.at });
  d.timeline("step.started", { stepId: step.id });
  return continueStep(d, step);
}

function continueStep(d: Draft, step: Step): Progress {
  if (isIfStep(step)) {
    const branch = d.step(step.id).branch;
    const chosen = branch === "then" ? step.then : (step.else ?? []);
    skipPending(d, branch === "then" ? (step.else ?? []) : step.then);
    const progress = driveList(d, chosen);
    if (progress === "done") succeedStep(d, step.id, { branch });
    if (progress === "failed") failStep(d, step.id, branchFailed(d, chosen));
    return progress;
  }
  if (isParallelStep(step)) {
    // Every lane is driven, so a failure in one never stops the others.
    const results = step.parallel.map((lane) => driveList(d, lane));
    if (results.includes("blocked")) return "blocked";
    if (results.includes("failed")) {
      failStep(d, step.id, branchFailed(d, step.parallel.flat()));
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
    const progress = driveList(d, branch);
    if (progress === "done") succeedStep(d, step.id, state.output ?? { timedOut: true });
    if (progress === "failed") failStep(d, step.id, branchFailed(d, branch));
    return progress;
  }
  return "blocked";
}

/** Marks every pending step of an untaken branch skipped. */
function skipPending(d: Draft, steps: readonly Step[]): void {
  for (const { step } of flattenSteps({ steps: [...steps] })) {
    if (d.step(step.id).status === StepStatus.pending) {
      d.update(step.id, { status: StepStatus.skipped, finishedAt: d.at });
      d.timeline("step.skipped", { stepId: step.id });
    }
  }
}

function branchFailed(d: Draft, steps: readonly Step[]): StepError {
  const failed = flattenSteps({ steps: [...steps] })
    .map((v) => v.step.id)
    .filter((id) => d.step(id).status === StepStatus.failed);
  return {
    code: EngineErrorCode.branchFailed,
    message: `failed: ${failed.join(", ")}`,
  };
}

function runError(d: Draft): StepError {
  for (const id of d.plan.order) {
    const step = d.step(id);
    if (step.status === StepStatus.failed && step.error?.code !== EngineErrorCode.branchFailed) {
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
  for (const id of d.plan.order) {
    const step = d.step(id);
    if (step.kind === "action" && step.status === StepStatus.running) return true;
  }
  return false;
}
