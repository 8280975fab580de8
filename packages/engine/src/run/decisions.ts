// Decision actions (approvals): the request opens, then a decision or the
// timeout ends the step. A decision may reach the run before the request's
// confirmation does; it is kept and applied when the confirmation arrives.
import { getAction } from "../catalogue/registry.ts";
import type { ActionStep } from "../definition/types.ts";
import { isActionStep } from "../definition/types.ts";
import { decisionWaitMs, succeedStep, timerId } from "./attempts.ts";
import { Draft } from "./draft.ts";
import { driveRun } from "./drive.ts";
import type { AdvanceResult } from "./inputs.ts";
import { stepAt } from "./instances.ts";
import type { DecisionRecord, RunState, StepState } from "./state.ts";
import { StepStatus } from "./state.ts";
import { done, ignore, isOpen } from "./transition.ts";

export function onSucceeded(d: Draft, step: ActionStep, output: unknown): void {
  const current = d.step(step.id);
  d.cancelTimer(timerId(step.id, "timeout", current.attempt));
  if (getAction(step.action)?.completion !== "decision") {
    succeedStep(d, step.id, output);
    return;
  }
  // The request is open (the approval exists): wait for its decision.
  if (current.earlyDecision !== null) {
    succeedStep(d, step.id, decisionOutput(output, current.earlyDecision));
    return;
  }
  const waitMs = decisionWaitMs(step, current.input) ?? 0;
  d.update(step.id, { status: StepStatus.waiting, output });
  d.setTimer({
    id: timerId(step.id, "decision", current.attempt),
    at: d.at + waitMs,
    stepId: step.id,
    purpose: "decision",
    attempt: current.attempt,
  });
  d.timeline("step.waiting", { stepId: step.id, message: "waiting for a decision" });
}

export function decisionOutput(
  requested: unknown,
  decision: DecisionRecord | null,
): Record<string, unknown> {
  const base =
    requested !== null && typeof requested === "object"
      ? (requested as Record<string, unknown>)
      : {};
  return {
    ...base,
    approvalId: typeof base.approvalId === "string" ? base.approvalId : null,
    decision: decision?.decision ?? "expired",
    decidedBy: decision?.decidedBy ?? null,
    comment: decision?.comment ?? null,
  };
}

export function approvalIdOf(step: StepState): string | null {
  const output = step.output;
  if (output !== null && typeof output === "object") {
    const id = (output as Record<string, unknown>).approvalId;
    if (typeof id === "string") return id;
  }
  return null;
}

export function onDecision(
  state: RunState,
  stepId: string,
  at: number,
  decision: DecisionRecord,
): AdvanceResult {
  if (!isOpen(state)) return ignore(state, "run_finished", `the run is ${state.status}`);
  const current = state.steps[stepId];
  const step = stepAt(state.definition, stepId);
  if (current === undefined || step === undefined || !isActionStep(step)) {
    return ignore(state, "unknown_step", `no action step ${stepId}`);
  }
  if (getAction(step.action)?.completion !== "decision") {
    return ignore(state, "not_expected", `step ${stepId} does not wait for a decision`);
  }
  const d = new Draft(state, at);
  if (current.status === StepStatus.waiting) {
    d.cancelTimer(timerId(stepId, "decision", current.attempt));
    succeedStep(d, stepId, decisionOutput(current.output, decision));
    driveRun(d);
    return done(d);
  }
  if (current.status === StepStatus.running && current.earlyDecision === null) {
    // Decided before the request's confirmation reached the run: keep it.
    d.update(stepId, { earlyDecision: decision });
    return done(d);
  }
  return ignore(state, "not_expected", `step ${stepId} is not waiting for a decision`);
}
