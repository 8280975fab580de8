// The simulation's invariants, checked on every transition and at the end of
// every seed. A violation throws with a message naming run and step.
import { LOOP_DEFAULTS } from "../../src/definition/limits.ts";
import { isForEachStep } from "../../src/definition/types.ts";
import type { AdvanceResult, RunInput } from "../../src/run/inputs.ts";
import { instanceId, loopItems, parseInstanceId, stepAt } from "../../src/run/instances.ts";
import { planOf } from "../../src/run/plan.ts";
import type { RunState, StepState } from "../../src/run/state.ts";
import { isTerminalRunStatus } from "../../src/run/state.ts";

export class InvariantViolation extends Error {}

function fail(message: string): never {
  throw new InvariantViolation(message);
}

/** Checks one transition against its input state. */
export function checkTransition(
  pre: RunState,
  input: RunInput,
  result: AdvanceResult,
  everSucceeded: ReadonlySet<string>,
  coverage: Coverage = {},
): void {
  const post = result.state;
  const where = `run ${pre.runId} on ${input.type}`;
  if (result.ignored !== null) {
    if (post !== pre || result.commands.length > 0)
      fail(`${where}: an ignored input changed the run`);
    return;
  }
  // Checkpoints only move forward.
  if (post.seq !== pre.seq + 1) fail(`${where}: seq went ${pre.seq} → ${post.seq}`);
  // Versions never change under a running run.
  if (post.version !== pre.version) {
    if (input.type !== "retryRequested" || pre.status !== "failed") {
      fail(
        `${where}: version changed ${pre.version} → ${post.version} outside a retry of a failed run`,
      );
    }
  }
  if (
    isTerminalRunStatus(pre.status) &&
    !(pre.status === "failed" && input.type === "retryRequested")
  ) {
    fail(`${where}: a ${pre.status} run changed`);
  }
  // A succeeded step (a loop's item and step instances too) never runs again, and keeps its output.
  for (const id of Object.keys(pre.steps)) {
    const before = pre.steps[id];
    if (before?.status !== "succeeded") continue;
    const after = post.steps[id];
    if (after === before) continue;
    if (after === undefined) fail(`${where}: succeeded step ${id} disappeared`);
    if (
      after.status !== "succeeded" ||
      JSON.stringify(after.output) !== JSON.stringify(before.output)
    ) {
      fail(`${where}: succeeded step ${id} changed to ${after.status}`);
    }
  }
  // A deferred attempt (a shared limit had no slot) ends nothing and spends no retry.
  if (input.type === "stepDeferred") {
    const before = pre.steps[input.stepId];
    const after = post.steps[input.stepId];
    if (after?.status !== "running" || after.retryAt === null)
      fail(`${where}: deferred step ${input.stepId} is ${after?.status}, not waiting to retry`);
    if (before && after.attemptsInRound >= before.attemptsInRound)
      fail(`${where}: deferred step ${input.stepId} spent a retry attempt`);
  }
  for (const command of result.commands) {
    if (command.type !== "dispatch") continue;
    if (everSucceeded.has(command.stepId))
      fail(`${where}: dispatched ${command.stepId}, which had succeeded`);
    // Nor a step of an item that had succeeded (after a manual retry: only failed items run).
    for (const item of itemsAround(post, command.stepId)) {
      if (everSucceeded.has(item))
        fail(`${where}: dispatched ${command.stepId}, whose item ${item} had succeeded`);
    }
    if (command.idempotencyKey !== `${pre.runId}:${command.stepId}`) {
      fail(`${where}: idempotency key ${command.idempotencyKey} is not runId:stepId`);
    }
  }
  // Timers: sorted, unique, only for open steps.
  const ids = new Set<string>();
  for (const timer of post.timers) {
    if (ids.has(timer.id)) fail(`${where}: duplicate timer ${timer.id}`);
    ids.add(timer.id);
  }
  if (isTerminalRunStatus(post.status) && post.timers.length > 0) {
    fail(`${where}: a ${post.status} run keeps timers`);
  }
  if (isTerminalRunStatus(post.status)) checkNothingOpen(post, where);
  checkCheckpoint(post, where, pre, coverage);
}

/** What the checks saw, by name: the simulation test asserts each was seen. */
export type Coverage = Record<string, number>;

export function count(coverage: Coverage, name: string, n = 1): void {
  coverage[name] = (coverage[name] ?? 0) + n;
}

/** A finished run has nothing open: no step, loop or item still running or waiting. */
function checkNothingOpen(state: RunState, where: string): void {
  for (const [id, step] of Object.entries(state.steps)) {
    if (step.status === "running" || step.status === "waiting")
      fail(`${where}: ${state.status} with ${step.kind} ${id} ${step.status}`);
  }
}

