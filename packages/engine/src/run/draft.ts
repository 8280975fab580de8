// A mutable working copy of a run's state for one transition. The input
// state is never mutated: the draft copies the state shallowly and replaces
// each step object it changes, so unchanged parts (the definition snapshot)
// are shared and a transition costs little.

import type { StepView } from "../context/context.ts";
import { buildContext } from "../context/context.ts";
import type { Causation } from "../loop-guard/causation.ts";
import { childCausation } from "../loop-guard/causation.ts";
import type { Command, TimelineEntry, TimelineKind } from "./inputs.ts";
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
    this.state = { ...base, steps: { ...base.steps }, timers: [...base.timers] };
    this.plan = planOf(base.definition);
  }

  step(id: string): StepState {
    const step = this.state.steps[id];
    if (step === undefined) throw new Error(`run ${this.state.runId} has no step ${id}`);
    return step;
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

  /** The expression context as of now: finished steps only. */
  context(): Record<string, unknown> {
    const steps: Record<string, StepView> = {};
    for (const id of this.plan.order) {
      const step = this.state.steps[id];
      if (step === undefined) continue;
      if (
        step.status === StepStatus.succeeded ||
        step.status === StepStatus.failed ||
        step.status === StepStatus.skipped
      ) {
        steps[id] = { status: step.status, output: step.output, error: step.error };
      }
    }
    return buildContext({
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
  }
}
