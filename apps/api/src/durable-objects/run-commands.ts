import { assertNever, type Causation, type Command, type RunState } from "@switchyard/engine";
import { and, eq } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { approvals, tasks } from "../db/schema.ts";
import type { Env } from "../env.ts";
import { acceptEvent } from "../services/events.ts";
import type { Lane } from "../services/rate-limit.ts";
import { projectRun } from "../services/run-projection.ts";

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
  config: unknown;
  idempotencyKey: string;
  timeoutMs: number;
  emit: { causation: Causation; eventId: string };
}

/** The ACTIONS queue of a run's lane (services/rate-limit.ts). */
export const actionsQueue = (env: Env, lane: Lane | undefined) =>
  lane === "bulk" ? env.ACTIONS_BULK : env.ACTIONS;

/**
 * Carries out an engine transition's commands, then projects the run to D1.
 * Every command is safe to repeat: a replay after a crash changes nothing
 * that already happened.
 */
export async function carryOut(
  env: Env,
  db: Db,
  tenantId: string,
  state: RunState,
  commands: Command[],
  at: string,
  lane?: Lane,
): Promise<void> {
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
      case "emitEvent":
        await acceptEvent(
          env,
          db,
          tenantId,
          {
            id: c.eventId,
            type: c.eventType,
            data: (c.data ?? {}) as Record<string, unknown>,
            changes: c.changes,
            causation: c.causation,
            source: `run:${state.runId}`,
            // A bursting tenant's chains stay in its lane.
            lane,
          },
          at,
        );
        break;
      case "closeApproval":
        // The approver's task closes with its approval.
        await db
          .update(tasks)
          .set({ status: "done", updatedAt: at })
          .where(
            and(
              eq(tasks.tenantId, tenantId),
              eq(tasks.runId, state.runId),
              eq(tasks.stepId, c.stepId),
            ),
          );
        await db
          .update(approvals)
          .set({ status: c.status, decidedAt: at })
          .where(
            and(
              eq(approvals.tenantId, tenantId),
              eq(approvals.runId, state.runId),
              eq(approvals.stepId, c.stepId),
              eq(approvals.status, "pending"),
            ),
          );
        break;
      case "setTimer":
      case "cancelTimer":
        // The DO arms its one alarm from the state's timers after each transition.
        break;
      case "timeline":
      case "finish":
        // Both are visible through the projection below.
        break;
      default:
        assertNever(c, "command");
    }
  }
  await projectRun(db, tenantId, state, at);
}