/** Checks that a state read back from its JSON is the state that was stored. */
export function checkJsonRoundTrip(state: RunState, read: unknown, where: string): void {
  const difference = differs(state, read, "state");
  if (difference !== null) fail(`${where}: the state does not survive JSON: ${difference}`);
}

/**
 * Checks one stored state's loops: items in flight, progress, output. With
 * `pre`, only the loops this transition touched: those whose state, an
 * item's or a step instance's inside them changed.
 */
export function checkCheckpoint(
  state: RunState,
  where: string,
  pre?: RunState,
  coverage: Coverage = {},
): void {
  const plan = planOf(state.definition);
  if (plan.top.length === plan.order.length) return; // no loops
  const loops = new Set<string>();
  for (const [id, step] of Object.entries(state.steps)) {
    if (pre !== undefined && pre.steps[id] === step) continue;
    if (step.kind === "forEach") loops.add(id);
    for (const item of itemsAround(state, id, step.kind === "item")) {
      const parsed = parseInstanceId(item)!;
      loops.add(instanceId(parsed.stepId, parsed.path.slice(0, -1)));
    }
  }
  for (const id of loops) {
    const step = state.steps[id];
    if (step === undefined) fail(`${where}: ${id} has items but no loop state`);
    checkLoop(state, id, step, where, coverage);
  }
}

/**
 * The ids of the items around a step instance, outermost first (`lines[2]`,
 * `inner[2][5]`); for an item, `self` includes the item itself.
 */
function itemsAround(state: RunState, id: string, self = false): string[] {
  const parsed = parseInstanceId(id);
  if (parsed === null || parsed.path.length === 0) return [];
  const outer = planOf(state.definition).loops.get(parsed.stepId) ?? [];
  const chain = self ? [...outer, parsed.stepId] : outer;
  return chain.map((loop, depth) => instanceId(loop, parsed.path.slice(0, depth + 1)));
}

function checkLoop(
  state: RunState,
  id: string,
  step: StepState,
  where: string,
  coverage: Coverage,
): void {
  const definition = stepAt(state.definition, id);
  if (definition === undefined || !isForEachStep(definition)) {
    fail(`${where}: loop ${id} is no forEach step of the definition`);
  }
  const loop = step.loop;
  if (loop === undefined) {
    if (step.status === "running" || step.status === "succeeded")
      fail(`${where}: loop ${id} is ${step.status} without its list`);
    return;
  }
  const concurrency = definition.concurrency ?? LOOP_DEFAULTS.concurrency;
  const items = loopItems(state, id);
  if (items.length !== loop.total)
    fail(`${where}: loop ${id} has ${items.length} item states for ${loop.total} items`);
  // Items in flight: by the loop's count, by the items' states, and by their steps' states.
  if (loop.active.length > concurrency) {
    fail(
      `${where}: loop ${id} has ${loop.active.length} items active (concurrency ${concurrency})`,
    );
  }
  const running = items.filter((i) => i.state.status === "running").map((i) => i.index);
  if (running.length === concurrency && concurrency > 1) count(coverage, "loop at its concurrency");
  if (running.length > concurrency) {
    fail(
      `${where}: loop ${id} has items ${running.join(",")} running (concurrency ${concurrency})`,
    );
  }
  const busy = items.filter((i) =>
    i.steps.some((s) => {
      const instance = state.steps[s]!;
      return (
        instance.kind === "action" &&
        (instance.status === "running" || instance.status === "waiting")
      );
    }),
  );
  if (busy.length > concurrency) {
    fail(
      `${where}: loop ${id} has actions in flight for items ${busy.map((i) => i.index).join(",")} (concurrency ${concurrency})`,
    );
  }
  for (const item of busy) {
    if (item.state.status !== "running") {
      fail(`${where}: item ${item.id} is ${item.state.status} with an action in flight`);
    }
  }
  const open = step.status === "running" || step.status === "waiting";
  if (open && JSON.stringify(running) !== JSON.stringify(loop.active)) {
    fail(`${where}: loop ${id} says items ${loop.active} are active, ${running} are running`);
  }
  // Items a retry starts again: ascending, started before, pending until they start.
  const again = loop.again ?? [];
  again.forEach((index, i) => {
    const item = items[index];
    if (
      (i > 0 && again[i - 1]! >= index) ||
      index >= loop.next ||
      item?.state.status !== "pending" ||
      loop.active.includes(index) ||
      loop.failed.includes(index)
    ) {
      fail(
        `${where}: loop ${id} would start item ${index} again (again ${again}, next ${loop.next}, ${item?.state.status})`,
      );
    }
  });
  const succeeded = items.filter((i) => i.state.status === "succeeded").length;
  const failed = items.filter((i) => i.state.status === "failed").map((i) => i.index);
  if (succeeded !== loop.succeeded) {
    fail(`${where}: loop ${id} counts ${loop.succeeded} succeeded items, ${succeeded} are`);
  }
  if (JSON.stringify(failed) !== JSON.stringify(loop.failed)) {
    fail(`${where}: loop ${id} lists failed items ${loop.failed}, the failed ones are ${failed}`);
  }
  for (const item of items) {
    if (
      item.index >= loop.next &&
      item.state.status !== "pending" &&
      item.state.status !== "cancelled"
    ) {
      fail(`${where}: item ${item.id} is ${item.state.status} but not started (next ${loop.next})`);
    }
  }
  if (step.status !== "succeeded" && step.status !== "failed") return;
  // A finished loop: nothing in flight, an output that matches its items.
  if (loop.active.length > 0) fail(`${where}: loop ${id} ${step.status} with items active`);
  const output = step.output as {
    results?: unknown[];
    failed?: { index: number; error: unknown }[];
  } | null;
  if (output === null || !Array.isArray(output.results) || !Array.isArray(output.failed)) {
    fail(`${where}: loop ${id} ${step.status} without { results, failed }`);
  }
  if (output.results.length !== loop.total) {
    fail(`${where}: loop ${id} has ${output.results.length} results for ${loop.total} items`);
  }
  const listed = output.failed.map((f) => f.index);
  if (JSON.stringify(listed) !== JSON.stringify(failed)) {
    fail(`${where}: loop ${id} output lists failed items ${listed}, the failed ones are ${failed}`);
  }
  for (const item of items) {
    const result = output.results[item.index];
    const ok = item.state.status === "succeeded";
    if (ok !== (result !== null) || (ok && differs(item.state.output, result, "") !== null)) {
      fail(`${where}: loop ${id} result ${item.index} does not match item ${item.id}`);
    }
  }
  if (step.status === "succeeded") {
    const policy = definition.onItemFailure ?? LOOP_DEFAULTS.onItemFailure;
    if (typeof policy === "string" && failed.length > 0)
      fail(`${where}: loop ${id} (${policy}) succeeded with failed items ${failed}`);
    if (loop.next !== loop.total || succeeded + failed.length !== loop.total)
      fail(`${where}: loop ${id} succeeded with items not run`);
  }
}

