import { DurableObject } from "cloudflare:workers";
import {
  advance,
  type CreateRunParams,
  checkRetryCompatibility,
  createRun,
  type EventEnvelope,
  type RunInput,
  type RunState,
  type StepState,
  type WorkflowDefinition,
} from "@switchyard/engine";
import type { Env } from "../env.ts";
import { withD1Wrappers } from "../lib/d1-stats.ts";
import { nowIso } from "../lib/time.ts";
import { storeFor } from "../store/client.ts";
import type { Lane } from "../store/limits.ts";
import type { OwedEntry } from "../store/run-log.ts";
import {
  type ItemPage,
  type ItemStatus,
  itemPage,
  type StepView,
  stepViews,
} from "../store/run-steps.ts";
import { FINAL_STATUSES } from "../store/runs.ts";
import { type ActionMessage, actionsQueue, carryOut, type Dispatch } from "./run-commands.ts";
import { previewRetry, type RetryPreview } from "./run-preview.ts";
import { boundedInput, jsonBytes, keptInput, RunStorage, type Stored } from "./run-storage.ts";

/** How long a crash may leave commands un-carried-out before the alarm replays them. */
const REPLAY_AFTER_MS = 5_000;
/**
 * An attempt no consumer has asked for after this long is sent to the
 * ACTIONS queue again (a local queue drops in-flight messages when
 * `wrangler dev` dies): a lost message costs seconds, not an attempt.
 */
export const REDISPATCH_AFTER_MS = 10_000;

/** The alarm's backoff after a failing pass: 1 s doubling, at most 5 minutes, forever. */
const ALARM_BACKOFF_MAX_MS = 5 * 60_000;

/** Commands or a runs-index update wait to be carried out. */
const commandsDue = (s: Stored): boolean => s.pending.length > 0 || s.indexDue === true;
/** Run-log entries wait to be delivered to the tenant's store. */
const owesLog = (s: Stored): boolean => (s.owed?.length ?? 0) > 0;

export type RunReply =
  | { ok: true; status: RunState["status"] }
  | {
      ok: false;
      reason: string;
      message: string;
      differing?: Array<{ stepId: string; reason: string }>;
    };

/**
 * One Durable Object per run: the single writer of that run (DESIGN.md).
 * A thin shell around the engine: load the state, `advance` it, persist the
 * new state with its commands in one storage transaction (a row per step,
 * run-storage.ts), then carry the commands out. A crash after the write
 * leaves the commands in storage; the alarm, or the next call, replays them
 * (every command is idempotent downstream: queue redeliveries are stale
 * attempts to the engine, event ids are derived from run and step, effects
 * are keyed by `runId:stepId`).
 */
