import type { RunInput } from "@switchyard/engine";
import { createDb } from "../db/client.ts";
import type { ActionMessage, Dispatch } from "../durable-objects/run-commands.ts";
import type { Env } from "../env.ts";
import { executorFor } from "../executors/registry.ts";
import type { ExecutionOutcome } from "../executors/types.ts";
import { nowIso } from "../lib/time.ts";
import { storeFor } from "../store/client.ts";
import { masker, maskOutcome, prepareSecrets } from "./step-secrets.ts";

/**
 * Runs one attempt: asks the run's DO for the attempt's payload (null when
 * the attempt is stale: a redelivery, or a newer attempt exists), runs the
 * executor under the attempt's timeout, and reports the outcome to the DO.
 */
export async function runAction(env: Env, message: ActionMessage): Promise<void> {
  const stub = env.RUNS.get(env.RUNS.idFromName(message.runId));
  // RPC typing cannot express `unknown` fields; the DO returns a Dispatch.
  const d = (await stub.dispatch(message.stepId, message.attempt)) as unknown as Dispatch | null;
  if (!d) return;
  // Secret fields are filled in just before the executor runs, and every
  // secret value masked in what it answers (step-secrets.ts).
  const prepared = await prepareSecrets(env, d);
  // A connection's credentials the executor sent are masked the same way.
  const revealed: Array<readonly [string, string]> = [];
  const executor = executorFor(d.action);
  let outcome: ExecutionOutcome;
  if (!prepared.ok) {
    outcome = prepared.outcome;
  } else if (!executor) {
    outcome = {
      status: "failed",
      error: {
        code: "unsupported_action",
        message: `no executor for '${d.action}' on this Worker`,
      },
      retryable: false,
    };
  } else {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | null = null;
    const timeout = new Promise<ExecutionOutcome>((resolve) => {
      timer = setTimeout(() => {
        controller.abort();
        resolve({
          status: "failed",
          error: { code: "timeout", message: `the attempt took longer than ${d.timeoutMs} ms` },
          retryable: true,
        });
      }, d.timeoutMs);
    });
    try {
      outcome = await Promise.race([
        executor.execute(prepared.config, {
          env,
          db: createDb(env.DB),
          store: storeFor(env, d.tenantId),
          tenantId: d.tenantId,
          workflowId: d.workflowId,
          runId: d.runId,
          stepId: d.stepId,
          attempt: d.attempt,
          idempotencyKey: d.idempotencyKey,
          timeoutMs: d.timeoutMs,
          signal: controller.signal,
          now: nowIso(),
          emit: d.emit,
          reveal: (pairs) => {
            revealed.push(...pairs);
          },
        }),
        timeout,
      ]);
    } catch (err) {
      // An executor that throws hit something unexpected (D1 down, a bug):
      // worth another attempt, and the message says what happened.
      outcome = {
        status: "failed",
        error: {
          code: "executor_error",
          message: err instanceof Error ? err.message : String(err),
        },
        retryable: true,
      };
    } finally {
      if (timer !== null) clearTimeout(timer);
    }
    outcome = maskOutcome(maskOutcome(outcome, prepared.mask), masker(revealed));
  }
  const at = Date.now();
  if (outcome.status === "deferred") {
    // Nothing was sent (a connection's rate limit): the run tries again later.
    await stub.input({
      type: "stepDeferred",
      stepId: d.stepId,
      attempt: d.attempt,
      retryAfterMs: outcome.retryAfterMs,
      reason: outcome.reason,
      at,
    });
    return;
  }
  const input: RunInput =
    outcome.status === "succeeded"
      ? {
          type: "stepSucceeded",
          stepId: d.stepId,
          attempt: d.attempt,
          output: outcome.output,
          ...(outcome.events ? { events: outcome.events } : {}),
          at,
        }
      : {
          type: "stepFailed",
          stepId: d.stepId,
          attempt: d.attempt,
          error: outcome.error,
          retryable: outcome.retryable,
          ...(outcome.retryAfterMs !== undefined ? { retryAfterMs: outcome.retryAfterMs } : {}),
          at,
        };
  await stub.input(input);
}

/**
 * A message that exhausted its deliveries fails its step visibly, instead
 * of vanishing (the DO ignores it if the attempt has moved on).
 */
export async function failPoisonAction(env: Env, message: ActionMessage): Promise<void> {
  const stub = env.RUNS.get(env.RUNS.idFromName(message.runId));
  await stub.input({
    type: "stepFailed",
    stepId: message.stepId,
    attempt: message.attempt,
    error: {
      code: "delivery_failed",
      message: "the action could not be delivered after every retry",
    },
    retryable: false,
    at: Date.now(),
  });
}
