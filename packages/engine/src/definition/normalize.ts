// The canonical form of a definition: a fixed key order for the known keys,
// sorted keys inside configs, no undefined members. Stored versions and
// diffs use it, so two saves of the same workflow compare equal.

import { SCHEDULE_TRIGGER_KEYS } from "../schedule/types.ts";
import { canonicalJson, sortKeysDeep } from "../util/json.ts";
import type { RetryPolicy, Step, Trigger, WorkflowDefinition } from "./types.ts";
import {
  isActionStep,
  isDelayStep,
  isForEachStep,
  isIfStep,
  isParallelStep,
  isWaitForStep,
  stepKind,
} from "./types.ts";
import { flattenSteps } from "./walk.ts";

/**
 * The canonical form of a definition (a new object; the input is untouched).
 * @example canonicalJson(normalizeDefinition(a)) === canonicalJson(normalizeDefinition(b))
 */
export function normalizeDefinition(definition: WorkflowDefinition): WorkflowDefinition {
  const out: WorkflowDefinition = {
    name: definition.name,
    trigger: normalizeTrigger(definition.trigger),
    steps: [],
  };
  if (definition.description !== undefined) out.description = definition.description;
  if (definition.filter !== undefined) out.filter = definition.filter;
  out.steps = definition.steps.map(normalizeStep);
  // Rebuild so the key order is name, description, trigger, filter, steps.
  return {
    name: out.name,
    ...(out.description !== undefined ? { description: out.description } : {}),
    trigger: out.trigger,
    ...(out.filter !== undefined ? { filter: out.filter } : {}),
    steps: out.steps,
    // Flow control sits beside the trigger (DESIGN.md); kept as given.
    ...(definition.concurrency !== undefined ? { concurrency: definition.concurrency } : {}),
    ...(definition.throttle !== undefined ? { throttle: definition.throttle } : {}),
    ...(definition.debounce !== undefined ? { debounce: definition.debounce } : {}),
  };
}

/** A schedule's keys in the contract's order, unset ones left out. */
function normalizeTrigger(trigger: Trigger): Trigger {
  if (!("schedule" in trigger)) return { event: trigger.event };
  const schedule: Record<string, unknown> = {};
  for (const key of SCHEDULE_TRIGGER_KEYS) {
    const value = trigger.schedule[key];
    if (value !== undefined) schedule[key] = value;
  }
  return { schedule };
}

function normalizeStep(step: Step): Step {
  const base = { id: step.id, ...(step.name !== undefined ? { name: step.name } : {}) };
  if (isActionStep(step)) {
    return {
      ...base,
      action: step.action,
      config: sortKeysDeep(step.config) as Record<string, unknown>,
      ...(step.retry !== undefined ? { retry: normalizeRetry(step.retry) } : {}),
      ...(step.timeout !== undefined ? { timeout: step.timeout } : {}),
    };
  }
  if (isIfStep(step)) {
    return {
      ...base,
      if: step.if,
      then: step.then.map(normalizeStep),
      ...(step.else !== undefined ? { else: step.else.map(normalizeStep) } : {}),
    };
  }
  if (isParallelStep(step)) {
    return { ...base, parallel: step.parallel.map((lane) => lane.map(normalizeStep)) };
  }
  if (isDelayStep(step)) return { ...base, delay: step.delay };
  if (isWaitForStep(step)) {
    const w = step.waitFor;
    return {
      ...base,
      waitFor: {
        event: typeof w.event === "string" ? w.event : [...w.event],
        ...(w.match !== undefined ? { match: w.match } : {}),
        timeout: w.timeout,
      },
      ...(step.onTimeout !== undefined ? { onTimeout: step.onTimeout.map(normalizeStep) } : {}),
    };
  }
  if (isForEachStep(step)) {
    return {
      ...base,
      forEach: step.forEach,
      ...(step.as !== undefined ? { as: step.as } : {}),
      ...(step.concurrency !== undefined ? { concurrency: step.concurrency } : {}),
      ...(step.maxItems !== undefined ? { maxItems: step.maxItems } : {}),
      ...(step.onItemFailure !== undefined
        ? {
            onItemFailure:
              typeof step.onItemFailure === "string"
                ? step.onItemFailure
                : { failAbove: step.onItemFailure.failAbove },
          }
        : {}),
      steps: step.steps.map(normalizeStep),
    };
  }
  return step;
}

function normalizeRetry(retry: RetryPolicy): RetryPolicy {
  const out: RetryPolicy = {};
  if (retry.attempts !== undefined) out.attempts = retry.attempts;
  if (retry.backoff !== undefined) out.backoff = retry.backoff;
  if (retry.initial !== undefined) out.initial = retry.initial;
  if (retry.max !== undefined) out.max = retry.max;
  return out;
}

/**
 * A step's own content as canonical JSON: its kind and settings, without
 * its display name and without nested steps (they are compared on their own).
 */
export function stepSignature(step: Step): string {
  const kind = stepKind(step);
  if (isActionStep(step)) {
    return canonicalJson({
      kind,
      action: step.action,
      config: step.config,
      retry: step.retry,
      timeout: step.timeout,
    });
  }
  if (isIfStep(step)) return canonicalJson({ kind, if: step.if, else: step.else !== undefined });
  if (isParallelStep(step)) return canonicalJson({ kind, branches: step.parallel.length });
  if (isWaitForStep(step)) {
    return canonicalJson({ kind, waitFor: step.waitFor, onTimeout: step.onTimeout !== undefined });
  }
  if (isForEachStep(step)) {
    return canonicalJson({
      kind,
      forEach: step.forEach,
      as: step.as,
      concurrency: step.concurrency,
      maxItems: step.maxItems,
      onItemFailure: step.onItemFailure,
    });
  }
  return canonicalJson({ kind, delay: step.delay });
}

/** How two versions' steps differ, by step id. */
export interface StepDiff {
  added: string[];
  removed: string[];
  /** Same id, different kind or settings. */
  changed: string[];
  /** Same content, different container or branch. */
  moved: string[];
}

/**
 * Compares two definitions step by step (ids in document order).
 * @example diffSteps(v1, v2) // { added: ["sms"], removed: [], changed: ["approve"], moved: [] }
 */
export function diffSteps(before: WorkflowDefinition, after: WorkflowDefinition): StepDiff {
  const old = new Map(flattenSteps(before).map((v) => [v.step.id, v]));
  const next = flattenSteps(after);
  const diff: StepDiff = { added: [], removed: [], changed: [], moved: [] };
  const seen = new Set<string>();
  for (const { step, place } of next) {
    seen.add(step.id);
    const previous = old.get(step.id);
    if (previous === undefined) diff.added.push(step.id);
    else if (stepSignature(previous.step) !== stepSignature(step)) diff.changed.push(step.id);
    else if (previous.place.parentId !== place.parentId || previous.place.branch !== place.branch) {
      diff.moved.push(step.id);
    }
  }
  for (const id of old.keys()) if (!seen.has(id)) diff.removed.push(id);
  return diff;
}