/**
 * Where two JSON-like values differ (null: nowhere). Unlike comparing their
 * JSON, a member set to undefined differs from a missing one, and NaN or a
 * Date from what JSON makes of it.
 */
function differs(a: unknown, b: unknown, path: string): string | null {
  if (Object.is(a, b)) return null;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) {
    return `${path}: ${String(a)} vs ${String(b)}`;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return `${path}: list vs map`;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return `${path}: not plain`;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return `${path}: keys ${ka} vs ${kb}`;
  for (const key of ka) {
    if (!Object.hasOwn(b, key)) return `${path}.${key}: missing`;
    const d = differs(
      (a as Record<string, unknown>)[key],
      (b as Record<string, unknown>)[key],
      `${path}.${key}`,
    );
    if (d !== null) return d;
  }
  return null;
}

/**
 * Checks a run once the world is quiet. `applications` counts each step
 * instance's effects by run and instance (not by key): every succeeded
 * action, each item's included, had its effect exactly once.
 */
export function checkQuiescent(state: RunState, applications: ReadonlyMap<string, number>): void {
  const where = `run ${state.runId}`;
  checkCheckpoint(state, where);
  checkJsonRoundTrip(state, JSON.parse(JSON.stringify(state)), where);
  for (const [id, step] of Object.entries(state.steps)) {
    if (step.kind !== "action" || step.status !== "succeeded") continue;
    const count = applications.get(`${state.runId}/${id}`) ?? 0;
    if (count !== 1) fail(`${where}: step ${id} succeeded with its effect applied ${count} times`);
  }
  // Every item of a succeeded loop ran its whole body (its steps succeeded or skipped).
  for (const [id, step] of Object.entries(state.steps)) {
    if (step.kind !== "forEach" || step.status !== "succeeded") continue;
    for (const item of loopItems(state, id)) {
      if (item.state.status !== "succeeded") continue;
      for (const s of item.steps) {
        const status = state.steps[s]!.status;
        if (status !== "succeeded" && status !== "skipped")
          fail(`${where}: item ${item.id} succeeded with step ${s} ${status}`);
      }
    }
  }
  if (!isTerminalRunStatus(state.status)) {
    fail(
      `${where}: stuck in ${state.status} with ${state.timers.length} timers and nothing in flight`,
    );
  }
  if (state.status === "succeeded") {
    for (const id of state.order) {
      const status = state.steps[id]?.status;
      if (status !== "succeeded" && status !== "skipped")
        fail(`${where}: succeeded with step ${id} ${status}`);
    }
  }
  if (state.status === "failed" && state.error === null) fail(`${where}: failed without an error`);
  checkNothingOpen(state, where);
}
