// A run's steps as the API shows them (GET /v1/runs/:id, its items, the
// retry preview). A forEach loop keeps a state per item and per item's step
// (`each[3]`, `reserve[3]`; the engine's run/instances.ts), so a 1,000-item
// loop has thousands of states: a view lists at most LISTED_ITEMS items per
// loop instance (the failed and running ones first) and counts the rest;
// GET /v1/runs/:id/items pages through all of them.
import {
  flattenSteps,
  ITEM_KIND,
  isForEachStep,
  type LoopItem,
  loopItems,
  parseInstanceId,
  type RunState,
  type StepState,
  stepAt,
  type WorkflowDefinition,
} from "@switchyard/engine";

/** Items of one loop instance listed in a run's view. */
export const LISTED_ITEMS = 100;

/** Item statuses the items route filters on. */
export const ITEM_STATUSES = ["pending", "running", "succeeded", "failed", "cancelled"] as const;
export type ItemStatus = (typeof ITEM_STATUSES)[number];

/** How a forEach step's items stand. */
export interface ItemCounts {
  total: number;
  pending: number;
  running: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  /** Items listed in this view (at most LISTED_ITEMS per loop instance). */
  listed: number;
}

/** One step as GET /v1/runs/:id shows it. */
export interface StepView {
  id: string;
  action?: string;
  kind: string;
  status: string;
  attempts: number;
  startedAt: string | null;
  finishedAt: string | null;
  input: unknown;
  output: unknown;
  error: unknown;
  branch: string | null;
  /** While its attempt waits for a connection's rate limit: how many turns it waited, until when, why. */
  deferred?: { count: number; until: string | null; reason: string };
  /** An item of a loop, or a step inside one: the innermost loop and the item's index. */
  item?: { loop: string; index: number };
  /** A forEach step's items. */
  items?: ItemCounts;
}

export const iso = (ms: number | null): string | null =>
  ms === null ? null : new Date(ms).toISOString();

/** An item's status as the items route counts and filters it (a waiting item is running). */
export function itemStatus(s: StepState): ItemStatus {
  switch (s.status) {
    case "running":
    case "waiting":
      return "running";
    case "succeeded":
    case "failed":
    case "cancelled":
    case "pending":
      return s.status;
    case "skipped":
      return "cancelled";
  }
}

/** The innermost loop around an instance id, and the item's index there. */
export function itemOf(
  definition: WorkflowDefinition,
  id: string,
  kind: string,
): { loop: string; index: number } | undefined {
  const parsed = parseInstanceId(id);
  if (parsed === null || parsed.path.length === 0) return undefined;
  const index = parsed.path[parsed.path.length - 1]!;
  if (kind === ITEM_KIND) return { loop: parsed.stepId, index };
  const loop = innermostLoop(definition, parsed.stepId);
  return loop === undefined ? undefined : { loop, index };
}

const innermost = new WeakMap<WorkflowDefinition, Map<string, string>>();

/** The innermost forEach around a step of a definition (computed once per definition). */
function innermostLoop(def: WorkflowDefinition, stepId: string): string | undefined {
  let map = innermost.get(def);
  if (map === undefined) {
    map = new Map();
    const flat = flattenSteps(def);
    const parents = new Map(flat.map((v) => [v.step.id, v.place.parentId]));
    const byId = new Map(flat.map((v) => [v.step.id, v.step]));
    for (const id of parents.keys()) {
      for (let p = parents.get(id) ?? null; p !== null; p = parents.get(p) ?? null) {
        const parent = byId.get(p);
        if (parent !== undefined && isForEachStep(parent)) {
          map.set(id, p);
          break;
        }
      }
    }
    innermost.set(def, map);
  }
  return map.get(stepId);
}

function view(state: RunState, id: string, counts?: ItemCounts): StepView {
  const s = state.steps[id]!;
  const item = itemOf(state.definition, id, s.kind);
  return {
    id,
    ...(s.action ? { action: s.action } : {}),
    kind: s.kind,
    status: s.status,
    // Calls made: an attempt deferred by a connection's rate limit sent nothing.
    attempts: s.attempt - (s.deferred ?? 0),
    startedAt: iso(s.startedAt),
    finishedAt: iso(s.finishedAt),
    input: s.input ?? null,
    output: s.output ?? null,
    error: s.error ?? null,
    branch: s.branch,
    // Waiting for a connection's rate limit (its next attempt at `until`).
    ...(s.deferral && s.status === "running" && s.retryAt === s.deferral.until
      ? {
          deferred: {
            count: s.deferred ?? 1,
            until: iso(s.deferral.until),
            reason: s.deferral.reason,
          },
        }
      : {}),
    ...(item ? { item } : {}),
    ...(counts ? { items: counts } : {}),
  };
}

