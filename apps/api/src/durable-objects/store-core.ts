import { DurableObject } from "cloudflare:workers";
import {
  flowOf,
  isScheduleTrigger,
  type WaitingFor,
  type WorkflowDefinition,
  type WorkflowIndex,
} from "@switchyard/engine";
import { createDb } from "../db/client.ts";
import type { Env } from "../env.ts";
import { withD1Wrappers } from "../lib/d1-stats.ts";
import { auditKeyOf } from "../services/context.ts";
import { settingsRow } from "../services/settings.ts";
import { tenantSettingsView } from "../services/tenant-settings.ts";
import { hasOwedAlerts, noteRunEndAll, type RunEnd } from "../store/alerts.ts";
import { ARCHIVE_EVERY_MS, hasUnarchived, planSegment, writeSegment } from "../store/archive.ts";
import { pendingPauseIds } from "../store/auto-pause.ts";
import { createStoreDb, type StoreDb } from "../store/db.ts";
import {
  backOff,
  dueEvents,
  type EventListQuery,
  type EventRow,
  EventTypeNotes,
  eventRow,
  getEventRow,
  getEventRows,
  insertEvent,
  listEventRows,
  MAX_RESENDS,
  markFailed,
  markMatched,
  type NewEvent,
  nextDue,
  type RunOfEvent,
  redrive,
  runsOfEvent,
  runsOfEvents,
} from "../store/events.ts";
import * as flow from "../store/flow.ts";
import * as flowRelease from "../store/flow-release.ts";
import { hasQueued, setTenantCap } from "../store/flow-rows.ts";
import { waitingForRuns } from "../store/flow-view.ts";
import { GroupCommit } from "../store/group-commit.ts";
import { driveJobs, nextJobAt } from "../store/jobs.ts";
import { type Lane, type LimitName, limitSettings, TenantLimits } from "../store/limits.ts";
import { MatchQueue } from "../store/match-queue.ts";
import {
  buildIndex,
  envelopeOf,
  liveDefinition,
  matchOne,
  readLive,
  readLiveFromD1,
  replaceLive,
  startRuns,
} from "../store/matching.ts";
import type { MetricSummary, MetricWindow, WorkflowMetricsView } from "../store/metrics.ts";
import * as metrics from "../store/metrics.ts";
import { migrateStore } from "../store/migrations.ts";
import { failureEvent } from "../store/on-failure.ts";
import {
  hasHistory,
  logAnchor,
  PURGE_EVERY_MS,
  type Purged,
  purgeBatch,
  setRetentionDays,
} from "../store/retention.ts";
import { noteEnd } from "../store/run-history.ts";
import {
  appendSigned,
  type ChainCheck,
  listRunLog,
  type OwedEntry,
  type RunLogEntry,
  type RunLogInput,
  type RunLogQuery,
  RunLogType,
  signEntries,
  verifyRunLog,
} from "../store/run-log.ts";
import { type RunSearch, type RunSearchPage, searchRuns } from "../store/run-search.ts";
import {
  appendRunAudit,
  getRunRow,
  type IndexedRunRow,
  type RunAuditRecord,
  type RunRow,
  upsertRun,
} from "../store/runs.ts";
import {
  fireDueSchedules,
  hasBuffered,
  nextScheduleAt,
  syncSchedules,
} from "../store/schedules.ts";
import { storeMeta } from "../store/schema.ts";
import { resumeWaits } from "../store/waits.ts";
import type { RunReply } from "./workflow-run.ts";

/** A cancel that found the run no longer waiting (it started meanwhile). */
class NotQueued extends Error {}

/** How often a store re-reads its live workflows from D1 even when nobody told it of a change. */
export const LIVE_REFRESH_MS = 60_000;
/** How soon the alarm tries again to deliver a failure alert that did not go out. */
const ALERT_RETRY_MS = 60_000;
/** Events the alarm matches per pass. */
const ALARM_BATCH = 100;

