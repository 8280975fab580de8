// Dry runs (API.md, POST /v1/workflows/:id/test): the filter's result with
// its explanation and every step's rendered config, with no effects. Earlier
// steps' outputs come from `stepOutputs` or the catalogue's sample outputs; a
// branch chosen on such a stand-in is marked `assumed`.
import type { Program, Span } from "@switchyard/expr";
import { getAction } from "../catalogue/registry.ts";
import type { EventEnvelope, StepView } from "../context/context.ts";
import { buildContext } from "../context/context.ts";
import { LOOP_DEFAULTS, LOOP_INDEX_NAME } from "../definition/limits.ts";
import type { Step, StepKind, WorkflowDefinition } from "../definition/types.ts";
import {
  isActionStep,
  isDelayStep,
  isForEachStep,
  isIfStep,
  isWaitForStep,
  stepKind,
  waitTypes,
} from "../definition/types.ts";
import { cachedProgram, evaluateCondition } from "../matching/filter.ts";
import { exprStepError, renderConfig } from "../run/render.ts";
import type { StepError } from "../run/state.ts";
import { EngineErrorCode } from "../run/state.ts";
import { isPlainObject } from "../util/json.ts";
import { openKeys } from "../waits/keys.ts";

export interface DryRunEvent {
  type: string;
  data: unknown;
  id?: string;
  occurredAt?: string;
  source?: string | null;
  changes?: EventEnvelope["changes"];
}

export interface DryRunOptions {
  /** The trigger time (ms since the epoch): the expressions' `now`. */
  now: number;
  /** Stand-ins for earlier steps' outputs, by step id. */
  stepOutputs?: Record<string, unknown>;
  workflowId?: string;
  version?: number;
}

export interface ExplanationItem {
  span: Span;
  source: string;
  value?: unknown;
  error?: StepError;
}

export interface DryRunStep {
  id: string;
  /** For action steps. */
  action?: string;
  /** For other steps. */
  kind?: Exclude<StepKind, "action">;
  /**
   * Rendered config (actions), `{ delay }` for delays, `{ event, match,
   * timeout, keys }` for waits (keys as they would be when the wait opens).
   */
  config?: unknown;
  /**
   * For waitFor steps: the run would wait here. Its output is
   * `stepOutputs[id]` or a sample event (assumed); a stand-in output of
   * `{ "timedOut": true }` takes the onTimeout branch instead.
   */
  waits?: true;
  /** For waitFor steps: the onTimeout branch was taken (stepOutputs said so). */
  timedOut?: true;
  /** For `if` steps: the branch taken. */
  branch?: "then" | "else";
  /** The branch was chosen on a stand-in output (a sample or given output). */
  assumed?: true;
  /** On the branch not taken. */
  skipped?: true;
  /** For forEach steps: the list's length (the body is shown for the first DRY_RUN_ITEMS items). */
  items?: number;
  /** For steps inside a loop: the item this entry is for (its id is then `reserve[0]`). */
  item?: number;
  error?: StepError;
}

/** A dry run shows a loop's body for this many items at most. */
export const DRY_RUN_ITEMS = 3;

export interface DryRunResult {
  filter: {
    expression: string | null;
    result: boolean | null;
    explanation: ExplanationItem[];
    error?: StepError;
  };
  steps: DryRunStep[];
}

/**
 * Runs a definition against a sample event without effects.
 * @example
 * dryRun(def, { type: "order.created", data: { amount: 12000 } }, { now: Date.now() })
 * // { filter: { expression, result: true, explanation: [...] }, steps: [{ id: "approve", action: "request_approval", config: {...} }, ...] }
 */
