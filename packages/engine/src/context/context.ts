// The context every filter, condition and template sees (DESIGN.md):
// `event` (the envelope), the payload again under the event type's first
// segment, `steps.<id>` of finished steps, `workflow`, `run` and `now`.
import { Timestamp } from "@switchyard/expr";
import type { StepError } from "../run/state.ts";

/** An event as the engine sees it. */
export interface EventEnvelope {
  id: string;
  /** `order.created`. */
  type: string;
  data: unknown;
  /** RFC 3339. */
  occurredAt: string;
  source?: string | null;
  /** For record events: changed fields with old and new values. */
  changes?: Record<string, { old: unknown; new: unknown }>;
}

/** What expressions see of a finished step. */
export interface StepView {
  status: string;
  output: unknown;
  error: StepError | null;
}

export interface ContextInput {
  event: EventEnvelope;
  workflow: { id: string; version: number; name: string };
  /** The run's id, or null before there is a run (matching). */
  runId: string | null;
  /** The run's trigger time in ms since the epoch, fixed for the run. */
  now: number;
  steps?: Record<string, StepView>;
}

/**
 * Builds the expression context of a run.
 * @example evaluate("order.amount > 10", buildContext({ event, workflow, runId, now }))
 */
export function buildContext(input: ContextInput): Record<string, unknown> {
  const { event } = input;
  const envelope: Record<string, unknown> = {
    id: event.id,
    type: event.type,
    data: event.data,
    occurredAt: event.occurredAt,
    source: event.source ?? null,
  };
  if (event.changes !== undefined) envelope.changes = event.changes;
  const context: Record<string, unknown> = {
    event: envelope,
    steps: input.steps ?? {},
    workflow: { id: input.workflow.id, version: input.workflow.version, name: input.workflow.name },
    run: { id: input.runId },
    now: timestampOf(input.now),
  };
  const payloadName = payloadNameOf(event.type);
  // A platform event (`workflow.failed`) starts with a reserved name: it keeps its own meaning.
  // `secrets` is never data (no event may be named so; this is the second lock).
  if (payloadName !== null && !(payloadName in context) && payloadName !== "secrets") {
    context[payloadName] = event.data;
  }
  return context;
}

/** `order` for `order.created`; null for a malformed type. */
export function payloadNameOf(eventType: string): string | null {
  const dot = eventType.indexOf(".");
  return dot > 0 ? eventType.slice(0, dot) : null;
}

/** The expression language's timestamp for ms since the epoch. */
export function timestampOf(ms: number): Timestamp {
  return Timestamp.fromEpochMilliseconds(ms);
}
