// Shared test fixtures: small definitions and a driver that feeds inputs.
import type { EventEnvelope } from "../src/context/context.ts";
import type { WorkflowDefinition } from "../src/definition/types.ts";
import { rootCausation } from "../src/loop-guard/causation.ts";
import { advance } from "../src/run/advance.ts";
import type { CreateRunParams } from "../src/run/create-run.ts";
import { createRun } from "../src/run/create-run.ts";
import type { AdvanceResult, Command, RunInput } from "../src/run/inputs.ts";
import type { RunState } from "../src/run/state.ts";

export const T0 = Date.UTC(2025, 0, 1, 9, 0, 0);

export const orderEvent: EventEnvelope = {
  id: "evt_1",
  type: "order.created",
  data: { id: "o1", amount: 12000, status: "new", email: "c@example.com" },
  occurredAt: "2025-01-01T09:00:00Z",
  source: "api",
};

export function definition(
  steps: WorkflowDefinition["steps"],
  filter?: string,
): WorkflowDefinition {
  return {
    name: "Test",
    trigger: { event: "order.created" },
    ...(filter !== undefined ? { filter } : {}),
    steps,
  };
}

export function sms(
  id: string,
  extra: Record<string, unknown> = {},
): WorkflowDefinition["steps"][number] {
  return { id, action: "send_sms", config: { to: "+100", body: `hello from ${id}` }, ...extra };
}

/** Freezes deeply, so a test fails if advance mutates its input. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}

/** Drives a run through inputs, checking purity and JSON round-trips on the way. */
export class Driver {
  state: RunState;
  last: AdvanceResult | null = null;

  constructor(def: WorkflowDefinition, params: Partial<CreateRunParams> = {}) {
    this.state = createRun({
      runId: "run_1",
      workflowId: "wf_1",
      version: 1,
      definition: def,
      event: orderEvent,
      causation: rootCausation(orderEvent.id),
      now: T0,
      ...params,
    });
  }

  feed(input: RunInput): AdvanceResult {
    const before = JSON.stringify(this.state);
    const result = advance(deepFreeze(this.state), input);
    if (JSON.stringify(this.state) !== before) throw new Error("advance mutated its input");
    // State must survive a JSON round-trip (the DO stores it as text).
    this.state = JSON.parse(JSON.stringify(result.state)) as RunState;
    this.last = result;
    return result;
  }

  commands(type: Command["type"]): Command[] {
    return (this.last?.commands ?? []).filter((c) => c.type === type);
  }

  dispatches(): Extract<Command, { type: "dispatch" }>[] {
    return this.commands("dispatch") as Extract<Command, { type: "dispatch" }>[];
  }

  statusOf(id: string): string | undefined {
    return this.state.steps[id]?.status;
  }
}
