// The simulated world: a queue that delays, duplicates, reorders and drops
// messages; run shells that persist state + outbox in one step and crash
// before, between or during it; executors that fail, hang, or apply their
// effect and crash before reporting; people who decide, cancel and retry.
// Everything random comes from one seeded Prng.
import type { EventEnvelope } from "../../src/context/context.ts";
import type { WorkflowDefinition } from "../../src/definition/types.ts";
import type { Causation } from "../../src/loop-guard/causation.ts";
import { DEFAULT_MAX_DEPTH, rootCausation } from "../../src/loop-guard/causation.ts";
import { WorkflowIndex } from "../../src/matching/workflow-index.ts";
import { advance } from "../../src/run/advance.ts";
import { createRun } from "../../src/run/create-run.ts";
import type { Command, RunInput } from "../../src/run/inputs.ts";
import type { RunState } from "../../src/run/state.ts";
import { Executor } from "./executor.ts";
import type { Coverage } from "./invariants.ts";
import { checkJsonRoundTrip, checkTransition, count, InvariantViolation } from "./invariants.ts";
import type { Prng } from "./prng.ts";
import { fixFailedSteps } from "./versions.ts";

type Dispatch = Extract<Command, { type: "dispatch" }>;
type InputWithoutTime = RunInput extends infer I
  ? I extends RunInput
    ? Omit<I, "at">
    : never
  : never;

type Message =
  | { kind: "input"; runId: string; input: InputWithoutTime }
  | { kind: "alarm"; runId: string }
  | { kind: "recover"; runId: string }
  | { kind: "action"; dispatch: Dispatch }
  | { kind: "event"; event: EventEnvelope; causation: Causation };

interface Queued {
  at: number;
  seq: number;
  message: Message;
}

export interface Faults {
  duplicate: number;
  drop: number;
  crashBeforePersist: number;
  crashAfterPersist: number;
  crashDuringFlush: number;
}

export const DEFAULT_FAULTS: Faults = {
  duplicate: 0.1,
  drop: 0.02,
  crashBeforePersist: 0.03,
  crashAfterPersist: 0.03,
  crashDuringFlush: 0.02,
};

/** Commands the run object carries out in its own storage (nothing to crash between). */
const LOCAL_COMMANDS: ReadonlySet<Command["type"]> = new Set([
  "setTimer",
  "cancelTimer",
  "timeline",
]);

/** A run's Durable Object: durable state + outbox; everything else is lost on a crash. */
class Shell {
  outbox: Command[] = [];
  crashed = false;
  persistedSeq: number;
  readonly everSucceeded = new Set<string>();
  retries = 0;

  /**
   * What storage holds: the state persisted last. It is written out as JSON
   * only when it is read back (after a crash), which is the same as writing
   * it at every persist because a transition never mutates its input state.
   */
  private written: RunState;
  private json: string | null = null;
  /** The object's in-memory copy of what it stored; lost on a crash. */
  private memory: RunState | null;

  constructor(state: RunState) {
    this.written = state;
    this.persistedSeq = state.seq;
    this.memory = state;
  }

  /** The state as stored: read back from storage (JSON) after a crash. */
  load(): RunState {
    if (this.memory === null) {
      this.json ??= JSON.stringify(this.written);
      const read = JSON.parse(this.json) as RunState;
      // Every fourth crash or so (comparing costs as much as the round trip); every run at the end.
      if (read.seq % 4 === 0)
        checkJsonRoundTrip(this.written, read, `run ${read.runId} read back after a crash`);
      this.memory = read;
    }
    return this.memory;
  }

  persist(state: RunState): void {
    this.written = state;
    this.json = null;
    this.persistedSeq = state.seq;
    this.memory = state;
  }

  forget(): void {
    this.memory = null;
  }
}

export class World {
  now = 0;
  private seq = 0;
  private readonly queue: Queued[] = [];
  readonly shells = new Map<string, Shell>();
  private readonly index = new WorkflowIndex();
  private readonly versions = new Map<string, WorkflowDefinition[]>();
  private readonly seenEvents = new Set<string>();
  readonly executor: Executor;
  readonly trace: string[] = [];
  readonly coverage: Coverage = {};
  delivered = 0;

  constructor(
    private readonly rng: Prng,
    private readonly faults: Faults = DEFAULT_FAULTS,
    readonly maxDepth = DEFAULT_MAX_DEPTH,
  ) {
    this.executor = new Executor(rng, (runId, input, delay, droppable) =>
      this.send({ kind: "input", runId, input }, delay, droppable),
    );
  }

