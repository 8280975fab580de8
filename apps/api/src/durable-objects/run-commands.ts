import {
  assertNever,
  type Causation,
  type Command,
  type EventEnvelope,
  type RunInput,
  type RunState,
} from "@switchyard/engine";
import type { Env } from "../env.ts";
import { runEndOf } from "../store/alerts.ts";
import { storeFor } from "../store/client.ts";
import type { Lane } from "../store/limits.ts";
import { FINAL_STATUSES, runAuditRecord, runIndexRow } from "../store/runs.ts";

/** The ACTIONS queue message: ids only (DESIGN.md). */
export interface ActionMessage {
  tenantId: string;
  runId: string;
  stepId: string;
  attempt: number;
}

/** One attempt's payload, kept in the run DO and read by the action consumer. */
export interface Dispatch extends ActionMessage {
  workflowId: string;
  action: string;
  /** The rendered config; a secret field in it is a template over `secrets` only. */
  config: unknown;
  /**
   * Paths within `config` of the fields that read secrets (issue 17): the
   * action consumer fills them in just before the executor runs. The run
   * keeps only the placeholders, never a value.
   */
  secretFields?: Array<Array<string | number>>;
  idempotencyKey: string;
  timeoutMs: number;
  emit: { causation: Causation; eventId: string };
}

/** The ACTIONS queue of a run's lane (store/limits.ts). */
export const actionsQueue = (env: Env, lane: Lane | undefined) =>
  lane === "bulk" ? env.ACTIONS_BULK : env.ACTIONS;

/**
 * Carries out an engine transition's commands. Every command is safe to
 * repeat: a replay after a crash changes nothing that already happened.
 * The tenant's store hears of the run when `index` says so (start, status
 * changes, end), never per step. Answers the inputs that follow from them:
 * the events that arrived before a wait opened (the store's look-back),
 * for the run to apply next.
 */
export async function carryOut(
  env: Env,
  tenantId: string,
  state: RunState,
  commands: Command[],
  at: string,
  lane: Lane | undefined,
  index: boolean,
): Promise<RunInput[]> {
  const store = storeFor(env, tenantId);
  const follow: RunInput[] = [];
  for (const c of commands) {
    switch (c.type) {
      case "dispatch": {
        const message: ActionMessage = {
          tenantId,
          runId: c.runId,
          stepId: c.stepId,
          attempt: c.attempt,
        };
        await actionsQueue(env, lane).send(message);
        break;
      }
      case "emitEvent": {
        const reply = await store.ingest(
          tenantId,
          {
            id: c.eventId,
            type: c.eventType,
            data: (c.data ?? {}) as Record<string, unknown>,
            changes: c.changes,
            causation: c.causation,
            source: `run:${state.runId}`,
          },
          // A run's chains stay in its lane; its own limit was taken at ingest.
          { lane: lane ?? "main" },
        );
        if (!reply.ok) throw new Error("emitted event refused by the store");
        break;
      }
      case "closeApproval":
        // The approval, and the approver's task, close with the step.
        await store.closeApproval(tenantId, state.runId, c.stepId, c.status, at);
        break;
      case "openWait": {
        // (`data: unknown` defeats the RPC stub's return type: it is EventEnvelope[].)
        const earlier = (await store.openWait(tenantId, {
          runId: state.runId,
          workflowId: state.workflowId,
          stepId: c.stepId,
          events: c.events,
          match: c.match,
          keys: c.keys,
          deadline: c.deadline,
          triggerEventId: c.triggerEventId,
          since: c.since,
        })) as unknown as EventEnvelope[];
        const at = Date.now();
        for (const event of earlier) {
          follow.push({ type: "eventArrived", stepId: c.stepId, event, at });
        }
        break;
      }
      case "closeWait":
        await store.closeWait(tenantId, state.runId, c.stepId);
        break;
      case "setTimer":
      case "cancelTimer":
        // The DO arms its one alarm from the state's timers after each transition.
        break;
      case "timeline":
      case "finish":
        // Both are visible in the run's own storage (GET /v1/runs/:id reads it).
        break;
      default:
        assertNever(c, "command");
    }
  }
  if (index) {
    await store.indexRun(
      tenantId,
      runIndexRow(tenantId, state, at, true),
      FINAL_STATUSES.includes(state.status) ? runAuditRecord(state) : undefined,
      runEndOf(state, at),
    );
  }
  return follow;
}
