// Generates random, valid workflows for the simulation. Record types are few,
// so workflows that update records and trigger on record updates form
// cycles: the loop guard must stop every one. Some steps are forEach loops
// over the event's `items` (0–30 of them, some without `v`, so an item's
// template can fail on its own), with a body of actions, ifs on the item and
// sometimes a loop over the item's `sub` list.
import type { ItemFailurePolicy, Step, WorkflowDefinition } from "../../src/definition/types.ts";
import type { Prng } from "./prng.ts";

export const RECORD_TYPES = ["acct", "deal"] as const;
export const TRIGGERS = ["order.created", "acct.updated", "deal.updated"] as const;

/** One item of an event's list: `v` is missing from about one in ten. */
export interface SimItem {
  k: number;
  v?: number;
  sub: number[];
}

/** An event's `items`: `count` of them, drawn from `rng`. */
export function generateItems(rng: Prng, count: number): SimItem[] {
  return Array.from({ length: count }, (_, k) => ({
    k,
    ...(rng.chance(0.9) ? { v: rng.int(0, 9) } : {}),
    sub: Array.from({ length: rng.int(0, 3) }, () => rng.int(0, 9)),
  }));
}

/** The items of a record's `updated` event: a few, fixed by `n` (no randomness in the executor's data). */
export function itemsOfUpdate(n: number): SimItem[] {
  return Array.from({ length: ((n % 4) + 4) % 4 }, (_, k) => ({
    k,
    ...(k % 3 === 2 ? {} : { v: n + k }),
    sub: k % 2 === 0 ? [k] : [],
  }));
}

const POLICIES: readonly ItemFailurePolicy[] = [
  "stop",
  "continue",
  { failAbove: "10%" },
  { failAbove: "50%" },
];

/** A loop the generated steps are inside: its item's name. */
interface Scope {
  item: string;
  /** An expression for the item's key and one for a value some items lack. */
  k: string;
  v: string;
}

