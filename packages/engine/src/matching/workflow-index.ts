// Matching: which of a tenant's live workflow versions start a run for an
// event. Workflows are indexed by trigger event type, so an event only meets
// the workflows listening for its type: the cost stays flat as a tenant's
// workflows grow. Filters compile once per version and stay cached here.
import type { Program } from "@switchyard/expr";
import { compile } from "@switchyard/expr";
import type { EventEnvelope } from "../context/context.ts";
import { buildContext } from "../context/context.ts";
import { triggerType, type WorkflowDefinition } from "../definition/types.ts";
import type { Causation } from "../loop-guard/causation.ts";
import { checkLoop, DEFAULT_MAX_DEPTH } from "../loop-guard/causation.ts";
import { exprStepError } from "../run/render.ts";
import type { FilterOutcome, StepError } from "../run/state.ts";
import { EngineErrorCode } from "../run/state.ts";
import { SCHEDULE_EVENT_TYPE } from "../schedule/plan.ts";
import { evaluateCondition } from "./filter.ts";

/** A workflow's live version. */
export interface LiveWorkflow {
  workflowId: string;
  version: number;
  definition: WorkflowDefinition;
}

/** What to do with one workflow for one event. */
export const MatchDecision = {
  /** Start a run. */
  start: "start",
  /** The filter said no: record a `filtered` run. */
  filtered: "filtered",
  /** The filter failed: record a `failed` run with the filter's error. */
  failed: "failed",
  /** The loop guard refused: record a `suppressed` run and a prevented loop. */
  suppressed: "suppressed",
} as const;
export type MatchDecision = (typeof MatchDecision)[keyof typeof MatchDecision];

export interface MatchResult {
  workflowId: string;
  version: number;
  definition: WorkflowDefinition;
  decision: MatchDecision;
  filter: FilterOutcome;
  suppression: { reason: string; message: string } | null;
}

export interface MatchOptions {
  /** The trigger time (ms since the epoch): the filter's `now`. */
  now: number;
  maxDepth?: number;
}

interface Entry {
  workflow: LiveWorkflow;
  /** undefined until first used; compiled once per version. */
  program?: Program | StepError | null;
}

/**
 * @example
 * const index = new WorkflowIndex(liveVersions);
 * for (const m of index.match(event, causation, { now })) createRun({ ...m, runId, event, causation, now });
 */
export class WorkflowIndex {
  private readonly byType = new Map<string, Map<string, Entry>>();
  private readonly typeOf = new Map<string, string>();

  constructor(workflows: Iterable<LiveWorkflow> = []) {
    for (const workflow of workflows) this.upsert(workflow);
  }

  /** Adds a workflow or replaces its live version (its filter recompiles lazily). */
  upsert(workflow: LiveWorkflow): void {
    const existing = this.typeOf.get(workflow.workflowId);
    const entry =
      existing !== undefined ? this.byType.get(existing)?.get(workflow.workflowId) : undefined;
    if (
      entry?.workflow.version === workflow.version &&
      existing === triggerType(workflow.definition.trigger)
    ) {
      return;
    }
    this.remove(workflow.workflowId);
    const type = triggerType(workflow.definition.trigger);
    let bucket = this.byType.get(type);
    if (bucket === undefined) {
      bucket = new Map();
      this.byType.set(type, bucket);
    }
    bucket.set(workflow.workflowId, { workflow });
    this.typeOf.set(workflow.workflowId, type);
  }

  /** Forgets a workflow (disabled, deleted). */
  remove(workflowId: string): void {
    const type = this.typeOf.get(workflowId);
    if (type === undefined) return;
    const bucket = this.byType.get(type);
    bucket?.delete(workflowId);
    if (bucket?.size === 0) this.byType.delete(type);
    this.typeOf.delete(workflowId);
  }

  get size(): number {
    return this.typeOf.size;
  }

  /** The workflows listening for `eventType`, ordered by id. */
  candidates(eventType: string): LiveWorkflow[] {
    const bucket = this.byType.get(eventType);
    if (bucket === undefined) return [];
    return [...bucket.values()]
      .map((entry) => entry.workflow)
      .sort((a, b) => (a.workflowId < b.workflowId ? -1 : a.workflowId > b.workflowId ? 1 : 0));
  }

  /**
   * Decides, for every workflow listening for the event's type, whether a
   * run starts. The filter goes first (a filter that says no is not a loop),
   * then the loop guard.
   */
  match(event: EventEnvelope, causation: Causation, options: MatchOptions): MatchResult[] {
    const bucket = this.byType.get(event.type);
    if (bucket === undefined) return [];
    const base = buildContext({
      event,
      workflow: { id: "", version: 0, name: "" },
      runId: null,
      now: options.now,
    });
    // A schedule's occurrence is for its own workflow only.
    const target =
      event.type === SCHEDULE_EVENT_TYPE
        ? String((event.data as { workflowId?: unknown } | null)?.workflowId ?? "")
        : null;
    const entries = [...bucket.values()]
      .filter((entry) => target === null || entry.workflow.workflowId === target)
      .sort((a, b) => (a.workflow.workflowId < b.workflow.workflowId ? -1 : 1));
    return entries.map((entry) => this.decide(entry, base, causation, options));
  }

  private decide(
    entry: Entry,
    base: Record<string, unknown>,
    causation: Causation,
    options: MatchOptions,
  ): MatchResult {
    const { workflow } = entry;
    const filter = this.evaluateFilter(entry, {
      ...base,
      workflow: {
        id: workflow.workflowId,
        version: workflow.version,
        name: workflow.definition.name,
      },
    });
    const result = {
      workflowId: workflow.workflowId,
      version: workflow.version,
      definition: workflow.definition,
      filter,
      suppression: null,
    };
    if (filter.error !== null) return { ...result, decision: MatchDecision.failed };
    if (filter.result === false) return { ...result, decision: MatchDecision.filtered };
    const loop = checkLoop(causation, workflow.workflowId, options.maxDepth ?? DEFAULT_MAX_DEPTH);
    if (!loop.ok) {
      return {
        ...result,
        decision: MatchDecision.suppressed,
        suppression: { reason: loop.reason, message: loop.message },
      };
    }
    return { ...result, decision: MatchDecision.start };
  }

  private evaluateFilter(entry: Entry, context: Record<string, unknown>): FilterOutcome {
    const source = entry.workflow.definition.filter ?? null;
    if (source === null) return { expression: null, result: true, error: null };
    if (entry.program === undefined) {
      try {
        entry.program = compile(source);
      } catch (error) {
        entry.program = exprStepError(error, EngineErrorCode.filterError, "filter");
      }
    }
    const program = entry.program;
    if (program === null || !("evaluate" in program)) {
      return { expression: source, result: null, error: program ?? null };
    }
    const outcome = evaluateCondition(
      source,
      context,
      EngineErrorCode.filterError,
      "filter",
      program,
    );
    return outcome.ok
      ? { expression: source, result: outcome.value, error: null }
      : { expression: source, result: null, error: outcome.error };
  }
}
