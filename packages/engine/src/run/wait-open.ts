// A waitFor step opens and times out (issue 15, part 3): see waits.ts.
import type { EventEnvelope } from "../context/context.ts";
import type { WaitForStep } from "../definition/types.ts";
import { waitTypes } from "../definition/types.ts";
import { parseDuration } from "../util/duration.ts";
import { openKeys } from "../waits/keys.ts";
import { timerId } from "./attempts.ts";
import type { Draft } from "./draft.ts";
import { instancesOf, parseInstanceId } from "./instances.ts";
import { StepStatus } from "./state.ts";

/** Opens the wait: the step waits, its timeout is set and the store is told. */
export function openWait(d: Draft, step: WaitForStep): void {
  const ms = parseDuration(step.waitFor.timeout) ?? 0;
  const attempt = d.step(step.id).attempt + 1;
  const types = waitTypes(step.waitFor);
  const match = step.waitFor.match ?? null;
  const keys = openKeys(match, d.context(step.id));
  const deadline = d.at + ms;
  d.update(step.id, {
    status: StepStatus.waiting,
    startedAt: d.at,
    attempt,
    branch: null,
    input: { event: types, match, keys, timeout: step.waitFor.timeout },
  });
  d.setTimer({
    id: timerId(step.id, "wait", attempt),
    at: deadline,
    stepId: step.id,
    purpose: "wait",
    attempt,
  });
  d.commands.push({
    type: "openWait",
    stepId: step.id,
    events: types,
    match,
    keys,
    deadline,
    triggerEventId: d.state.event.id,
    since: d.state.now,
  });
  d.timeline("step.waiting", { stepId: step.id, message: `waiting for ${types.join(" or ")}` });
}

/** The output of a step an event resumed. */
export function waitOutput(event: EventEnvelope): Record<string, unknown> {
  return { id: event.id, type: event.type, data: event.data, occurredAt: event.occurredAt };
}

/** The wait's timer fired (or it was cancelled): the onTimeout branch runs next. */
export function timeOut(d: Draft, stepId: string, output: Record<string, unknown>): void {
  d.update(stepId, { status: StepStatus.running, branch: "onTimeout", output });
  d.commands.push({ type: "closeWait", stepId });
  d.timeline("step.started", {
    stepId,
    message: output.cancelled === true ? "wait cancelled: onTimeout" : "timed out: onTimeout",
  });
}

export function skipTimeoutBranch(d: Draft, step: WaitForStep): void {
  const path = parseInstanceId(step.id)?.path ?? [];
  for (const inner of instancesOf(d.plan, step.onTimeout ?? [], path)) {
    if (d.ensure(inner).status === StepStatus.pending) {
      d.update(inner.id, { status: StepStatus.skipped, finishedAt: d.at });
      d.timeline("step.skipped", { stepId: inner.id });
    }
  }
}