export function generateWorkflow(rng: Prng, name: string, withLoops = true): WorkflowDefinition {
  const trigger = rng.pick(TRIGGERS);
  const payload = trigger.split(".")[0]!;
  let counter = 0;
  const nextId = (): string => `s${counter++}`;

  const action = (scope: Scope | null): Step => {
    const id = nextId();
    const retry = rng.chance(0.6)
      ? { retry: { attempts: rng.int(1, 4), initial: "1s", max: "10s" }, timeout: "5s" }
      : { timeout: "5s" };
    const kind = rng.int(0, 9);
    const body = rng.chance(0.04)
      ? `{{ ${payload}.nope }}`
      : scope !== null && rng.chance(0.7)
        ? // Fails for the items without `v`: one item's failure, not the loop's.
          rng.chance(0.4)
          ? `n={{ ${payload}.n }} v={{ ${scope.v} }} i={{ index }}`
          : `n={{ ${payload}.n }} k={{ ${scope.k} }}`
        : `n={{ ${payload}.n }}`;
    if (kind <= 2) return { id, action: "send_sms", config: { to: "+100", body }, ...retry };
    // Inside a loop, records are updated rarely: each item's update is an event that starts runs.
    if (kind <= 4 && (scope === null || rng.chance(0.15))) {
      return {
        id,
        action: "update_record",
        config: { type: rng.pick(RECORD_TYPES), id: "r1", fields: { n: `{{ ${payload}.n }}` } },
        ...retry,
      };
    }
    if (kind <= 6) {
      // A text body with the default content type is JSON (issue 14).
      const json = body.startsWith("n=") ? `{"n": {{ ${payload}.n }}}` : body;
      return {
        id,
        action: "call_webhook",
        config: { url: "https://hook.test/x", body: json },
        ...retry,
      };
    }
    if (kind <= 8) {
      return {
        id,
        action: "request_approval",
        config: { approver: "m@example.com", title: "Approve {{ event.id }}", timeout: "1h" },
        ...retry,
      };
    }
    return { id, delay: rng.pick(["1s", "5m", "30m"]) };
  };

  // Steps a condition may read: those outside loops, or inside the loops around it.
  const visible: { id: string; loops: string[] }[] = [];
  const loopIds: string[] = [];

  const forEach = (depth: number, scopes: readonly Scope[]): Step => {
    const id = nextId();
    const outer = scopes.at(-1);
    const item = outer === undefined ? rng.pick(["item", "line"]) : rng.pick(["sub", "x"]);
    const roll = rng.next();
    const list =
      outer !== undefined
        ? `${outer.item}.sub`
        : roll < 0.03
          ? `${payload}.nope`
          : roll < 0.05
            ? `${payload}.n`
            : `${payload}.items`;
    loopIds.push(id);
    const scope: Scope =
      outer === undefined
        ? { item, k: `${item}.k`, v: `${item}.v` }
        : { item, k: item, v: outer.v };
    const body = stepList(depth + 1, 1, 3, [...scopes, scope]);
    loopIds.pop();
    const step: Step = {
      id,
      forEach: list,
      ...(item !== "item" ? { as: item } : {}),
      concurrency: rng.int(1, 5),
      onItemFailure: rng.pick(POLICIES),
      ...(rng.chance(0.05) ? { maxItems: rng.int(1, 10) } : {}),
      steps: body,
    };
    if (rng.chance(0.2)) delete step.concurrency;
    if (rng.chance(0.2)) delete step.onItemFailure;
    return step;
  };

  const stepList = (depth: number, min: number, max: number, scopes: readonly Scope[]): Step[] => {
    const steps: Step[] = [];
    const n = rng.int(min, max);
    const scope = scopes.at(-1) ?? null;
    for (let i = 0; i < n; i++) {
      const roll = rng.next();
      const inLoop = scopes.length > 0;
      if (depth < 3 && roll < 0.15) {
        const id = nextId();
        const seen = visible.filter(
          (v) => v.loops.length <= loopIds.length && v.loops.every((l, j) => loopIds[j] === l),
        );
        const previous = seen.length > 0 ? rng.pick(seen).id : null;
        const condition = rng.chance(0.05)
          ? `${payload}.nope == 1`
          : scope !== null && rng.chance(0.6)
            ? rng.chance(0.5)
              ? `${scope.k} % 2 == 0`
              : "index % 3 != 1"
            : previous !== null && rng.chance(0.5)
              ? `has(steps.${previous}) && steps.${previous}.status == 'succeeded'`
              : `${payload}.n % 2 == 0`;
        const step: Step = { id, if: condition, then: stepList(depth + 1, 1, 2, scopes) };
        if (rng.chance(0.6)) step.else = stepList(depth + 1, 1, 2, scopes);
        steps.push(step);
        visible.push({ id, loops: [...loopIds] });
      } else if (depth < 3 && roll < 0.24) {
        const id = nextId();
        steps.push({
          id,
          parallel: [stepList(depth + 1, 1, 2, scopes), stepList(depth + 1, 1, 2, scopes)],
        });
        visible.push({ id, loops: [...loopIds] });
      } else if (
        depth < 4 &&
        roll < (inLoop ? 0.3 : 0.42) &&
        scopes.length < 2 &&
        (inLoop || loops > 0)
      ) {
        if (!inLoop) loops--;
        const step = forEach(depth, scopes);
        steps.push(step);
        visible.push({ id: step.id, loops: [...loopIds] });
        if (rng.chance(0.4)) {
          // A step after the loop reads its output.
          const after = nextId();
          const out = `steps.${step.id}.output`;
          steps.push({
            id: after,
            action: "send_sms",
            config: { to: "+100", body: `{{ size(${out}.results) }}/{{ size(${out}.failed) }}` },
            timeout: "5s",
          });
          visible.push({ id: after, loops: [...loopIds] });
        }
      } else {
        const step = action(scope);
        steps.push(step);
        visible.push({ id: step.id, loops: [...loopIds] });
      }
    }
    return steps;
  };
  // At most two loops outside loops per workflow (each holds up to 30 items).
  let loops = withLoops ? 2 : 0;

  const filterRoll = rng.next();
  const filter =
    filterRoll < 0.5
      ? undefined
      : filterRoll < 0.9
        ? `${payload}.n >= ${rng.int(0, 5)}`
        : filterRoll < 0.95
          ? `${payload}.nope > 1`
          : "1 + 1";
  return {
    name,
    trigger: { event: trigger },
    ...(filter !== undefined ? { filter } : {}),
    steps: stepList(1, 1, 4, []),
  };
}