  publish(workflowId: string, definition: WorkflowDefinition): number {
    const list = this.versions.get(workflowId) ?? [];
    list.push(definition);
    this.versions.set(workflowId, list);
    this.index.upsert({ workflowId, version: list.length, definition });
    return list.length;
  }

  emitExternal(event: EventEnvelope, delay: number): void {
    this.enqueue({ kind: "event", event, causation: rootCausation(event.id) }, delay);
  }

  /** Delivers messages until none is left or the budget runs out. */
  run(budget: number): void {
    while (this.queue.length > 0) {
      if (this.delivered++ >= budget)
        throw new InvariantViolation(`no quiescence after ${budget} messages`);
      let best = 0;
      for (let i = 1; i < this.queue.length; i++) {
        const a = this.queue[i]!;
        const b = this.queue[best]!;
        if (a.at < b.at || (a.at === b.at && a.seq < b.seq)) best = i;
      }
      const [next] = this.queue.splice(best, 1);
      this.now = Math.max(this.now, next!.at);
      this.deliver(next!.message);
    }
  }

  private enqueue(message: Message, delay: number): void {
    this.queue.push({ at: this.now + Math.max(0, Math.round(delay)), seq: this.seq++, message });
  }

  /** An unreliable send: jittered (so reordered), sometimes duplicated, sometimes dropped. */
  private send(message: Message, delay: number, droppable: boolean): void {
    if (droppable && this.rng.chance(this.faults.drop)) return;
    this.enqueue(message, delay + this.rng.int(0, 500));
    if (this.rng.chance(this.faults.duplicate))
      this.enqueue(message, delay + this.rng.int(0, 5_000));
  }

  private deliver(message: Message): void {
    switch (message.kind) {
      case "event":
        this.ingest(message.event, message.causation);
        return;
      case "action":
        this.executor.execute(message.dispatch);
        return;
      case "input":
        this.transition(message.runId, { ...message.input, at: this.now } as RunInput, message);
        return;
      case "alarm":
        this.alarm(message.runId);
        return;
      case "recover":
        this.recover(message.runId);
        return;
    }
  }

  private ingest(event: EventEnvelope, causation: Causation): void {
    if (this.seenEvents.has(event.id)) return;
    this.seenEvents.add(event.id);
    this.trace.push(`event ${event.id} ${event.type} depth ${causation.depth}`);
    for (const match of this.index.match(event, causation, {
      now: this.now,
      maxDepth: this.maxDepth,
    })) {
      const runId = `${event.id}~${match.workflowId}`;
      if (this.shells.has(runId)) continue;
      if (match.decision === "start") {
        if (causation.chain.some((link) => link.workflowId === match.workflowId)) {
          throw new InvariantViolation(
            `loop guard: ${match.workflowId} started again in its own chain`,
          );
        }
        if (causation.depth >= this.maxDepth)
          throw new InvariantViolation(`loop guard: depth ${causation.depth}`);
      }
      const state = createRun({
        runId,
        workflowId: match.workflowId,
        version: match.version,
        definition: match.definition,
        event,
        causation,
        now: this.now,
        filter: match.filter,
        ...(match.suppression !== null ? { suppression: match.suppression } : {}),
      });
      this.shells.set(runId, new Shell(state));
      this.send({ kind: "input", runId, input: { type: "start" } }, 0, false);
      if (this.rng.chance(0.04)) {
        this.send(
          { kind: "input", runId, input: { type: "cancel", by: "someone" } },
          this.rng.int(0, 3_600_000),
          false,
        );
      }
    }
  }

  private crash(shell: Shell, runId: string): void {
    if (
      Object.values(shell.load().steps).some((s) => s.kind === "forEach" && s.status === "running")
    )
      count(this.coverage, "crash mid-loop");
    shell.crashed = true;
    shell.forget();
    this.trace.push(`crash ${runId}`);
    // The platform restarts the object (its alarm or the next request).
    this.enqueue({ kind: "recover", runId }, this.rng.int(1, 2_000));
  }

  private recover(runId: string): void {
    const shell = this.shells.get(runId)!;
    if (!shell.crashed) return;
    shell.crashed = false;
    this.flush(shell, runId);
  }

