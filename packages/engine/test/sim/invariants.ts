// The simulation's invariants, checked on every transition and at the end of
// every seed. A violation throws with a message naming run and step.
import type { AdvanceResult, RunInput } from "../../src/run/inputs.ts";
import type { RunState } from "../../src/run/state.ts";
import { isTerminalRunStatus } from "../../src/run/state.ts";

export class InvariantViolation extends Error {}

function fail(message: string): never {
  throw new InvariantViolation(message);
}

/** Checks one transition against its input state. */
export function checkTransition(
  pre: RunState,
  input: RunInput,
  result: AdvanceResult,
  everSucceeded: ReadonlySet<string>,
): void {
  const post = result.state;
  const where = `run ${pre.runId} on ${input.type}`;
  if (result.ignored !== null) {
    if (post !== pre || result.commands.length > 0)
      fail(`${where}: an ignored input changed the run`);
    return;
  }
  // Checkpoints only move forward.
  if (post.seq !== pre.seq + 1) fail(`${where}: seq went ${pre.seq} → ${post.seq}`);
  // Versions never change under a running run.
  if (post.version !== pre.version) {
    if (input.type !== "retryRequested" || pre.status !== "failed") {
      fail(
        `${where}: version changed ${pre.version} → ${post.version} outside a retry of a failed run`,
      );
    }
  }
  if (
    isTerminalRunStatus(pre.status) &&
    !(pre.status === "failed" && input.type === "retryRequested")
  ) {
    fail(`${where}: a ${pre.status} run changed`);
  }
  // A succeeded step never runs again, and keeps its output.
  for (const id of pre.order) {
    const before = pre.steps[id];
    if (before?.status !== "succeeded") continue;
    const after = post.steps[id];
    if (after === undefined) fail(`${where}: succeeded step ${id} disappeared`);
    if (
      after.status !== "succeeded" ||
      JSON.stringify(after.output) !== JSON.stringify(before.output)
    ) {
      fail(`${where}: succeeded step ${id} changed to ${after.status}`);
    }
  }
  for (const command of result.commands) {
    if (command.type !== "dispatch") continue;
    if (everSucceeded.has(command.stepId))
      fail(`${where}: dispatched ${command.stepId}, which had succeeded`);
    if (command.idempotencyKey !== `${pre.runId}:${command.stepId}`) {
      fail(`${where}: idempotency key ${command.idempotencyKey} is not runId:stepId`);
    }
  }
  // Timers: sorted, unique, only for open steps.
  const ids = new Set<string>();
  for (const timer of post.timers) {
    if (ids.has(timer.id)) fail(`${where}: duplicate timer ${timer.id}`);
    ids.add(timer.id);
  }
  if (isTerminalRunStatus(post.status) && post.timers.length > 0) {
    fail(`${where}: a ${post.status} run keeps timers`);
  }
}

/** Checks a run once the world is quiet. */
export function checkQuiescent(state: RunState): void {
  const where = `run ${state.runId}`;
  if (!isTerminalRunStatus(state.status)) {
    fail(
      `${where}: stuck in ${state.status} with ${state.timers.length} timers and nothing in flight`,
    );
  }
  if (state.status === "succeeded") {
    for (const id of state.order) {
      const status = state.steps[id]?.status;
      if (status !== "succeeded" && status !== "skipped")
        fail(`${where}: succeeded with step ${id} ${status}`);
    }
  }
  if (state.status === "failed" && state.error === null) fail(`${where}: failed without an error`);
}
