// Size limits of a workflow definition. Over any of them, the API answers
// 422 with the problem's path. They keep one tenant's definition from
// costing the matcher, the run DO or the builder more than its share.

export const DEFINITION_LIMITS = {
  /** Steps in the whole workflow, nested ones included. */
  maxSteps: 100,
  /** Nesting levels: top-level steps are level 1. */
  maxDepth: 5,
  /** Branches of one parallel step. */
  maxBranches: 20,
  /** The whole definition as UTF-8 JSON. */
  maxBytes: 256 * 1024,
  /** Workflow and step names. */
  maxNameLength: 200,
  maxDescriptionLength: 2_000,
  /** Step ids. */
  maxIdLength: 64,
  /** Event type names. */
  maxEventTypeLength: 100,
  /** Filter and `if` expressions (the expression language's own default). */
  maxExpressionLength: 4_096,
  /** Attempts a retry policy may ask for. */
  maxAttempts: 10,
  /** Event types one waitFor step may list. */
  maxWaitTypes: 10,
  /** Longest delay step, approval wait and waitFor timeout: 30 days ("720h"). */
  maxDelayMs: 30 * 24 * 3_600_000,
  /** Longest per-attempt timeout: 15 minutes. */
  maxTimeoutMs: 15 * 60_000,
  /** Longest spacing between attempts: 1 hour. */
  maxBackoffMs: 3_600_000,
  /** A forEach step's items in flight at once. */
  maxLoopConcurrency: 50,
  /** The hard cap on a forEach step's `maxItems`. */
  maxLoopItems: 10_000,
} as const;

/** A forEach step's settings when it leaves them out. */
export const LOOP_DEFAULTS = {
  as: "item",
  concurrency: 1,
  maxItems: 1_000,
  onItemFailure: "stop",
} as const;

/** Inside a loop's body, the item's position; no loop may name its item this. */
export const LOOP_INDEX_NAME = "index";

/**
 * Names the context binds itself; an event type may not start with one.
 * `secrets` is bound only inside the action consumer (definition/secrets.ts).
 */
export const RESERVED_CONTEXT_NAMES = [
  "event",
  "steps",
  "workflow",
  "run",
  "now",
  "secrets",
] as const;

/**
 * Events only the platform emits (issue 14: a failed run's `workflow.failed`,
 * for the workflow its settings name to run on failure). A trigger may name
 * one; no client may send one (their first segment is reserved), and their
 * payload is read as `event.data` (the reserved name keeps its own meaning).
 */
export const PLATFORM_EVENT_TYPES = ["workflow.failed"] as const;

/**
 * Events only the platform emits and no trigger names by type: a schedule's
 * occurrences (a workflow gets them through `trigger.schedule`). Their
 * payload is read under their first segment (`schedule.nominal`).
 */
export const SCHEDULE_ONLY_EVENT_TYPES = ["schedule.fired"] as const;
