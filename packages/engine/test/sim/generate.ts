// Generates random, valid workflows for the simulation. Record types are few,
// so workflows that update records and trigger on record updates form
// cycles: the loop guard must stop every one.
import type { Step, WorkflowDefinition } from "../../src/definition/types.ts";
import type { Prng } from "./prng.ts";

export const RECORD_TYPES = ["acct", "deal"] as const;
export const TRIGGERS = ["order.created", "acct.updated", "deal.updated"] as const;

export function generateWorkflow(rng: Prng, name: string): WorkflowDefinition {
  const trigger = rng.pick(TRIGGERS);
  const payload = trigger.split(".")[0]!;
  const ids: string[] = [];
  let counter = 0;
  const nextId = (): string => `s${counter++}`;

  const action = (): Step => {
    const id = nextId();
    const retry = rng.chance(0.6)
      ? { retry: { attempts: rng.int(1, 4), initial: "1s", max: "10s" }, timeout: "5s" }
      : { timeout: "5s" };
    const kind = rng.int(0, 9);
    const body = rng.chance(0.04) ? `{{ ${payload}.nope }}` : `n={{ ${payload}.n }}`;
    if (kind <= 2) return { id, action: "send_sms", config: { to: "+100", body }, ...retry };
    if (kind <= 4) {
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

  const list = (depth: number, min: number, max: number): Step[] => {
    const steps: Step[] = [];
    const n = rng.int(min, max);
    for (let i = 0; i < n; i++) {
      const roll = rng.next();
      if (depth < 3 && roll < 0.15) {
        const id = nextId();
        const previous = ids.length > 0 ? rng.pick(ids) : null;
        const condition = rng.chance(0.05)
          ? `${payload}.nope == 1`
          : previous !== null && rng.chance(0.5)
            ? `has(steps.${previous}) && steps.${previous}.status == 'succeeded'`
            : `${payload}.n % 2 == 0`;
        const step: Step = { id, if: condition, then: list(depth + 1, 1, 2) };
        if (rng.chance(0.6)) step.else = list(depth + 1, 1, 2);
        steps.push(step);
        ids.push(id);
      } else if (depth < 3 && roll < 0.27) {
        const id = nextId();
        steps.push({ id, parallel: [list(depth + 1, 1, 2), list(depth + 1, 1, 2)] });
        ids.push(id);
      } else {
        const step = action();
        steps.push(step);
        ids.push(step.id);
      }
    }
    return steps;
  };

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
    steps: list(1, 1, 4),
  };
}
