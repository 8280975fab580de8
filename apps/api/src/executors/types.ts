import type { Causation, EmittedEvent } from "@switchyard/engine";
import type { Db } from "../db/client.ts";
import type { Env } from "../env.ts";
import type { TenantStoreStub } from "../store/client.ts";

/** What an executor knows about the attempt it carries out. */
export interface ExecutionContext {
  env: Env;
  /** D1, for control-plane reads only (members, settings, providers). */
  db: Db;
  /** The tenant's store: every effect we own is written there. */
  store: TenantStoreStub;
  tenantId: string;
  workflowId: string;
  runId: string;
  stepId: string;
  attempt: number;
  /** `${runId}:${stepId}`: the same across attempts and manual retries. */
  idempotencyKey: string;
  /** One attempt's limit; `signal` aborts when it passes. */
  timeoutMs: number;
  signal: AbortSignal;
  /** RFC 3339, read once by the consumer. */
  now: string;
  /** For effects that emit events (record updates): their causation and id. */
  emit: { causation: Causation; eventId: string };
  /**
   * Values this attempt sent that no run may show (a connection's
   * credentials, its OAuth token), as [label, value] pairs: the consumer
   * masks them, like secrets, in everything the executor answers — a
   * target that echoes its Authorization header back is never stored.
   */
  reveal?: (pairs: ReadonlyArray<readonly [string, string]>) => void;
}

/**
 * How an attempt ended. `events` are emitted by the run (with ids derived
 * from run and step, so a replayed success emits nothing new).
 */
export type ExecutionOutcome =
  | { status: "succeeded"; output: unknown; events?: EmittedEvent[] }
  | {
      status: "failed";
      error: { code: string; message: string };
      retryable: boolean;
      /** The target asked for this pause (HTTP Retry-After), in ms. */
      retryAfterMs?: number;
    }
  | {
      /**
       * Nothing was sent: a shared limit (a connection's rate limit) had no
       * slot. The run tries again after `retryAfterMs` without spending an
       * attempt of the step's retry policy.
       */
      status: "deferred";
      retryAfterMs: number;
      /** In words: "waiting for connection erp's limit (60 calls a minute)". */
      reason: string;
    };

/**
 * One action's effect. `config` is the step's config with every template
 * rendered; executors validate it with the catalogue's schema (the engine
 * already did, but rendering can produce anything).
 * @example export const sendSms: Executor = { action: "send_sms", execute: async (config, ctx) => … };
 */
export interface Executor {
  action: string;
  execute(config: unknown, ctx: ExecutionContext): Promise<ExecutionOutcome>;
}

/** A failure that no retry can fix (bad config, a 4xx from the target). */
export function permanentFailure(code: string, message: string): ExecutionOutcome {
  return { status: "failed", error: { code, message }, retryable: false };
}

/** A failure worth another attempt (5xx, timeouts, 429). */
export function transientFailure(
  code: string,
  message: string,
  retryAfterMs?: number,
): ExecutionOutcome {
  return {
    status: "failed",
    error: { code, message },
    retryable: true,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  };
}

/** What an outcome that is not a success says: the error's message, or why it waits. */
export function outcomeMessage(
  outcome: Exclude<ExecutionOutcome, { status: "succeeded" }>,
): string {
  return outcome.status === "deferred" ? outcome.reason : outcome.error.message;
}

/** The attempt waits for a shared limit and is tried again later (nothing was sent). */
export function deferredOutcome(retryAfterMs: number, reason: string): ExecutionOutcome {
  return { status: "deferred", retryAfterMs, reason };
}