/**
 * The items a view lists: the failed and running ones first, then the
 * others in index order, at most `max`; in index order.
 */
export function listedItems(items: LoopItem[], max = LISTED_ITEMS): LoopItem[] {
  if (items.length <= max) return items;
  const first = items.filter((i) => {
    const st = itemStatus(i.state);
    return st === "failed" || st === "running";
  });
  const chosen = new Set(first.slice(0, max).map((i) => i.index));
  for (const i of items) {
    if (chosen.size >= max) break;
    chosen.add(i.index);
  }
  return items.filter((i) => chosen.has(i.index));
}

function countItems(items: LoopItem[], total: number, listed: number): ItemCounts {
  const counts: ItemCounts = {
    total,
    pending: 0,
    running: 0,
    succeeded: 0,
    failed: 0,
    cancelled: 0,
    listed,
  };
  for (const i of items) counts[itemStatus(i.state)] += 1;
  // Items not made yet (the list is read when the loop starts) are pending.
  counts.pending += Math.max(0, total - items.length);
  return counts;
}

/** One entry of a bounded walk: a step or item id, and its loop's counts for a forEach step. */
export interface Listed {
  id: string;
  counts?: ItemCounts;
}

/**
 * The ids of a run's steps in document order (the engine's
 * `instanceOrder`), each loop instance followed by its listed items and
 * their steps, at most `max` items per loop instance.
 */
export function boundedOrder(
  state: RunState,
  ids: readonly string[],
  max = LISTED_ITEMS,
): Listed[] {
  const out: Listed[] = [];
  const visit = (list: readonly string[]): void => {
    for (const id of list) {
      const s = state.steps[id];
      if (s === undefined) continue;
      if (s.kind !== "forEach" || !s.loop) {
        out.push({ id });
        continue;
      }
      const items = loopItems(state, id);
      const listed = listedItems(items, max);
      out.push({ id, counts: countItems(items, s.loop.total, listed.length) });
      for (const item of listed) {
        out.push({ id: item.id });
        visit(item.steps);
      }
    }
  };
  visit(ids);
  return out;
}

/** A run's steps as the API shows them, loops bounded (see the top of this file). */
export function stepViews(state: RunState): StepView[] {
  return boundedOrder(state, state.order).map((l) =>
    view(state, l.id, l.counts ?? loopCounts(state, l.id)),
  );
}

/** A forEach step whose list is not read yet has no items: its counts are zeros. */
function loopCounts(state: RunState, id: string): ItemCounts | undefined {
  if (state.steps[id]?.kind !== "forEach") return undefined;
  return { total: 0, pending: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0, listed: 0 };
}

/** One item as GET /v1/runs/:id/items shows it. */
export interface ItemView {
  id: string;
  index: number;
  status: ItemStatus;
  item: unknown;
  output: unknown;
  error: unknown;
  startedAt: string | null;
  finishedAt: string | null;
  steps: StepView[];
}

export type ItemPage =
  | { ok: true; items: ItemView[]; next: number | null }
  | { ok: false; reason: "not_a_loop" };

/** True when `id` names a forEach step of the run's definition, at a path its loops fit. */
export function isLoopInstance(definition: WorkflowDefinition, id: string): boolean {
  const step = stepAt(definition, id);
  return step !== undefined && isForEachStep(step);
}

/**
 * A page of one loop instance's items in index order, after the index
 * `after`, optionally of one status, with each item's steps (a loop inside
 * an item shows as its step with counts; its items page of their own).
 */
export function itemPage(
  state: RunState,
  loop: string,
  q: { status?: ItemStatus | undefined; after?: number | undefined; limit: number },
): ItemPage {
  if (!isLoopInstance(state.definition, loop)) return { ok: false, reason: "not_a_loop" };
  const items = loopItems(state, loop).filter(
    (i) =>
      (q.after === undefined || i.index > q.after) &&
      (q.status === undefined || itemStatus(i.state) === q.status),
  );
  const page = items.slice(0, q.limit);
  return {
    ok: true,
    items: page.map((i) => ({
      id: i.id,
      index: i.index,
      status: itemStatus(i.state),
      item: i.state.input ?? null,
      output: i.state.output ?? null,
      error: i.state.error ?? null,
      startedAt: iso(i.state.startedAt),
      finishedAt: iso(i.state.finishedAt),
      steps: i.steps.map((s) => view(state, s, loopCountsOf(state, s))),
    })),
    next: items.length > q.limit ? page[page.length - 1]!.index : null,
  };
}

/** A nested loop instance's counts, its items not listed. */
function loopCountsOf(state: RunState, id: string): ItemCounts | undefined {
  const s = state.steps[id];
  if (s?.kind !== "forEach") return undefined;
  if (!s.loop) return loopCounts(state, id);
  const items = loopItems(state, id);
  return countItems(items, s.loop.total, 0);
}