  private transition(runId: string, input: RunInput, message: Message | null): boolean {
    const shell = this.shells.get(runId)!;
    if (shell.crashed) this.recover(runId);
    if (shell.crashed) return false;
    const pre = shell.load();
    const result = advance(pre, input);
    checkTransition(pre, input, result, shell.everSucceeded, this.coverage);
    if (result.ignored !== null) {
      if ("stepId" in input && input.stepId.includes("["))
        count(this.coverage, "item step input ignored (stale or duplicate)");
      return true;
    }
    if (input.type === "retryRequested") {
      for (const step of Object.values(pre.steps)) {
        if (step.kind !== "forEach" || step.status !== "failed") continue;
        if (step.loop === undefined) {
          if (input.to !== undefined)
            count(this.coverage, "unread loop list moved to a new version");
        } else if (step.loop.failed.length > 0)
          count(this.coverage, "loop retried with failed items");
      }
    }
    const redeliver = (): void => {
      if (message !== null) this.enqueue(message, this.rng.int(100, 3_000));
    };
    if (this.rng.chance(this.faults.crashBeforePersist)) {
      this.crash(shell, runId);
      redeliver();
      return false;
    }
    if (result.state.seq <= shell.persistedSeq)
      throw new InvariantViolation(`${runId}: checkpoint went back`);
    shell.persist(result.state);
    for (const [id, step] of Object.entries(result.state.steps)) {
      if (step.status === "succeeded") shell.everSucceeded.add(id);
    }
    shell.outbox.push(...result.commands);
    this.trace.push(`${runId} ${input.type} → ${result.state.status}#${result.state.seq}`);
    if (this.rng.chance(this.faults.crashAfterPersist)) {
      this.crash(shell, runId);
      redeliver();
      return false;
    }
    this.flush(shell, runId);
    return true;
  }

  /**
   * Carries out the outbox; a crash midway leaves it to be carried out again.
   * It may crash before each command that reaches outside the object: as in
   * the real one, timers and timeline entries are only its own storage.
   */
  private flush(shell: Shell, runId: string): void {
    while (shell.outbox.length > 0) {
      if (
        !LOCAL_COMMANDS.has(shell.outbox[0]!.type) &&
        this.rng.chance(this.faults.crashDuringFlush)
      ) {
        this.crash(shell, runId);
        return;
      }
      this.carryOut(shell, runId, shell.outbox[0]!);
      shell.outbox.shift();
    }
    const [first] = shell.load().timers;
    if (first !== undefined)
      this.enqueue({ kind: "alarm", runId }, Math.max(0, first.at - this.now));
  }

  private carryOut(shell: Shell, runId: string, command: Command): void {
    switch (command.type) {
      case "dispatch":
        this.send({ kind: "action", dispatch: command }, 0, true);
        return;
      case "emitEvent":
        this.send(
          {
            kind: "event",
            event: {
              id: command.eventId,
              type: command.eventType,
              data: command.data,
              occurredAt: new Date(this.now).toISOString(),
            },
            causation: command.causation,
          },
          0,
          false,
        );
        return;
      case "finish":
        if (command.status === "failed" && shell.retries < 2 && this.rng.chance(0.7)) {
          shell.retries++;
          this.scheduleRetry(shell, runId);
        }
        return;
      case "setTimer":
      case "cancelTimer":
      case "timeline":
      case "closeApproval":
        return;
    }
  }

  private scheduleRetry(shell: Shell, runId: string): void {
    const state = shell.load();
    const delay = this.rng.int(1_000, 1_800_000);
    if (this.rng.chance(0.35)) {
      // Publish a fixed version: failed steps get a config that renders.
      const next = fixFailedSteps(state, this.rng.chance(0.2));
      const version = this.publish(state.workflowId, next);
      this.send(
        {
          kind: "input",
          runId,
          input: { type: "retryRequested", to: { version, definition: next } },
        },
        delay,
        false,
      );
    } else {
      this.send({ kind: "input", runId, input: { type: "retryRequested" } }, delay, false);
    }
  }

  private alarm(runId: string): void {
    const shell = this.shells.get(runId)!;
    if (shell.crashed) this.recover(runId);
    if (shell.crashed) return;
    for (const timer of shell.load().timers) {
      if (timer.at > this.now) break;
      if (
        !this.transition(
          runId,
          { type: "timerFired", timerId: timer.id, random: this.rng.next(), at: this.now },
          null,
        )
      ) {
        // The platform retries a failed alarm.
        this.enqueue({ kind: "alarm", runId }, this.rng.int(100, 2_000));
        return;
      }
    }
  }
}
