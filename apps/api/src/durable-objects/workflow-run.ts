import { DurableObject } from "cloudflare:workers";
import {
  advance,
  type Command,
  type CreateRunParams,
  checkRetryCompatibility,
  createRun,
  type RunInput,
  type RunState,
  type WorkflowDefinition,
} from "@switchyard/engine";
import type { Env } from "../env.ts";
import { nowIso } from "../lib/time.ts";
import type { Lane } from "../store/limits.ts";
import { type ActionMessage, actionsQueue, carryOut, type Dispatch } from "./run-commands.ts";

/** How long a crash may leave commands un-carried-out before the alarm replays them. */
const REPLAY_AFTER_MS = 5_000;
/**
 * An attempt no consumer has asked for after this long is sent to the
 * ACTIONS queue again (a local queue drops in-flight messages when
 * `wrangler dev` dies): a lost message costs seconds, not an attempt.
 */
export const REDISPATCH_AFTER_MS = 10_000;

/** Dispatched attempts no consumer has claimed yet, by step. */
type Unclaimed = Record<string, { attempt: number; at: number; sends: number }>;

export type RunReply =
  | { ok: true; status: RunState["status"] }
  | {
      ok: false;
      reason: string;
      message: string;
      differing?: Array<{ stepId: string; reason: string }>;
    };

export interface RetryPreview {
  runStatus: RunState["status"];
  retryable: boolean;
  version: number;
  target: {
    version: number;
    compatible: boolean;
    differing: Array<{ stepId: string; reason: string }>;
  } | null;
  steps: Array<{
    id: string;
    kind: string;
    action: string | null;
    status: string;
    /** kept: succeeded or skipped, never repeated; again: failed, runs again; first_time: not reached yet. */
    plan: "kept" | "again" | "first_time";
    attempts: number;
    lastInput: unknown;
  }>;
}

interface Stored {
  tenantId: string;
  state: RunState;
  /** Commands persisted with the state and not yet known to be carried out. */
  pending: Command[];
  /** The queues its actions take: `bulk` when its event came from a bursting tenant. */
  lane?: Lane;
  /** The status the tenant store's runs index last heard of. */
  indexedStatus?: RunState["status"];
  /** The runs index is told with the pending commands (the status changed). */
  indexDue?: boolean;
}

/**
 * One Durable Object per run: the single writer of that run (DESIGN.md).
 * A thin shell around the engine: load the state, `advance` it, persist the
 * new state with its commands in one storage transaction, then carry the
 * commands out. A crash after the write leaves the commands in storage; the
 * alarm replays them (every command is idempotent downstream: queue
 * redeliveries are stale attempts to the engine, event ids are derived from
 * run and step, effects are keyed by `runId:stepId`).
 */
export class WorkflowRun extends DurableObject<Env> {
  /** Transitions run one at a time, including their D1 and queue I/O. */
  private chain: Promise<unknown> = Promise.resolve();

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async load(): Promise<Stored | undefined> {
    return this.ctx.storage.get<Stored>("run");
  }

  /** Creates and starts the run; a second call (a redelivered event) changes nothing. */
  async start(tenantId: string, params: CreateRunParams, lane: Lane = "main"): Promise<RunReply> {
    return this.serial(async () => {
      const existing = await this.load();
      if (existing) return { ok: true, status: existing.state.status };
      return this.apply(
        { tenantId, state: createRun(params), pending: [], ...(lane === "bulk" ? { lane } : {}) },
        { type: "start", at: Date.now() },
      );
    });
  }

  /** A step's result from the action consumer, or any other engine input. */
  async input(input: RunInput): Promise<RunReply> {
    return this.serial(async () => {
      const stored = await this.load();
      if (!stored) return { ok: false, reason: "not_found", message: "no such run" };
      return this.apply(stored, input);
    });
  }

