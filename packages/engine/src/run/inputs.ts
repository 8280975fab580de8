// What goes into `advance` and what comes out. Times (`at`) are ms since the
// epoch, read by the caller; `random` is a number in [0, 1) from the caller's
// random source (jitter). The engine reads neither clock nor randomness.
import type { EventEnvelope } from "../context/context.ts";
import type { WorkflowDefinition } from "../definition/types.ts";
import type { Causation } from "../loop-guard/causation.ts";
import type { RunState, RunStatus, StepError, TimerPurpose } from "./state.ts";

/** An event a step's effect produced (e.g. a record change), to be emitted. */
export interface EmittedEvent {
  type: string;
  data: unknown;
  changes?: Record<string, { old: unknown; new: unknown }>;
}

export type RunInput =
  | { type: "start"; at: number }
  | {
      type: "stepSucceeded";
      stepId: string;
      attempt: number;
      output: unknown;
      /** Events the effect produced; emitted with ids derived from run and step. */
      events?: EmittedEvent[];
      at: number;
    }
  | {
      type: "stepFailed";
      stepId: string;
      attempt: number;
      error: { code: string; message: string };
      retryable: boolean;
      /** The target asked for this pause (HTTP Retry-After). */
      retryAfterMs?: number;
      random?: number;
      at: number;
    }
  | {
      /**
       * The attempt did not run: a shared limit (a connection's rate limit)
       * had no slot free. Another attempt starts after `retryAfterMs`, and
       * this one does not count against the step's retry policy.
       */
      type: "stepDeferred";
      stepId: string;
      attempt: number;
      retryAfterMs: number;
      /** In words, for the timeline: "waiting for connection erp's limit (60 calls a minute)". */
      reason: string;
      at: number;
    }
  | { type: "timerFired"; timerId: string; random?: number; at: number }
  | {
      /**
       * A consumer took the attempt and is about to run it: its timeout
       * counts from now, not from when it was queued, so a queue backlog
       * longer than the timeout never fails a step that did not run.
       */
      type: "attemptClaimed";
      stepId: string;
      attempt: number;
      at: number;
    }
  | {
      type: "approvalDecided";
      stepId: string;
      decision: "approved" | "rejected";
      decidedBy: string | null;
      comment?: string | null;
      at: number;
    }
  | {
      /**
       * An event that may resume a waitFor step (the tenant's store found it
       * by the wait's keys). Applied only while the step waits and its
       * `match` says yes; anything else is ignored, so redeliveries are harmless.
       */
      type: "eventArrived";
      stepId: string;
      event: EventEnvelope;
      at: number;
    }
  | {
      /** DELETE /v1/waits/:runId/:stepId: the wait ends now and takes its timeout branch. */
      type: "waitCancelled";
      stepId: string;
      at: number;
      by?: string;
    }
  | {
      type: "retryRequested";
      /** Move the run to this version first (see checkRetryCompatibility). */
      to?: { version: number; definition: WorkflowDefinition };
      at: number;
    }
  | { type: "cancel"; at: number; by?: string };

export type RunInputType = RunInput["type"];

export const TimelineKind = {
  runStarted: "run.started",
  runFiltered: "run.filtered",
  runSuppressed: "run.suppressed",
  runRetried: "run.retried",
  runCancelled: "run.cancelled",
  runFinished: "run.finished",
  stepStarted: "step.started",
  stepDispatched: "step.dispatched",
  stepWaiting: "step.waiting",
  stepRetryScheduled: "step.retry_scheduled",
  /** An attempt waited for a shared limit (stepDeferred); the next starts later. */
  stepDeferred: "step.deferred",
  stepSucceeded: "step.succeeded",
  stepFailed: "step.failed",
  stepSkipped: "step.skipped",
  stepCancelled: "step.cancelled",
} as const;
export type TimelineKind = (typeof TimelineKind)[keyof typeof TimelineKind];

export interface TimelineEntry {
  at: number;
  kind: TimelineKind;
  stepId?: string;
  attempt?: number;
  message?: string;
}

export type Command =
  | {
      type: "dispatch";
      runId: string;
      stepId: string;
      attempt: number;
      action: string;
      /**
       * The step's config with every template rendered, except secrets: a
       * field reading one is a template over `secrets` only (its path is in
       * `secretFields`), filled in by the action consumer at send time.
       */
      config: unknown;
      /** Paths within `config` of the fields that read secrets (run/secret-fields.ts). */
      secretFields?: Array<Array<string | number>>;
      /** `${runId}:${stepId}`: the same across attempts and manual retries. */
      idempotencyKey: string;
      /** One attempt's limit; the executor may abort past it. */
      timeoutMs: number;
      /** For effects that emit events (record updates): their causation and id. */
      emit: { causation: Causation; eventId: string };
    }
  | { type: "setTimer"; timerId: string; at: number; stepId: string; purpose: TimerPurpose }
  | { type: "cancelTimer"; timerId: string }
  | {
      type: "emitEvent";
      eventId: string;
      eventType: string;
      data: unknown;
      changes?: Record<string, { old: unknown; new: unknown }>;
      causation: Causation;
    }
  | {
      type: "closeApproval";
      stepId: string;
      approvalId: string | null;
      status: "expired" | "cancelled";
    }
  | {
      /** A waitFor step began waiting: the tenant's store indexes it (and looks back). */
      type: "openWait";
      stepId: string;
      /** Event types it waits for. */
      events: string[];
      match: string | null;
      /** Key values by event path (waits/keys.ts); empty: unkeyed. */
      keys: Record<string, unknown>;
      /** When it times out (ms since the epoch). */
      deadline: number;
      /** The run's trigger event: events received after it may resume the wait (look-back). */
      triggerEventId: string;
      /** The run's trigger time (ms), for the look-back when the trigger event is gone. */
      since: number;
    }
  | {
      /** The wait ended (resumed, timed out, cancelled): the store forgets it. */
      type: "closeWait";
      stepId: string;
    }
  | { type: "timeline"; entry: TimelineEntry }
  | { type: "finish"; status: RunStatus; at: number; error: StepError | null };

export type CommandType = Command["type"];

/** Why an input changed nothing. */
export interface Ignored {
  reason:
    | "already_started"
    | "not_started"
    | "run_finished"
    | "unknown_step"
    | "stale_attempt"
    | "not_expected"
    | "not_matched"
    | "unknown_timer"
    | "not_failed"
    | "incompatible_version";
  message: string;
  /** For incompatible_version: the finished steps that differ. */
  differing?: { stepId: string; reason: string }[];
}

export interface AdvanceResult {
  state: RunState;
  commands: Command[];
  /** Set when the input was stale, duplicate or not allowed; state is unchanged. */
  ignored: Ignored | null;
}
