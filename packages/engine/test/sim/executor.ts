// The simulation's executors: they fail (retryable or not), hang, apply
// their effect and crash before reporting, or succeed. Effects are deduped by
// idempotency key, as the real executors do, and counted per run and step
// independently of keys: a count above one means the engine changed a key.
// Inside loops the step is an instance (`reserve[3]`), so each item's effect
// is counted on its own; a key shared by two instances would silently skip
// the second one's effect, so a key must name one instance only.
import type { Command, EmittedEvent, RunInput } from "../../src/run/inputs.ts";
import { itemsOfUpdate } from "./generate.ts";
import { InvariantViolation } from "./invariants.ts";
import type { Prng } from "./prng.ts";

export type Dispatch = Extract<Command, { type: "dispatch" }>;
export type InputWithoutTime = RunInput extends infer I
  ? I extends RunInput
    ? Omit<I, "at">
    : never
  : never;

type Send = (runId: string, input: InputWithoutTime, delay: number, droppable: boolean) => void;

export class Executor {
  /** Effects applied, by idempotency key. */
  private readonly effects = new Map<string, { output: unknown; events: EmittedEvent[] }>();
  /** Effects applied per run and step, counted independently of keys. */
  readonly applications = new Map<string, number>();
  /** The run and step instance each idempotency key was first dispatched for. */
  private readonly owners = new Map<string, string>();

  constructor(
    private readonly rng: Prng,
    private readonly send: Send,
  ) {}

  execute(dispatch: Dispatch): void {
    const key = dispatch.idempotencyKey;
    const owner = `${dispatch.runId}/${dispatch.stepId}`;
    const first = this.owners.get(key);
    if (first === undefined) this.owners.set(key, owner);
    else if (first !== owner)
      throw new InvariantViolation(`idempotency key ${key} dispatched for ${first} and ${owner}`);
    const report = (input: InputWithoutTime): void => {
      this.send(dispatch.runId, input, this.rng.int(5, 3_000), true);
    };
    const done = this.effects.get(key);
    if (done !== undefined) {
      report({
        type: "stepSucceeded",
        stepId: dispatch.stepId,
        attempt: dispatch.attempt,
        output: done.output,
        events: done.events,
      });
      return;
    }
    const roll = this.rng.next();
    if (roll >= 0.95) {
      // A shared limit had no slot: nothing was sent, try again later.
      report({
        type: "stepDeferred",
        stepId: dispatch.stepId,
        attempt: dispatch.attempt,
        retryAfterMs: this.rng.int(100, 5_000),
        reason: "waiting for connection sim's limit",
      });
      return;
    }
    if (roll < 0.12) {
      report({
        type: "stepFailed",
        stepId: dispatch.stepId,
        attempt: dispatch.attempt,
        error: { code: "unavailable", message: "503" },
        retryable: true,
        random: this.rng.next(),
        ...(this.rng.chance(0.2) ? { retryAfterMs: this.rng.int(1_000, 20_000) } : {}),
      });
      return;
    }
    if (roll < 0.15) {
      report({
        type: "stepFailed",
        stepId: dispatch.stepId,
        attempt: dispatch.attempt,
        error: { code: "rejected", message: "400" },
        retryable: false,
      });
      return;
    }
    if (roll < 0.21) return; // hangs: the attempt's timeout must catch it
    const effect = this.applyEffect(dispatch);
    if (roll < 0.27) return; // the effect happened, the report was lost in a crash
    report({
      type: "stepSucceeded",
      stepId: dispatch.stepId,
      attempt: dispatch.attempt,
      output: effect.output,
      events: effect.events,
    });
  }

  private applyEffect(dispatch: Dispatch): { output: unknown; events: EmittedEvent[] } {
    const ledgerKey = `${dispatch.runId}/${dispatch.stepId}`;
    const count = (this.applications.get(ledgerKey) ?? 0) + 1;
    this.applications.set(ledgerKey, count);
    if (count > 1) throw new InvariantViolation(`effect of ${ledgerKey} applied ${count} times`);
    const config = dispatch.config as Record<string, unknown>;
    let effect: { output: unknown; events: EmittedEvent[] };
    switch (dispatch.action) {
      case "update_record": {
        const fields = config.fields as Record<string, unknown>;
        const n = typeof fields.n === "number" ? fields.n + 1 : 0;
        effect = {
          output: { type: config.type, id: config.id, version: 1, changed: ["n"] },
          events: [
            {
              type: `${String(config.type)}.updated`,
              data: { id: config.id, n, items: itemsOfUpdate(n) },
            },
          ],
        };
        break;
      }
      case "request_approval": {
        effect = { output: { approvalId: `apr_${dispatch.idempotencyKey}` }, events: [] };
        const decide = this.rng.next();
        if (decide < 0.7) {
          const input: InputWithoutTime = {
            type: "approvalDecided",
            stepId: dispatch.stepId,
            decision: this.rng.chance(0.5) ? "approved" : "rejected",
            decidedBy: "m@example.com",
          };
          this.send(dispatch.runId, input, this.rng.int(0, 7_200_000), false);
        }
        break;
      }
      default:
        effect = {
          output: { messageId: `m_${dispatch.idempotencyKey}`, provider: "sim" },
          events: [],
        };
    }
    this.effects.set(dispatch.idempotencyKey, effect);
    return effect;
  }
}