  /** Resumes a failed run, optionally on another version (after the compatibility check). */
  async retry(to?: { version: number; definition: WorkflowDefinition }): Promise<RunReply> {
    return this.serial(async () => {
      const stored = await this.load();
      if (!stored) return { ok: false, reason: "not_found", message: "no such run" };
      if (to) {
        const compat = checkRetryCompatibility(stored.state, to.definition);
        if (!compat.ok) {
          return {
            ok: false,
            reason: "incompatible_version",
            message: `version ${to.version} changes steps this run has already finished`,
            differing: compat.differing,
          };
        }
      }
      return this.apply(stored, { type: "retryRequested", ...(to ? { to } : {}), at: Date.now() });
    });
  }

  /**
   * What a retry would do, before anything runs: the steps that will run
   * again (failed ones) or for the first time (not reached), and whether
   * the run may move to `to`.
   */
  async retryPreview(to?: {
    version: number;
    definition: WorkflowDefinition;
  }): Promise<RetryPreview | null> {
    const stored = await this.load();
    if (!stored) return null;
    const { state } = stored;
    const steps = state.order.map((id) => {
      const s = state.steps[id]!;
      const rerun = s.status === "failed" || s.status === "cancelled";
      return {
        id,
        kind: s.kind,
        action: s.action,
        status: s.status,
        plan:
          s.status === "succeeded" || s.status === "skipped"
            ? ("kept" as const)
            : rerun
              ? ("again" as const)
              : ("first_time" as const),
        attempts: s.attempt,
        lastInput: s.input,
      };
    });
    const compat = to ? checkRetryCompatibility(state, to.definition) : ({ ok: true } as const);
    return {
      runStatus: state.status,
      retryable: state.status === "failed",
      version: state.version,
      target: to
        ? {
            version: to.version,
            compatible: compat.ok,
            differing: compat.ok ? [] : compat.differing,
          }
        : null,
      steps,
    };
  }

  /** What the action consumer needs for one attempt; null when the attempt is stale. */
  async dispatch(stepId: string, attempt: number): Promise<Dispatch | null> {
    return this.serial(async () => {
      const d = await this.ctx.storage.get<Dispatch>(`dispatch:${stepId}`);
      const stored = await this.load();
      const step = stored?.state.steps[stepId];
      if (
        !d ||
        !step ||
        d.attempt !== attempt ||
        step.attempt !== attempt ||
        step.status !== "running"
      ) {
        return null;
      }
      const unclaimed = (await this.ctx.storage.get<Unclaimed>("unclaimed")) ?? {};
      if (unclaimed[stepId]?.attempt === attempt) {
        delete unclaimed[stepId];
        await this.ctx.storage.put("unclaimed", unclaimed);
      }
      return d;
    });
  }

  async snapshot(): Promise<RunState | null> {
    return (await this.load())?.state ?? null;
  }

  override async alarm(): Promise<void> {
    await this.serial(async () => {
      let stored = await this.load();
      if (!stored) return;
      if (stored.pending.length > 0 || stored.indexDue) await this.finishCommands(stored);
      const now = Date.now();
      // Fire every due timer, earliest first; each is one transition.
      for (;;) {
        stored = (await this.load())!;
        const due = stored.state.timers.find((t) => t.at <= now);
        if (!due) break;
        await this.apply(stored, {
          type: "timerFired",
          timerId: due.id,
          random: Math.random(),
          at: now,
        });
      }
      await this.redispatch((await this.load())!, Date.now());
      await this.armAlarm((await this.load())!);
    });
  }

  /** Re-sends attempts whose queue message nobody claimed, backing off. */
  private async redispatch(stored: Stored, now: number): Promise<void> {
    const unclaimed = (await this.ctx.storage.get<Unclaimed>("unclaimed")) ?? {};
    let changed = false;
    for (const [stepId, entry] of Object.entries(unclaimed)) {
      if (entry.at > now) continue;
      const step = stored.state.steps[stepId];
      changed = true;
      if (step?.status !== "running" || step.attempt !== entry.attempt) {
        delete unclaimed[stepId];
        continue;
      }
      const message: ActionMessage = {
        tenantId: stored.tenantId,
        runId: stored.state.runId,
        stepId,
        attempt: entry.attempt,
      };
      await actionsQueue(this.env, stored.lane).send(message);
      unclaimed[stepId] = {
        attempt: entry.attempt,
        at: now + REDISPATCH_AFTER_MS * 2 ** Math.min(entry.sends, 3),
        sends: entry.sends + 1,
      };
    }
    if (changed) await this.ctx.storage.put("unclaimed", unclaimed);
  }