export type IngestReply =
  | { ok: true; id: string; duplicate: boolean; lane: Lane }
  | { ok: false; retryAfterMs: number };

export interface IngestOptions {
  /** The rate limit this request spends (none for run-emitted events). */
  limit?: LimitName | undefined;
  /** A fixed lane (a run's emitted events stay in the run's lane). */
  lane?: Lane | undefined;
}

/**
 * The core of a tenant's store (TenantStore, tenant-store.ts, adds the
 * effects): events and their dedupe, rate limits and lanes, the live
 * workflow index and matching, the runs index, the run log and its archive
 * to D1, retention, and the one alarm that drives the last three and
 * matches what was accepted but not matched — all in the object's own
 * SQLite storage, so no tenant's hot path touches a shared database.
 *
 * Every method takes the tenant id: the store checks it against the one it
 * serves, so a misrouted call fails instead of mixing tenants.
 */
export abstract class StoreCore extends DurableObject<Env> {
  readonly db: StoreDb;
  /** The hot writes (ingest, the runs index, effects) commit in groups (store/group-commit.ts). */
  protected readonly commits: GroupCommit;
  protected readonly limits = new TenantLimits();
  protected readonly notes = new EventTypeNotes();
  #index: { index: WorkflowIndex; readAt: number } | null = null;
  #tenantId: string | null = null;
  /** Run-log appends, one at a time (signing is async). */
  #logChain: Promise<unknown> = Promise.resolve();
  #lastArchiveAt = 0;
  /** The first purge runs on the first alarm after a (re)start. */
  #nextPurgeAt = 0;
  /** When the alarm is set for (kept here so arming never waits on a read). */
  #alarmAt: number | null = null;
  /** Flow-controlled runs being started by a release pass (store/flow.ts). */
  readonly #releasing = new Set<string>();
  /** Events stored and not yet matched, matched right after their ingest answered. */
  readonly #matching = new MatchQueue(
    (ids) => this.matchEvents(this.#tenantId!, ids),
    (work) => this.ctx.waitUntil(work),
  );

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, withD1Wrappers(env));
    this.db = createStoreDb(ctx.storage);
    this.commits = new GroupCommit(ctx.storage);
    ctx.blockConcurrencyWhile(async () => {
      migrateStore(ctx.storage);
      this.#tenantId =
        this.db
          .select()
          .from(storeMeta)
          .all()
          .find((r) => r.key === "tenant")?.value ?? null;
      this.#alarmAt = await ctx.storage.getAlarm();
      // Watchdog, on every start of the object: work left behind (events
      // not matched, audit not archived) always has an alarm coming.
      const due = nextDue(this.db);
      if (due !== null) this.arm(due);
      else if (hasUnarchived(this.db)) this.arm(Date.now() + ARCHIVE_EVERY_MS);
      if (hasOwedAlerts(this.db)) this.arm(Date.now() + ALERT_RETRY_MS);
      const fire = nextScheduleAt(this.db, Date.now());
      if (fire !== null) this.arm(fire);
      const job = nextJobAt(this.db);
      if (job !== null) this.arm(job);
      // Runs waiting under flow control (or marked started, unconfirmed) are looked at again.
      if (hasQueued(this.db)) this.arm(Date.now() + 1_000);
    });
  }

  /** Binds the store to its tenant on first use; refuses another tenant's call. */
  protected tenant(tenantId: string): string {
    if (this.#tenantId === tenantId) return tenantId;
    if (this.#tenantId !== null)
      throw new Error(`store of ${this.#tenantId} called for ${tenantId}`);
    this.db
      .insert(storeMeta)
      .values({ key: "tenant", value: tenantId })
      .onConflictDoNothing()
      .run();
    this.#tenantId = tenantId;
    return tenantId;
  }

  // ── Events ──────────────────────────────────────────────────────────────

  /**
   * Accepts an event: takes the tenant's rate limit, stores it once per id,
   * arms the alarm that matches it should this store restart before it is
   * matched, queues it to be matched here next and notes its type. A
   * duplicate id answers `duplicate: true` and starts nothing.
   */
  async ingest(tenantId: string, input: NewEvent, opts: IngestOptions = {}): Promise<IngestReply> {
    this.tenant(tenantId);
    // In a commit group with the store's other hot writes (one fsync for many).
    const done = await this.commits.run(() => {
      const now = Date.now();
      const settings = limitSettings(this.env.SWITCHYARD_RATE_LIMITS);
      let lane: Lane = opts.lane ?? "main";
      if (opts.limit) {
        const taken = this.limits.take(opts.limit, settings, now);
        if (!taken.ok) return { reply: taken, row: null };
        if (!opts.lane) lane = taken.lane;
      } else if (!opts.lane) lane = this.limits.lane(settings, now);
      const at = new Date(now).toISOString();
      const row = eventRow(tenantId, input, at, lane);
      if (!insertEvent(this.db, row)) {
        return { reply: { ok: true, id: row.id, duplicate: true, lane } as const, row: null };
      }
      // No await between the insert and arming the alarm: they commit together,
      // so a crash cannot leave a stored event that nothing will match.
      this.arm(row.retryAt ?? now);
      this.notes.note(this.db, tenantId, row.type, input.data, at, now);
      return { reply: { ok: true, id: row.id, duplicate: false, lane } as const, row };
    });
    // Stored (and its alarm armed): matched here next.
    if (done.row) this.announce([done.row]);
    return done.reply;
  }

  /**
   * After new events are stored (their alarm armed with them): their ids go
   * to the store's own match queue, matched as soon as the store is free.
   */
  announce(rows: Pick<EventRow, "id" | "lane" | "retryAt">[]): void {
    const first = Math.min(...rows.map((r) => r.retryAt ?? Number.POSITIVE_INFINITY));
    if (Number.isFinite(first)) this.arm(first);
    for (const lane of ["main", "bulk"] as const) {
      const ids = rows
        .filter((r) => (r.lane === "bulk" ? "bulk" : "main") === lane)
        .map((r) => r.id);
      if (ids.length > 0) this.#matching.add(ids, lane);
    }
  }

  async getEvent(
    tenantId: string,
    id: string,
  ): Promise<{
    event: EventRow;
    runs: { id: string; workflowId: string; status: string }[];
  } | null> {
    this.tenant(tenantId);
    const event = getEventRow(this.db, tenantId, id);
    if (!event) return null;
    return { event, runs: runsOfEvent(this.db, tenantId, id) };
  }

  /** Newest first, each with the runs it started; fetches limit + 1. */
  async listEvents(
    tenantId: string,
    q: EventListQuery,
  ): Promise<(EventRow & { runs: RunOfEvent[] })[]> {
    this.tenant(tenantId);
    const rows = listEventRows(this.db, tenantId, q);
    const started = runsOfEvents(
      this.db,
      tenantId,
      rows.map((r) => r.id),
    );
    return rows.map((r) => ({ ...r, runs: started.get(r.id) ?? [] }));
  }

  /** A failed event matched again; false when there is no failed event by that id. */
  async redriveEvent(tenantId: string, id: string): Promise<boolean> {
    this.tenant(tenantId);
    const now = Date.now();
    if (!redrive(this.db, tenantId, id, now)) return false;
    const e = getEventRow(this.db, tenantId, id)!;
    this.announce([{ ...e, retryAt: now + 1_000 }]);
    return true;
  }

  // ── Matching ────────────────────────────────────────────────────────────

  /**
   * Re-reads the tenant's live versions from D1. Called after every
   * workflow save, publish, enable, disable and delete; matching also
   * re-reads when its copy is older than LIVE_REFRESH_MS.
   */
  async refreshWorkflows(tenantId: string): Promise<void> {
    this.tenant(tenantId);
    const d1 = createDb(this.env.DB);
    const live = await readLiveFromD1(d1, tenantId);
    // Schedules without a zone of their own follow the tenant's (read only when there are any).
    const zone = live.some((w) => isScheduleTrigger(w.definition.trigger))
      ? tenantSettingsView(await settingsRow(d1, tenantId)).timezone
      : "UTC";
    const now = Date.now();
    replaceLive(this.db, live);
    const nextFire = syncSchedules(this.db, live, zone, now);
    if (nextFire !== null) {
      // Watchdog: an alarm that is gone (whatever removed it) is set again.
      if ((await this.ctx.storage.getAlarm()) === null) this.#alarmAt = null;
      this.arm(nextFire);
    }
    this.#index = { index: buildIndex(live), readAt: now };
  }

  private async index(tenantId: string): Promise<WorkflowIndex> {
    if (this.#index && Date.now() - this.#index.readAt < LIVE_REFRESH_MS) return this.#index.index;
    try {
      await this.refreshWorkflows(tenantId);
    } catch (err) {
      // D1 unreachable: match on the stored copy rather than not at all.
      console.error("live workflows not refreshed; using the stored copy", err);
      this.#index = { index: buildIndex(readLive(this.db)), readAt: Date.now() };
    }
    return this.#index!.index;
  }

  /**
   * Matches accepted events (the match queue, and the alarm): starts a
   * run object per live workflow whose filter says yes, records the other
   * decisions, then marks the events matched. Safe to repeat. Returns the
   * ids it finished (matched, or not accepted any more).
   */
  async matchEvents(tenantId: string, ids: string[]): Promise<string[]> {
    this.tenant(tenantId);
    const index = await this.index(tenantId);
    const { fanOutRuns } = limitSettings(this.env.SWITCHYARD_RATE_LIMITS);
    const at = new Date().toISOString();
    const rows = getEventRows(this.db, tenantId, ids);
    const done: string[] = [];
    // Decide every event (no I/O but hashing), start all their runs at
    // once (a batch costs the slowest start, not the sum), then write what
    // was decided for the events whose runs all started, in one turn.
    const taken = new Map<string, number>();
    const admission = new flow.FlowAdmission(this.db, tenantId);
    const decided: { e: EventRow; m: Awaited<ReturnType<typeof matchOne>> }[] = [];
    for (const e of rows) {
      if (e.status !== "accepted") {
        done.push(e.id);
        continue;
      }
      try {
        decided.push({
          e,
          m: await matchOne(this.db, index, e, at, fanOutRuns, taken, admission),
        });
      } catch (err) {
        console.error(`matching ${e.id} failed; it stays accepted and is tried again`, err);
      }
    }
    const started = await startRuns(this.env.RUNS, tenantId, decided);
    // Runs waiting for these events (store/waits.ts) hear of them before they count as matched.
    const resumed = await resumeWaits(
      this.db,
      this.env.RUNS,
      decided.map(({ e }) => e),
    );
    resumed.forEach((ok, i) => {
      if (!ok) started[i] = false;
    });
    // A suppression's audit entry comes before the event counts as matched.
    for (const [i, { e, m }] of decided.entries()) {
      if (!started[i]) continue;
      try {
        for (const s of m.suppressed) await this.auditSuppression(tenantId, s.runId, s.m, e);
      } catch (err) {
        console.error(`the suppressions of ${e.id} were not audited; it stays accepted`, err);
        started[i] = false;
      }
    }
    const matched = decided.filter((_, i) => started[i]);
    for (const { m } of matched) for (const write of m.writes) write(this.db);
    const matchedIds = matched.map(({ e }) => e.id);
    markMatched(this.db, tenantId, matchedIds, at);
    // Queued runs: the alarm wakes at a throttle's time or a debounce slot's due time.
    if (admission.wakeAt !== null) this.arm(admission.wakeAt);
    // Runs whose filter failed may owe a failure alert, or have paused their workflow.
    if (hasOwedAlerts(this.db)) {
      this.dropPaused();
      this.ctx.waitUntil(this.deliverAlerts(tenantId));
    }
    done.push(...matchedIds);
    // Ids the store does not know are done too: nothing to match.
    const known = new Set(rows.map((e) => e.id));
    return [...done, ...ids.filter((id) => !known.has(id))];
  }

  private async auditSuppression(
    tenantId: string,
    runId: string,
    m: Awaited<ReturnType<typeof matchOne>>["suppressed"][number]["m"],
    e: EventRow,
  ): Promise<void> {
    const causation = JSON.parse(e.causation) as { chain: unknown; depth: number };
    await this.appendLog(tenantId, [
      {
        id: `au_sup_${runId.slice(4)}`,
        type: RunLogType.runSuppressed,
        actor: { type: "system", id: "loop-guard" },
        subject: runId,
        details: {
          workflowId: m.workflowId,
          eventId: e.id,
          eventType: e.type,
          reason: m.suppression?.reason,
          message: m.suppression?.message,
          chain: causation.chain,
          depth: causation.depth,
        },
      },
    ]);
  }

  // ── The run log (what runs record) and its archive ──────────────────────

  /**
   * Appends entries to the run log. Signing is async (WebCrypto), so
   * appends are serialised: the head cannot move between signing and
   * writing, and the chain never forks. `also` runs in the same
   * transaction as the append (an effect and its entry commit together).
   */
  async appendLog(
    tenantId: string,
    inputs: RunLogInput[],
    also?: (db: StoreDb) => void,
  ): Promise<void> {
    this.tenant(tenantId);
    const run = async () => {
      const at = new Date().toISOString();
      const rows = await signEntries(this.db, auditKeyOf(this.env), tenantId, at, inputs);
      this.db.transaction((tx) => {
        also?.(tx as unknown as StoreDb);
        appendSigned(tx as unknown as StoreDb, rows);
      });
      if (rows.length > 0) await this.scheduleArchive();
    };
    const next = this.#logChain.then(run, run);
    this.#logChain = next.catch(() => undefined);
    return next;
  }

  async listRunLog(tenantId: string, q: RunLogQuery): Promise<RunLogEntry[]> {
    this.tenant(tenantId);
    return listRunLog(this.db, q);
  }

  /** Verifies a bounded stretch of the run log (GET /v1/audit/verify). */
  async verifyRunLog(
    tenantId: string,
    from: { seq: number; hash: string } | null,
    limit: number,
  ): Promise<ChainCheck> {
    this.tenant(tenantId);
    // After old entries were purged, the chain verifies from its anchor.
    return verifyRunLog(this.db, auditKeyOf(this.env), tenantId, from ?? logAnchor(this.db), limit);
  }

  // ── Retention ───────────────────────────────────────────────────────────

  /** The tenant's retention setting (D1 holds it; the store keeps a copy for its alarm). */
  async setRetention(tenantId: string, days: number): Promise<void> {
    this.tenant(tenantId);
    setRetentionDays(this.db, days);
    this.arm(Date.now() + 1_000);
  }

  /**
   * Purges one batch of history older than the retention window as of
   * `asOf` (now by default), and asks each purged run's object to forget
   * its storage. The alarm calls it hourly; returns what went.
   */
  async purgeHistory(
    tenantId: string,
    asOf = Date.now(),
  ): Promise<Omit<Purged, "runs"> & { runs: number }> {
    this.tenant(tenantId);
    const purged = purgeBatch(this.db, asOf);
    metrics.purgeMetrics(this.db, asOf);
    flowRelease.pruneFlowMarks(this.db, Date.now());
    for (const runId of purged.runs) {
      await this.env.RUNS.get(this.env.RUNS.idFromName(runId))
        .purge()
        .catch((err) => console.error(`run ${runId} not purged; its object keeps it`, err));
    }
    this.#nextPurgeAt = Date.now() + (purged.more ? 5_000 : PURGE_EVERY_MS);
    return { ...purged, runs: purged.runs.length };
  }

  /** Arms the alarm for the next segment (at most one per ARCHIVE_EVERY_MS). */
  private async scheduleArchive(): Promise<void> {
    this.arm(Math.max(Date.now(), this.#lastArchiveAt + ARCHIVE_EVERY_MS));
  }

  /** Writes the planned or next segment of run audit to D1. */
  async archiveNow(tenantId: string): Promise<number> {
    this.tenant(tenantId);
    const d1 = createDb(this.env.DB);
    let written = 0;
    for (const row of await planSegment(this.db, tenantId, new Date().toISOString())) {
      await writeSegment(this.db, d1, row);
      written += 1;
    }
    this.#lastArchiveAt = Date.now();
    return written;
  }

  // ── Runs index ──────────────────────────────────────────────────────────

  /**
   * A run object's checkpoint, written when it starts, changes status or
   * ends. An end (`end`, failed or succeeded) also moves the workflow's
   * failure streak on, once per checkpoint (a repeat finds the row already
   * there), and what that owes is delivered before this answers.
   */
  async indexRun(
    tenantId: string,
    row: IndexedRunRow,
    audit?: RunAuditRecord,
    end?: RunEnd | null,
  ): Promise<void> {
    this.tenant(tenantId);
    const at = new Date().toISOString();
    let freed = false;
    const { owes, emitted } = await this.commits.run(() =>
      this.db.transaction((tx) => {
        const db = tx as unknown as StoreDb;
        const prev = end || audit ? getRunRow(db, tenantId, row.id) : undefined;
        upsertRun(db, { ...row, tenantId });
        // Flow control: an end gives its slot back (with the index row); waiting runs may go.
        freed = flow.noteIndexed(db, tenantId, row.id);
        if (audit) appendRunAudit(db, tenantId, audit);
        // Metrics: a few upserts on a run's first word of its end (store/metrics.ts).
        if (audit)
          metrics.noteRunMetrics(db, tenantId, prev, { ...row, tenantId }, audit, Date.now());
        if (!end || (prev && prev.seq >= row.seq)) return { owes: false, emitted: null };
        // On failure, run workflow X: its workflow.failed event commits with the run's end.
        noteEnd(db, tenantId, end, row.workflowVersion);
        const event = failureEvent(db, tenantId, end, row.causation, at);
        return {
          owes: noteRunEndAll(db, tenantId, end).owes,
          emitted: event && insertEvent(db, event) ? event : null,
        };
      }),
    );
    if (owes) this.dropPaused();
    if (emitted) this.announce([emitted]);
    if (freed) this.ctx.waitUntil(this.releaseFlow(tenantId));
    // A scheduled occurrence waiting for this run (overlap: buffer_one) goes now.
    if (end && hasBuffered(this.db, row.workflowId)) this.arm(Date.now());
    if (audit) await this.scheduleArchive();
    if (owes) {
      await this.deliverAlerts(tenantId);
      // Not delivered (D1 or the provider failing): the alarm tries again.
      if (hasOwedAlerts(this.db)) this.arm(Date.now() + ALERT_RETRY_MS);
    }
  }

  // ── Flow control (store/flow.ts) ─────────────────────────────────────────

  /** Starts what may start now of the waiting runs; never throws (the alarm tries again). */
  async releaseFlow(tenantId: string): Promise<void> {
    this.tenant(tenantId);
    try {
      const next = await flowRelease.releasePass(this.db, this.env.RUNS, tenantId, this.#releasing);
      if (next !== null) this.arm(next);
    } catch (err) {
      console.error("releasing waiting runs failed; the alarm tries again", err);
      this.arm(Date.now() + flowRelease.FLOW_RETRY_MS);
    }
  }

  /** Why each of these runs waits (queued runs only). */
  async waitingFor(tenantId: string, runIds: string[]): Promise<Record<string, WaitingFor>> {
    this.tenant(tenantId);
    return waitingForRuns(this.db, runIds, Date.now());
  }

  /** The tenant setting `maxRunningRuns` (D1 holds it; the store keeps a copy, as for retention). */
  async setMaxRunningRuns(tenantId: string, cap: number): Promise<void> {
    this.tenant(tenantId);
    setTenantCap(this.db, cap);
    if (hasQueued(this.db)) this.ctx.waitUntil(this.releaseFlow(tenantId));
  }

  /** Cancels a run that waits to start (no object yet); null when it is not waiting. */
  async cancelQueued(
    tenantId: string,
    runId: string,
    entry: RunLogInput,
  ): Promise<{ status: "cancelled" | "failed" } | null> {
    this.tenant(tenantId);
    const row = getRunRow(this.db, tenantId, runId);
    if (row?.status !== "waiting") return null;
    let done: { status: "cancelled" | "failed" } | null = null;
    await this.appendLog(tenantId, [entry], (db) => {
      done = flow.cancelQueued(db, tenantId, runId, Date.now());
      if (!done) throw new NotQueued();
    }).catch((err) => {
      if (!(err instanceof NotQueued)) throw err;
    });
    return done;
  }

  /**
   * Retries a failed run (POST /v1/runs/:id/retry, bulk retry): without flow
   * control the run object's `retry` at once, its reply returned; with it,
   * the retry takes a slot now or waits in the queue (`{ ok: true, status:
   * "waiting" }`) and is released like a start.
   */
  async retryRun(
    tenantId: string,
    runId: string,
    to?: { version: number; definition: WorkflowDefinition },
    entry?: OwedEntry,
  ): Promise<RunReply> {
    this.tenant(tenantId);
    const stub = this.env.RUNS.get(this.env.RUNS.idFromName(runId));
    const row = getRunRow(this.db, tenantId, runId);
    const definition =
      to?.definition ?? (row ? liveDefinition(this.db, row.workflowId) : undefined);
    if (row?.status !== "failed" || !definition || !flowOf(definition)) {
      return stub.retry(to, entry);
    }
    const e = getEventRow(this.db, tenantId, row.eventId);
    if (!e) return stub.retry(to, entry);
    const { queued } = flow.admitRetry(
      this.db,
      tenantId,
      row,
      definition,
      envelopeOf(e),
      { to, entry },
      Date.now(),
    );
    if (queued) {
      this.arm(Date.now() + flowRelease.FLOW_SWEEP_MS);
      return { ok: true, status: "waiting" };
    }
    const reply = await stub.retry(to, entry);
    // Refused: the slot it took goes back.
    if (!reply.ok) {
      flow.dropActive(this.db, runId);
      this.ctx.waitUntil(this.releaseFlow(tenantId));
    }
    return reply;
  }

  /** Workflows the store just paused leave the in-memory index too: no new run starts. */
  private dropPaused(): void {
    for (const id of pendingPauseIds(this.db)) this.#index?.index.remove(id);
  }

  /** Delivers owed failure alerts (TenantStore: store/alert-delivery.ts); never throws. */
  protected async deliverAlerts(_tenantId: string): Promise<void> {}

  async getRun(tenantId: string, id: string): Promise<RunRow | null> {
    this.tenant(tenantId);
    return getRunRow(this.db, tenantId, id) ?? null;
  }

  /** A page of runs with their events' key fields; `q` searches by the event (store/run-search.ts). */
  async listRuns(tenantId: string, q: RunSearch): Promise<RunSearchPage> {
    this.tenant(tenantId);
    return searchRuns(this.db, tenantId, q);
  }

  /** One workflow's metrics over a window, with its slowest and most failing steps (store/metrics.ts). */
  async workflowMetrics(
    tenantId: string,
    workflowId: string,
    window: MetricWindow,
    now = Date.now(),
  ): Promise<WorkflowMetricsView> {
    this.tenant(tenantId);
    return metrics.workflowMetrics(this.db, tenantId, workflowId, window, now);
  }

  /** Every workflow's summary over a window (the workflow list), those without runs left out. */
  async tenantMetrics(
    tenantId: string,
    window: MetricWindow,
    now = Date.now(),
  ): Promise<({ workflowId: string } & MetricSummary)[]> {
    this.tenant(tenantId);
    return metrics.tenantMetrics(this.db, tenantId, window, now);
  }

  // ── The alarm ───────────────────────────────────────────────────────────

  /**
   * Makes sure the alarm fires by `at`. Synchronous on purpose: called right
   * after a write, the alarm commits with it (no await in between).
   */
  protected arm(at: number): void {
    if (this.#alarmAt !== null && this.#alarmAt <= at) return;
    this.#alarmAt = at;
    this.ctx.storage.setAlarm(at).catch((err) => {
      this.#alarmAt = null;
      console.error("tenant store alarm not set", err);
    });
  }

  /**
   * Matches what was accepted but not matched (the store restarted before
   * its match queue got to it, a run object that did not answer), backing
   * off 5 s × 2ⁿ; after MAX_RESENDS tries an event is marked failed,
   * visibly, and can be re-driven. Never throws: it re-arms itself.
   */
  override async alarm(): Promise<void> {
    const now = Date.now();
    this.#alarmAt = null;
    try {
      const due = dueEvents(this.db, now, ALARM_BATCH);
      const byTenant = new Map<string, EventRow[]>();
      for (const e of due) {
        if (e.resends >= MAX_RESENDS) {
          markFailed(this.db, e.tenantId, e.id, `not matched after ${MAX_RESENDS} tries`);
          continue;
        }
        backOff(this.db, e, now);
        byTenant.set(e.tenantId, [...(byTenant.get(e.tenantId) ?? []), e]);
      }
      for (const [tenantId, rows] of byTenant) {
        await this.matchEvents(
          tenantId,
          rows.map((r) => r.id),
        );
      }
      const times: number[] = [];
      if (this.#tenantId !== null) {
        // Schedules' occurrences: stored like any event, matched right after.
        const fired = fireDueSchedules(this.db, this.#tenantId, now);
        if (fired.events.length > 0) this.announce(fired.events);
        if (fired.next !== null) times.push(Math.max(fired.next, Date.now() + 100));
      }
      const next = nextDue(this.db);
      if (next !== null) times.push(Math.max(next, Date.now() + 1_000));
      if (this.#tenantId !== null && hasUnarchived(this.db)) {
        if (Date.now() - this.#lastArchiveAt >= ARCHIVE_EVERY_MS)
          await this.archiveNow(this.#tenantId);
        if (hasUnarchived(this.db)) times.push(this.#lastArchiveAt + ARCHIVE_EVERY_MS);
      }
      // Tracked jobs (bulk retry): a throttled pass of the oldest due one (store/jobs.ts).
      const t = this.#tenantId;
      const jobsAt =
        t && (await driveJobs(this.env, this.db, t, now, (...r) => this.retryRun(t, ...r)));
      if (jobsAt) times.push(Math.max(jobsAt, Date.now() + 100));
      if (this.#tenantId !== null && hasQueued(this.db)) {
        const at = await flowRelease.releasePass(
          this.db,
          this.env.RUNS,
          this.#tenantId,
          this.#releasing,
        );
        if (at !== null) times.push(Math.max(at, Date.now() + 100));
      }
      if (this.#tenantId !== null && hasOwedAlerts(this.db)) {
        await this.deliverAlerts(this.#tenantId);
        if (hasOwedAlerts(this.db)) times.push(Date.now() + ALERT_RETRY_MS);
      }
      if (this.#tenantId !== null && (hasHistory(this.db) || metrics.hasMetrics(this.db))) {
        if (Date.now() >= this.#nextPurgeAt) await this.purgeHistory(this.#tenantId);
        times.push(this.#nextPurgeAt);
      }
      if (times.length > 0) this.arm(Math.min(...times));
    } catch (err) {
      console.error("tenant store alarm failed; trying again", err);
      this.arm(Date.now() + 10_000);
    }
  }
}
