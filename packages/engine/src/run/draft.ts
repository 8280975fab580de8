// A mutable working copy of a run's state for one transition. The input
// state is never mutated: the draft copies the state shallowly and replaces
// each step object it changes, so unchanged parts (the definition snapshot)
// are shared and a transition costs little.

import type { StepView } from "../context/context.ts";
import { buildContext } from "../context/context.ts";
import { LOOP_DEFAULTS, LOOP_INDEX_NAME } from "../definition/limits.ts";
import type { Step } from "../definition/types.ts";
import { isForEachStep } from "../definition/types.ts";
import type { Causation } from "../loop-guard/causation.ts";
import { childCausation } from "../loop-guard/causation.ts";
import { freshStep } from "./create-run.ts";
import type { Command, TimelineEntry, TimelineKind } from "./inputs.ts";
import { instanceId, parseInstanceId } from "./instances.ts";
import type { Plan } from "./plan.ts";
import { planOf } from "./plan.ts";
import type { RunState, RunStatus, StepError, StepState, Timer } from "./state.ts";
import { StepStatus } from "./state.ts";

export class Draft {
  readonly state: RunState;
  readonly commands: Command[] = [];
  plan: Plan;

  constructor(
    base: RunState,
    readonly at: number,
  ) {
    // A for-in copy: a run with a long loop holds many states, and this is
    // the fastest shallow copy of a large (dictionary-mode) object.
    const steps: Record<string, StepState> = {};
    for (const id in base.steps) steps[id] = base.steps[id]!;
    this.state = { ...base, steps, timers: [...base.timers] };
    this.plan = planOf(base.definition);
  }

  step(id: string): StepState {
    const step = this.state.steps[id];
    if (step === undefined) throw new Error(`run ${this.state.runId} has no step ${id}`);
    return step;
  }

  /** A step instance's state, made (pending) when its item first reaches it. */
  ensure(step: Step): StepState {
    const existing = this.state.steps[step.id];
    if (existing !== undefined) return existing;
    const made = freshStep(step);
    this.state.steps[step.id] = made;
    return made;
  }

  /** Adds a state (an item's). */
  put(state: StepState): void {
    this.state.steps[state.id] = state;
  }

  update(id: string, patch: Partial<StepState>): StepState {
    const next = { ...this.step(id), ...patch };
    this.state.steps[id] = next;
    return next;
  }

  setTimer(timer: Timer): void {
    this.state.timers = [...this.state.timers.filter((t) => t.id !== timer.id), timer].sort(
      (a, b) => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    );
    this.commands.push({
      type: "setTimer",
      timerId: timer.id,
      at: timer.at,
      stepId: timer.stepId,
      purpose: timer.purpose,
    });
  }

  cancelTimer(id: string): void {
    if (!this.state.timers.some((t) => t.id === id)) return;
    this.state.timers = this.state.timers.filter((t) => t.id !== id);
    this.commands.push({ type: "cancelTimer", timerId: id });
  }

  /** Removes a timer that has fired (no command: the shell knows it fired). */
  consumeTimer(id: string): Timer | undefined {
    const timer = this.state.timers.find((t) => t.id === id);
    if (timer) this.state.timers = this.state.timers.filter((t) => t.id !== id);
    return timer;
  }

  timeline(kind: TimelineKind, extra: Omit<TimelineEntry, "at" | "kind"> = {}): void {
    this.commands.push({ type: "timeline", entry: { at: this.at, kind, ...extra } });
  }

  finish(status: RunStatus, error: StepError | null): void {
    for (const timer of this.state.timers)
      this.commands.push({ type: "cancelTimer", timerId: timer.id });
    this.state.timers = [];
    this.state.status = status;
    this.state.finishedAt = this.at;
    this.state.error = error;
    this.timeline("run.finished", { message: status });
    this.commands.push({ type: "finish", status, at: this.at, error });
  }

  /** The causation of events this run emits. */
  childCausation(): Causation {
    return childCausation(this.state.causation, {
      workflowId: this.state.workflowId,
      runId: this.state.runId,
    });
  }

  /**
   * The expression context as of now: finished steps only. For a step
   * inside a loop (`forId` is its instance id), its item's steps stand
   * under their own ids, and each loop's item and `index` are bound.
   */
  context(forId?: string): Record<string, unknown> {
    const scope = forId === undefined ? null : parseInstanceId(forId);
    const path = scope?.path ?? [];
    const chain = scope === null ? [] : (this.plan.loops.get(scope.stepId) ?? []);
    const steps: Record<string, StepView> = {};
    for (const id of this.plan.order) {
      const loops = this.plan.loops.get(id)!;
      // Visible: outside loops, or inside the loops around `forId` (this item's instance).
      if (loops.length > chain.length || loops.some((l, i) => chain[i] !== l)) continue;
      const step = this.state.steps[instanceId(id, path.slice(0, loops.length))];
      if (step === undefined) continue;
      if (
        step.status === StepStatus.succeeded ||
        step.status === StepStatus.failed ||
        step.status === StepStatus.skipped
      ) {
        steps[id] = { status: step.status, output: step.output, error: step.error };
      }
    }
    const context = buildContext({
      event: this.state.event,
      workflow: {
        id: this.state.workflowId,
        version: this.state.version,
        name: this.state.definition.name,
      },
      runId: this.state.runId,
      now: this.state.now,
      steps,
    });
    chain.forEach((loopId, depth) => {
      const loop = this.plan.byId.get(loopId)?.step;
      const item = this.state.steps[instanceId(loopId, path.slice(0, depth + 1))];
      if (loop === undefined || !isForEachStep(loop) || item === undefined) return;
      context[loop.as ?? LOOP_DEFAULTS.as] = item.input;
      context[LOOP_INDEX_NAME] = path[depth];
    });
    return context;
  }
}