export function dryRun(
  definition: WorkflowDefinition,
  event: DryRunEvent,
  options: DryRunOptions,
): DryRunResult {
  const envelope: EventEnvelope = {
    id: event.id ?? "evt_dry_run",
    type: event.type,
    data: event.data,
    occurredAt: event.occurredAt ?? new Date(options.now).toISOString(),
    source: event.source ?? "test",
    ...(event.changes !== undefined ? { changes: event.changes } : {}),
  };
  let views: Record<string, StepView> = {};
  const assumed = new Set<string>();
  /** Inside loops: each item's name and `index`; `suffix` makes the entries' ids (`[0]`). */
  let locals: Record<string, unknown> = {};
  let suffix = "";
  let itemIndex: number | null = null;
  const context = (): Record<string, unknown> => ({
    ...buildContext({
      event: envelope,
      workflow: {
        id: options.workflowId ?? "wf_dry_run",
        version: options.version ?? 0,
        name: definition.name,
      },
      runId: "run_dry_run",
      now: options.now,
      steps: views,
    }),
    ...locals,
  });

  const filter = explainFilter(definition.filter ?? null, context());
  const out: DryRunStep[] = [];
  const walk = (steps: readonly Step[], skipped: boolean): void => {
    for (const step of steps) walkStep(step, skipped);
  };
  const walkStep = (step: Step, skipped: boolean): void => {
    const id = step.id + suffix;
    const entry: DryRunStep = isActionStep(step)
      ? { id, action: step.action }
      : { id, kind: stepKind(step) as Exclude<StepKind, "action"> };
    if (itemIndex !== null) entry.item = itemIndex;
    out.push(entry);
    if (skipped) {
      entry.skipped = true;
      if (isIfStep(step)) walk([...step.then, ...(step.else ?? [])], true);
      else if (isWaitForStep(step)) walk(step.onTimeout ?? [], true);
      else if (isForEachStep(step)) walk(step.steps, true);
      else if ("parallel" in step) walk(step.parallel.flat(), true);
      return;
    }
    if (isActionStep(step)) {
      const rendered = renderConfig(step.config, context);
      if (rendered.ok) entry.config = rendered.value;
      else entry.error = rendered.error;
      const given = options.stepOutputs?.[step.id];
      const output = given !== undefined ? given : (getAction(step.action)?.sampleOutput ?? null);
      assumed.add(step.id);
      views[step.id] = { status: "succeeded", output, error: null };
      return;
    }
    if (isDelayStep(step)) {
      entry.config = { delay: step.delay };
      views[step.id] = { status: "succeeded", output: null, error: null };
      return;
    }
    if (isWaitForStep(step)) {
      const types = waitTypes(step.waitFor);
      const match = step.waitFor.match ?? null;
      entry.config = {
        event: types,
        match,
        timeout: step.waitFor.timeout,
        keys: openKeys(match, context()),
      };
      entry.waits = true;
      entry.assumed = true;
      const given = options.stepOutputs?.[step.id];
      const timedOut = isPlainObject(given) && given.timedOut === true;
      if (timedOut) entry.timedOut = true;
      const output =
        given !== undefined
          ? given
          : { id: "evt_sample", type: types[0] ?? "", data: {}, occurredAt: envelope.occurredAt };
      walk(step.onTimeout ?? [], !timedOut);
      assumed.add(step.id);
      views[step.id] = { status: "succeeded", output, error: null };
      return;
    }
    if (isIfStep(step)) {
      const outcome = evaluateCondition(step.if, context(), EngineErrorCode.conditionError, "if");
      if (!outcome.ok) {
        entry.error = outcome.error;
        return;
      }
      const branch = outcome.value ? "then" : "else";
      entry.branch = branch;
      if (readsAssumed(cachedProgram(step.if), assumed)) entry.assumed = true;
      walk(branch === "then" ? step.then : (step.else ?? []), false);
      walk(branch === "then" ? (step.else ?? []) : step.then, true);
      views[step.id] = { status: "succeeded", output: { branch }, error: null };
      return;
    }
    if (isForEachStep(step)) {
      walkLoop(step, entry);
      return;
    }
    for (const lane of step.parallel) walk(lane, false);
    views[step.id] = { status: "succeeded", output: null, error: null };
  };
  /** The list, then the body for its first items, each with its item bound. */
  const walkLoop = (step: Extract<Step, { forEach: string }>, entry: DryRunStep): void => {
    let list: unknown;
    try {
      list = cachedProgram(step.forEach).evaluate(context());
    } catch (error) {
      entry.error = exprStepError(error, EngineErrorCode.conditionError, "forEach");
      return;
    }
    if (!Array.isArray(list)) {
      entry.error = {
        code: EngineErrorCode.notAList,
        path: "forEach",
        message: `expected a list, got ${list === null ? "null" : typeof list === "object" ? "a map" : typeof list}`,
      };
      return;
    }
    entry.items = list.length;
    entry.config = { items: list.length };
    if (list.length === 0) {
      walk(step.steps, true);
      views[step.id] = { status: "succeeded", output: { results: [], failed: [] }, error: null };
      return;
    }
    const outer = { views, locals, suffix, itemIndex };
    const results: unknown[] = [];
    list.slice(0, DRY_RUN_ITEMS).forEach((item, index) => {
      views = { ...outer.views };
      locals = { ...outer.locals, [step.as ?? LOOP_DEFAULTS.as]: item, [LOOP_INDEX_NAME]: index };
      suffix = `${outer.suffix}[${index}]`;
      itemIndex = index;
      walk(step.steps, false);
      const result: Record<string, unknown> = {};
      for (const [id, view] of Object.entries(views)) {
        if (outer.views[id] === undefined && view.status === "succeeded") result[id] = view.output;
      }
      results.push(result);
    });
    ({ views, locals, suffix, itemIndex } = outer);
    assumed.add(step.id);
    views[step.id] = { status: "succeeded", output: { results, failed: [] }, error: null };
  };
  walk(definition.steps, false);
  return { filter, steps: out };
}

function readsAssumed(program: Program, assumed: ReadonlySet<string>): boolean {
  return program.references().some((path) => {
    const [root, id] = path.split(".");
    return root === "steps" && (id === undefined || assumed.has(id));
  });
}

function explainFilter(source: string | null, context: object): DryRunResult["filter"] {
  if (source === null) return { expression: null, result: true, explanation: [] };
  let program: Program;
  try {
    program = cachedProgram(source);
  } catch (error) {
    return {
      expression: source,
      result: null,
      explanation: [],
      error: exprStepError(error, EngineErrorCode.filterError, "filter"),
    };
  }
  const explanation = program.explain(context);
  const parts: ExplanationItem[] = explanation.parts.map((part) => {
    const item: ExplanationItem = {
      span: { start: part.span.start, end: part.span.end },
      source: part.source,
    };
    if (part.error !== undefined) item.error = exprStepError(part.error, part.error.code, "filter");
    else item.value = jsonOf(part.value);
    return item;
  });
  const outcome = evaluateCondition(
    source,
    context,
    EngineErrorCode.filterError,
    "filter",
    program,
  );
  return outcome.ok
    ? { expression: source, result: outcome.value, explanation: parts }
    : { expression: source, result: null, explanation: parts, error: outcome.error };
}

function jsonOf(value: unknown): unknown {
  if (value === undefined) return null;
  if (value === null || typeof value !== "object") return value;
  return JSON.parse(JSON.stringify(value)) as unknown;
}