export class WorkflowRun extends DurableObject<Env> {
  /** Transitions run one at a time, including their queue and store I/O. */
  private chain: Promise<unknown> = Promise.resolve();
  private readonly storage: RunStorage;
  /** Alarm passes that failed in a row (in memory: a restart starts again at 1 s). */
  private alarmFailures = 0;
  /** Where this object last set its alarm (undefined: not known since it started). */
  private alarmAt: number | null | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, withD1Wrappers(env));
    this.storage = new RunStorage(ctx.storage);
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => {
      // A failed transition may have left the step cache ahead of storage.
      this.storage.reset();
    });
    return next;
  }

  private load(): Stored | undefined {
    return this.storage.load();
  }

  /**
   * Every call repairs on touch: commands a crash left behind are carried
   * out now, and the alarm is armed if anything is open.
   */
  private async repair(stored: Stored, opts: { bestEffort?: boolean } = {}): Promise<Stored> {
    if (owesLog(stored)) stored = await this.settleOwed();
    try {
      if (commandsDue(stored)) {
        await this.finishCommands(stored);
        stored = this.load()!;
      }
    } catch (err) {
      // A read still answers during an outage; the alarm keeps trying.
      if (!opts.bestEffort) throw err;
      console.error("repair on touch failed; the alarm tries again", err);
      stored = this.load()!;
    }
    if (this.alarmAt === undefined) {
      // First call since the object started: is an alarm coming?
      this.alarmAt = await this.ctx.storage.getAlarm();
      if (this.alarmAt === null) this.armAlarm(stored);
    }
    return stored;
  }

  /** Creates and starts the run; a second call (a redelivered event) changes nothing. */
  async start(tenantId: string, params: CreateRunParams, lane: Lane = "main"): Promise<RunReply> {
    return this.serial(async () => {
      const existing = this.load();
      if (existing) {
        await this.repair(existing);
        return { ok: true, status: existing.state.status };
      }
      // The matcher indexed the run as running when it decided to start it:
      // the start itself tells the index nothing unless it ends elsewhere.
      // The matcher waits only for the run to exist, not for its first sends.
      return this.apply(
        {
          tenantId,
          state: createRun(params),
          pending: [],
          ...(lane === "bulk" ? { lane } : {}),
          indexedStatus: "running",
        },
        { type: "start", at: Date.now() },
        { commandsLater: true },
      );
    });
  }

  /**
   * A step's result from the action consumer, or any other engine input.
   * The reply comes once the input is stored: what follows from it (the
   * next dispatches, the runs index, emitted events) is carried out next,
   * so a consumer's batch does not wait for the run's next hops. `owed`
   * is the run-log entry that audits this input (a cancel, an approval's
   * decision): stored only if the run accepts the input, in the same
   * transaction (see `apply`).
   */
  async input(input: RunInput, owed?: OwedEntry): Promise<RunReply> {
    return this.serial(async () => {
      const found = this.load();
      if (!found) return { ok: false, reason: "not_found", message: "no such run" };
      return this.apply(await this.repair(found), input, { commandsLater: true, owed });
    });
  }

  /**
   * Resumes a failed run, optionally on another version (after the
   * compatibility check); `owed` audits it, committed with the retry.
   */
  async retry(
    to?: { version: number; definition: WorkflowDefinition },
    owed?: OwedEntry,
  ): Promise<RunReply> {
    return this.serial(async () => {
      const found = this.load();
      if (!found) return { ok: false, reason: "not_found", message: "no such run" };
      const stored = await this.repair(found);
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
      return this.apply(
        stored,
        { type: "retryRequested", ...(to ? { to } : {}), at: Date.now() },
        { owed },
      );
    });
  }

  /**
   * What a retry would do, before anything runs: the steps that will run
   * again (failed ones) or for the first time (not reached), and whether
   * the run may move to `to`.
   */
  async retryPreview(
    to?: { version: number; definition: WorkflowDefinition },
    opts?: { render?: boolean },
  ): Promise<RetryPreview | null> {
    const stored = this.load();
    return stored ? previewRetry(stored.state, to, opts) : null;
  }

  /**
   * What the action consumer needs for one attempt; null when the attempt
   * is stale. An attempt is handed out once: a duplicate queue message for
   * it (a redelivery, a re-dispatch racing the first) gets nothing, so no
   * executor runs twice at once. A consumer that dies holding it is covered
   * by the attempt's timeout, which starts the next attempt.
   */
  async dispatch(stepId: string, attempt: number): Promise<Dispatch | null> {
    return this.serial(async () => {
      const d = this.storage.dispatch<Dispatch & { claimedAt?: number }>(stepId);
      const found = this.load();
      if (!found) return null;
      const stored = await this.repair(found, { bestEffort: true });
      const step = stored.state.steps[stepId];
      if (
        !d ||
        !step ||
        d.attempt !== attempt ||
        d.claimedAt !== undefined ||
        step.attempt !== attempt ||
        step.status !== "running"
      ) {
        return null;
      }
      const { claimedAt: _, ...payload } = d;
      const now = Date.now();
      this.ctx.storage.transactionSync(() => {
        this.storage.claim(stepId, attempt);
        this.storage.putDispatch(stepId, { ...payload, claimedAt: now });
      });
      // Its timeout counts from now (time in a queue backlog is not the
      // step's). The transition writes in this same turn, so the claim and
      // the new checkpoint commit together; it sends nothing.
      await this.apply(this.load()!, { type: "attemptClaimed", stepId, attempt, at: now });
      return payload;
    });
  }

  /**
   * The tenant's store found an event this run's wait may be waiting for
   * (by its keys): the engine resumes the step if it waits and the whole
   * match says yes; anything else (a repeat, a wait already over) is ignored.
   */
  async resumeWait(stepId: string, event: EventEnvelope): Promise<RunReply> {
    return this.input({ type: "eventArrived", stepId, event, at: Date.now() });
  }

  async snapshot(): Promise<RunState | null> {
    return this.serial(async () => {
      const found = this.load();
      if (!found) return null;
      return (await this.repair(found, { bestEffort: true })).state;
    });
  }

  /** The run's status; null when the object holds no run (it ended at matching). */
  async status(): Promise<RunState["status"] | null> {
    return this.serial(async () => this.load()?.state.status ?? null);
  }

  /**
   * One step's (or item's) state, by its instance id: what a caller needs
   * of a long run without the whole of it crossing the RPC boundary.
   * Undefined for an unknown step; null when there is no run.
   */
  async stepState(stepId: string): Promise<StepState | undefined | null> {
    return this.serial(async () => {
      const found = this.load();
      if (!found) return null;
      return (await this.repair(found, { bestEffort: true })).state.steps[stepId];
    });
  }

  /**
   * GET /v1/runs/:id: the run without its step states, and its steps as
   * the API shows them, loops bounded (store/run-steps.ts), so a long loop
   * never crosses the RPC boundary whole.
   */
  async view(): Promise<{ state: RunState; steps: StepView[] } | null> {
    return this.serial(async () => {
      const found = this.load();
      if (!found) return null;
      const { state } = await this.repair(found, { bestEffort: true });
      return { state: { ...state, steps: {} }, steps: stepViews(state) };
    });
  }

  /** GET /v1/runs/:id/items: a page of one loop instance's items. */
  async items(
    loop: string,
    q: { status?: ItemStatus | undefined; after?: number | undefined; limit: number },
  ): Promise<ItemPage | null> {
    return this.serial(async () => {
      const found = this.load();
      if (!found) return null;
      return itemPage((await this.repair(found, { bestEffort: true })).state, loop, q);
    });
  }

  /**
   * Fires due timers and replays what a crash left. It never gives up: a
   * failing pass (a queue or the store unreachable) is caught and the alarm
   * re-armed with capped backoff, for as long as it takes.
   */
  override async alarm(): Promise<void> {
    // A running alarm is no longer set: the next armAlarm must set it again.
    this.alarmAt = null;
    try {
      await this.serial(async () => {
        let stored = this.load();
        if (!stored) return;
        if (owesLog(stored)) {
          // Throws while the store refuses: the alarm backs off and tries again.
          await this.deliverOwed();
          stored = this.load()!;
        }
        if (commandsDue(stored)) await this.finishCommands(stored);
        const now = Date.now();
        // Fire every due timer, earliest first; each is one transition.
        for (;;) {
          stored = this.load()!;
          const due = stored.state.timers.find((t) => t.at <= now);
          if (!due) break;
          await this.apply(stored, {
            type: "timerFired",
            timerId: due.id,
            random: Math.random(),
            at: now,
          });
        }
        await this.redispatch(this.load()!, Date.now());
        this.armAlarm(this.load()!);
      });
      this.alarmFailures = 0;
    } catch (err) {
      this.alarmFailures += 1;
      const wait = Math.min(ALARM_BACKOFF_MAX_MS, 1000 * 2 ** Math.min(this.alarmFailures - 1, 20));
      console.error(`run alarm failed (${this.alarmFailures} in a row); again in ${wait} ms`, err);
      this.alarmAt = Date.now() + wait;
      await this.ctx.storage.setAlarm(this.alarmAt).catch(() => undefined);
    }
  }

  /** Re-sends attempts whose queue message nobody claimed, backing off. */
  private async redispatch(stored: Stored, now: number): Promise<void> {
    for (const entry of this.storage.unclaimed()) {
      if (entry.at > now) continue;
      const step = stored.state.steps[entry.stepId];
      if (step?.status !== "running" || step.attempt !== entry.attempt) {
        this.storage.claim(entry.stepId, entry.attempt);
        continue;
      }
      const message: ActionMessage = {
        tenantId: stored.tenantId,
        runId: stored.state.runId,
        stepId: entry.stepId,
        attempt: entry.attempt,
      };
      await actionsQueue(this.env, stored.lane).send(message);
      this.storage.putUnclaimed({
        ...entry,
        at: now + REDISPATCH_AFTER_MS * 2 ** Math.min(entry.sends, 3),
        sends: entry.sends + 1,
      });
    }
  }

  /**
   * One transition: advance, store the checkpoint with its commands, carry
   * them out. With `commandsLater` the reply does not wait for the commands:
   * they are carried out by the next task in this run's chain (and, should
   * the object die first, by the safety alarm stored with them).
   *
   * `owed` is the run-log entry that audits this input (a retry, a cancel,
   * an approval's decision). The entry lives in the tenant's store, the
   * change in this object, so no single transaction can hold both; instead
   * the entry is stored here, in the very transaction that commits the
   * change (and only if the engine accepts the input), and delivered to the
   * store now and, until the store has it, on every touch and by the alarm.
   * Its id is fixed when it is stored, so a repeated delivery is one entry.
   * A crash or a failing store between the two can therefore neither lose
   * the entry of a change that happened nor write one for a change that
   * did not.
   */
  private async apply(
    stored: Stored,
    raw: RunInput,
    opts: { commandsLater?: boolean; owed?: OwedEntry | undefined } = {},
  ): Promise<RunReply> {
    const bounded = boundedInput(raw, (stepId) => this.storage.otherStepBytes(stepId));
    const input =
      bounded.type === "stepFailed" && bounded.random === undefined
        ? { ...bounded, random: Math.random() }
        : bounded;
    const result = advance(stored.state, input);
    if (result.ignored) {
      return {
        ok: false,
        reason: result.ignored.reason,
        message: result.ignored.message,
        ...(result.ignored.differing ? { differing: result.ignored.differing } : {}),
      };
    }
    // The timeline keeps a capped copy of each rendered input.
    // Only step objects the engine replaced can hold a new input (its draft
    // never changes a step in place), so the others are passed over by
    // identity; the steps are copied only when an input is cut.
    const before = stored.state.steps;
    let steps = result.state.steps;
    for (const id in result.state.steps) {
      const step = result.state.steps[id]!;
      const prev = before[id];
      if (step === prev || step.input === prev?.input || jsonBytes(step.input) === 0) continue;
      const kept = await keptInput(step.input);
      if (kept === step.input) continue;
      if (steps === result.state.steps) steps = { ...steps };
      steps[id] = { ...step, input: kept };
    }
    const state = steps === result.state.steps ? result.state : { ...result.state, steps };
    const next: Stored = {
      tenantId: stored.tenantId,
      state,
      pending: [...stored.pending, ...result.commands],
      ...(stored.lane ? { lane: stored.lane } : {}),
      ...(stored.indexedStatus ? { indexedStatus: stored.indexedStatus } : {}),
      indexDue: stored.indexDue === true || state.status !== stored.indexedStatus,
    };
    const owed = [...(stored.owed ?? []), ...(opts.owed ? [opts.owed] : [])];
    if (owed.length > 0) next.owed = owed;
    // One storage transaction: the new checkpoint (core + changed steps),
    // its commands, the run-log entries it owes, the dispatch payloads the
    // consumer will ask for, and the attempts to re-send should their
    // queue message be lost.
    const now = Date.now();
    const dispatched = result.commands.filter((c) => c.type === "dispatch");
    this.storage.save(next, {
      dispatches: dispatched.map((c) => ({
        stepId: c.stepId,
        body: {
          tenantId: stored.tenantId,
          workflowId: state.workflowId,
          runId: c.runId,
          stepId: c.stepId,
          attempt: c.attempt,
          action: c.action,
          config: c.config,
          ...(c.secretFields ? { secretFields: c.secretFields } : {}),
          idempotencyKey: c.idempotencyKey,
          timeoutMs: c.timeoutMs,
          emit: c.emit,
        } satisfies Dispatch,
      })),
      unclaimed: dispatched.map((c) => ({
        stepId: c.stepId,
        attempt: c.attempt,
        at: now + REDISPATCH_AFTER_MS,
        sends: 1,
      })),
    });
    // A safety alarm, should the object die before the commands are out:
    // set in the same turn as the save, so both commit together.
    const open = commandsDue(next);
    const safety = Date.now() + REPLAY_AFTER_MS;
    if ((open || owesLog(next)) && !(this.alarmAt && this.alarmAt <= safety)) {
      this.setAlarm(safety);
    }
    // The entry before the reply, so the audit shows it at once; should the
    // store refuse it, the change still stands and the entry stays owed.
    if (owesLog(next)) await this.settleOwed();
    if (open && opts.commandsLater) {
      void this.serial(async () => {
        const latest = this.load();
        if (latest && commandsDue(latest)) {
          await this.finishCommands(latest);
          this.armAlarm(this.load()!);
        }
      }).catch((err) => console.error("run commands not carried out; the alarm replays them", err));
      return { ok: true, status: state.status };
    }
    if (open) await this.finishCommands(this.load()!);
    this.armAlarm(this.load()!);
    return { ok: true, status: state.status };
  }

  /** Delivers the run-log entries this run owes to the tenant's store, then forgets them. */
  private async deliverOwed(): Promise<void> {
    const stored = this.load();
    if (!stored?.owed?.length) return;
    await storeFor(this.env, stored.tenantId).recordOwed(stored.tenantId, stored.owed);
    const { owed: _, ...rest } = this.load()!;
    this.storage.save(rest);
  }

  /** `deliverOwed`, logging a failure: the entries stay owed for the next touch or the alarm. */
  private async settleOwed(): Promise<Stored> {
    await this.deliverOwed().catch((err) =>
      console.error("run-log entries not delivered; the run tries again", err),
    );
    return this.load()!;
  }

  /**
   * Carries out the pending commands (and tells the runs index), then
   * forgets them. Events that came before a wait opened (the store's
   * look-back) are applied next, oldest first, until one resumes it.
   */
  private async finishCommands(stored: Stored): Promise<void> {
    const follow = await carryOut(
      this.env,
      stored.tenantId,
      stored.state,
      stored.pending,
      nowIso(),
      stored.lane,
      stored.indexDue === true,
    );
    const cleared: Stored = {
      ...stored,
      pending: [],
      indexDue: false,
      ...(stored.indexDue ? { indexedStatus: stored.state.status } : {}),
    };
    // The first early event the engine accepts is stored in the same
    // transaction that clears the commands: a crash before it leaves the
    // openWait command pending, and its replay looks back again.
    for (const input of follow) {
      const reply = await this.apply(cleared, input);
      if (reply.ok) return;
    }
    // A running run is touched again soon (its consumer claims and reports
    // the attempt just dispatched): the clear rides on that checkpoint
    // instead of a commit of its own. Anything else (an end, a wait) is
    // written now, so a run at rest never replays what it did.
    if (cleared.state.status === "running" && stored.pending.some((c) => c.type === "dispatch")) {
      this.storage.settle(cleared);
      return;
    }
    this.storage.save(cleared);
  }

  /** The one alarm: the earliest open timer (delays, backoff, timeouts, approval expiry). */
  private armAlarm(stored: Stored): void {
    const times = [
      ...stored.state.timers.map((t) => t.at),
      ...this.storage.unclaimed().map((u) => u.at),
    ];
    if (commandsDue(stored) || owesLog(stored)) times.push(Date.now() + REPLAY_AFTER_MS);
    const at = times.length > 0 ? Math.min(...times) : null;
    if (at === null) {
      if (this.alarmAt !== null) this.setAlarm(null);
      return;
    }
    // An alarm already due sooner stays where it is: should it fire first,
    // it finds nothing due and sets the right time. Moving it later at each
    // transition would cost a storage write each time (a one-step run would
    // set its alarm four times instead of once).
    if (typeof this.alarmAt === "number" && this.alarmAt <= at) return;
    this.setAlarm(at);
  }

  /**
   * Sets (or with null, deletes) the alarm without waiting: the write
   * commits with the others of this turn. Should it fail, the next call
   * reads the alarm again (repair on touch).
   */
  private setAlarm(at: number | null): void {
    this.alarmAt = at;
    const write = at === null ? this.ctx.storage.deleteAlarm() : this.ctx.storage.setAlarm(at);
    write.catch((err) => {
      this.alarmAt = undefined;
      console.error("run alarm not set; the next call sets it", err);
    });
  }

  /**
   * Forgets the run (its tenant's retention has passed; the store already
   * dropped it from the runs index). Only a finished run goes.
   */
  async purge(): Promise<boolean> {
    return this.serial(async () => {
      const stored = this.load();
      if (stored && !FINAL_STATUSES.includes(stored.state.status)) return false;
      await this.ctx.storage.deleteAlarm();
      this.alarmAt = null;
      await this.ctx.storage.deleteAll();
      this.storage.forget();
      return true;
    });
  }

  /** Liveness and storage check, used by the binding tests. */
  async ping(): Promise<{ ok: true; storage: "sqlite" }> {
    this.ctx.storage.sql.exec("SELECT 1");
    return { ok: true, storage: "sqlite" };
  }
}