  private async apply(stored: Stored, input: RunInput): Promise<RunReply> {
    const withRandom =
      input.type === "stepFailed" && input.random === undefined
        ? { ...input, random: Math.random() }
        : input;
    const result = advance(stored.state, withRandom);
    if (result.ignored) {
      return {
        ok: false,
        reason: result.ignored.reason,
        message: result.ignored.message,
        ...(result.ignored.differing ? { differing: result.ignored.differing } : {}),
      };
    }
    const next: Stored = {
      tenantId: stored.tenantId,
      state: result.state,
      pending: [...stored.pending, ...result.commands],
      ...(stored.lane ? { lane: stored.lane } : {}),
      ...(stored.indexedStatus ? { indexedStatus: stored.indexedStatus } : {}),
      indexDue: stored.indexDue === true || result.state.status !== stored.indexedStatus,
    };
    // One storage transaction: the new checkpoint, its commands, the dispatch
    // payloads the consumer will ask for, and a safety alarm for the replay.
    const writes: Record<string, unknown> = { run: next };
    for (const c of result.commands) {
      if (c.type === "dispatch") {
        const d: Dispatch = {
          tenantId: stored.tenantId,
          workflowId: result.state.workflowId,
          runId: c.runId,
          stepId: c.stepId,
          attempt: c.attempt,
          action: c.action,
          config: c.config,
          idempotencyKey: c.idempotencyKey,
          timeoutMs: c.timeoutMs,
          emit: c.emit,
        };
        writes[`dispatch:${c.stepId}`] = d;
      }
    }
    const dispatched = result.commands.filter((c) => c.type === "dispatch");
    if (dispatched.length > 0) {
      const unclaimed = (await this.ctx.storage.get<Unclaimed>("unclaimed")) ?? {};
      const now = Date.now();
      for (const c of dispatched)
        unclaimed[c.stepId] = { attempt: c.attempt, at: now + REDISPATCH_AFTER_MS, sends: 1 };
      writes.unclaimed = unclaimed;
    }
    await this.ctx.storage.put(writes);
    if (next.pending.length > 0 || next.indexDue)
      await this.ctx.storage.setAlarm(Date.now() + REPLAY_AFTER_MS);
    await this.finishCommands(next);
    await this.armAlarm((await this.load())!);
    return { ok: true, status: result.state.status };
  }

  /** Carries out the pending commands, then forgets them. */
  private async finishCommands(stored: Stored): Promise<void> {
    await carryOut(
      this.env,
      stored.tenantId,
      stored.state,
      stored.pending,
      nowIso(),
      stored.lane,
      stored.indexDue === true,
    );
    await this.ctx.storage.put("run", {
      ...stored,
      pending: [],
      indexDue: false,
      ...(stored.indexDue ? { indexedStatus: stored.state.status } : {}),
    } satisfies Stored);
  }

  /** The one alarm: the earliest open timer (delays, backoff, timeouts, approval expiry). */
  private async armAlarm(stored: Stored): Promise<void> {
    const unclaimed = (await this.ctx.storage.get<Unclaimed>("unclaimed")) ?? {};
    const times = [
      ...stored.state.timers.map((t) => t.at),
      ...Object.values(unclaimed).map((u) => u.at),
    ];
    if (stored.pending.length > 0 || stored.indexDue) times.push(Date.now() + REPLAY_AFTER_MS);
    if (times.length > 0) await this.ctx.storage.setAlarm(Math.min(...times));
    else await this.ctx.storage.deleteAlarm();
  }

  /** Liveness and storage check, used by the binding tests. */
  async ping(): Promise<{ ok: true; storage: "sqlite" }> {
    this.ctx.storage.sql.exec("SELECT 1");
    return { ok: true, storage: "sqlite" };
  }
}
