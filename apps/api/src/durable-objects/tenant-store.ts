import { DurableObject } from "cloudflare:workers";
import type { WorkflowIndex } from "@switchyard/engine";
import { createDb } from "../db/client.ts";
import type { Env } from "../env.ts";
import { AuditType, commitWithAudit } from "../repositories/audit.ts";
import { auditKeyOf } from "../services/context.ts";
import { createStoreDb, type StoreDb } from "../store/db.ts";
import {
  backOff,
  dueEvents,
  type EventListQuery,
  type EventMessage,
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
  redrive,
  runsOfEvent,
} from "../store/events.ts";
import { type Lane, type LimitName, limitSettings, TenantLimits } from "../store/limits.ts";
import { buildIndex, matchOne, readLive, readLiveFromD1, replaceLive } from "../store/matching.ts";
import { migrateStore } from "../store/migrations.ts";
import {
  getRunRow,
  listRunRows,
  type RunListQuery,
  type RunRow,
  upsertRun,
} from "../store/runs.ts";
import { storeMeta } from "../store/schema.ts";

/** How often a store re-reads its live workflows from D1 even when nobody told it of a change. */
export const LIVE_REFRESH_MS = 60_000;
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
 * One per tenant: the tenant's data plane (DESIGN.md). Events and their
 * dedupe, the live workflow index and matching, the runs index, records,
 * tasks, notifications, the outbox, approvals, the delivery ledger and
 * effect markers, event-type observations, rate limits and lanes, all in
 * the object's own SQLite storage, so no tenant's hot path touches a
 * shared database. Its alarm matches what was accepted but not matched.
 *
 * Every method takes the tenant id: the store checks it against the one it
 * serves, so a misrouted call fails instead of mixing tenants.
 */
export class TenantStore extends DurableObject<Env> {
  readonly db: StoreDb;
  readonly #limits = new TenantLimits();
  readonly #notes = new EventTypeNotes();
  #index: { index: WorkflowIndex; readAt: number } | null = null;
  #tenantId: string | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.db = createStoreDb(ctx.storage);
    ctx.blockConcurrencyWhile(async () => {
      migrateStore(ctx.storage);
      this.#tenantId =
        this.db.select().from(storeMeta).all().find((r) => r.key === "tenant")?.value ?? null;
    });
  }

  /** Binds the store to its tenant on first use; refuses another tenant's call. */
  protected tenant(tenantId: string): string {
    if (this.#tenantId === tenantId) return tenantId;
    if (this.#tenantId !== null) throw new Error(`store of ${this.#tenantId} called for ${tenantId}`);
    this.db.insert(storeMeta).values({ key: "tenant", value: tenantId }).onConflictDoNothing().run();
    this.#tenantId = tenantId;
    return tenantId;
  }

  // ── Events ──────────────────────────────────────────────────────────────

  /**
   * Accepts an event: takes the tenant's rate limit, stores it once per id,
   * arms the alarm that matches it should the queue lose it, sends its id
   * to the EVENTS queue of its lane and notes its type. A duplicate id
   * answers `duplicate: true` and starts nothing.
   */
  async ingest(tenantId: string, input: NewEvent, opts: IngestOptions = {}): Promise<IngestReply> {
    this.tenant(tenantId);
    const now = Date.now();
    const settings = limitSettings(this.env.SWITCHYARD_RATE_LIMITS);
    let lane: Lane = opts.lane ?? "main";
    if (opts.limit) {
      const taken = this.#limits.take(opts.limit, settings, now);
      if (!taken.ok) return taken;
      if (!opts.lane) lane = taken.lane;
    } else if (!opts.lane) lane = this.#limits.lane(settings, now);
    const at = new Date(now).toISOString();
    const row = eventRow(tenantId, input, at, lane);
    if (!insertEvent(this.db, row)) return { ok: true, id: row.id, duplicate: true, lane };
    await this.announce([row]);
    this.#notes.note(this.db, tenantId, row.type, input.data, at, now);
    return { ok: true, id: row.id, duplicate: false, lane };
  }

  /**
   * After new events are stored: the alarm is armed first (so a lost send
   * is matched anyway), then their ids go to the EVENTS queue of their lane.
   */
  async announce(rows: Pick<EventRow, "tenantId" | "id" | "lane" | "retryAt">[]): Promise<void> {
    const first = Math.min(...rows.map((r) => r.retryAt ?? Number.POSITIVE_INFINITY));
    if (Number.isFinite(first)) await this.armAlarm(first);
    for (const r of rows) {
      const message: EventMessage = { tenantId: r.tenantId, eventId: r.id };
      try {
        await (r.lane === "bulk" ? this.env.EVENTS_BULK : this.env.EVENTS).send(message);
      } catch (err) {
        console.error(`event ${r.id} stored but not queued; the store's alarm will match it`, err);
      }
    }
  }

  async getEvent(
    tenantId: string,
    id: string,
  ): Promise<{ event: EventRow; runs: { id: string; workflowId: string; status: string }[] } | null> {
    this.tenant(tenantId);
    const event = getEventRow(this.db, tenantId, id);
    if (!event) return null;
    return { event, runs: runsOfEvent(this.db, tenantId, id) };
  }

  async listEvents(tenantId: string, q: EventListQuery): Promise<EventRow[]> {
    this.tenant(tenantId);
    return listEventRows(this.db, tenantId, q);
  }

  /** A failed event matched again; false when there is no failed event by that id. */
  async redriveEvent(tenantId: string, id: string): Promise<boolean> {
    this.tenant(tenantId);
    const now = Date.now();
    if (!redrive(this.db, tenantId, id, now)) return false;
    const e = getEventRow(this.db, tenantId, id)!;
    await this.announce([{ ...e, retryAt: now + 1_000 }]);
    return true;
  }

  /** Marks an event failed for good (the EVENTS dead-letter queue). */
  async failEvent(tenantId: string, id: string, error: string): Promise<void> {
    this.tenant(tenantId);
    markFailed(this.db, tenantId, id, error);
  }

  // ── Matching ────────────────────────────────────────────────────────────

  /**
   * Re-reads the tenant's live versions from D1. Called after every
   * workflow save, publish, enable, disable and delete; matching also
   * re-reads when its copy is older than LIVE_REFRESH_MS.
   */
  async refreshWorkflows(tenantId: string): Promise<void> {
    this.tenant(tenantId);
    const live = await readLiveFromD1(createDb(this.env.DB), tenantId);
    replaceLive(this.db, live);
    this.#index = { index: buildIndex(live), readAt: Date.now() };
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
   * Matches accepted events (the EVENTS consumer, and the alarm): starts a
   * run object per live workflow whose filter says yes, records the other
   * decisions, then marks the events matched. Safe to repeat. Returns the
   * ids it finished (matched, or not accepted any more).
   */
  async matchEvents(tenantId: string, ids: string[]): Promise<string[]> {
    this.tenant(tenantId);
    const index = await this.index(tenantId);
    const at = new Date().toISOString();
    const done: string[] = [];
    for (const e of getEventRows(this.db, tenantId, ids)) {
      if (e.status !== "accepted") {
        done.push(e.id);
        continue;
      }
      try {
        const { starts, suppressed } = await matchOne(this.db, index, e, at);
        for (const s of starts) {
          const stub = this.env.RUNS.get(this.env.RUNS.idFromName(s.runId));
          await stub.start(tenantId, s.params, e.lane === "bulk" ? "bulk" : "main");
        }
        for (const { runId, m } of suppressed) await this.auditSuppression(tenantId, runId, m, e);
        markMatched(this.db, tenantId, [e.id], at);
        done.push(e.id);
      } catch (err) {
        console.error(`matching ${e.id} failed; it stays accepted and is tried again`, err);
      }
    }
    // Ids the store does not know are done too: nothing to match.
    const known = new Set(ids);
    for (const e of getEventRows(this.db, tenantId, ids)) known.delete(e.id);
    return [...done, ...known];
  }

  private async auditSuppression(
    tenantId: string,
    runId: string,
    m: Awaited<ReturnType<typeof matchOne>>["suppressed"][number]["m"],
    e: EventRow,
  ): Promise<void> {
    const causation = JSON.parse(e.causation) as { chain: unknown; depth: number };
    const id = `au_sup_${runId.slice(4)}`;
    const db = createDb(this.env.DB);
    await commitWithAudit(db, auditKeyOf(this.env), tenantId, new Date().toISOString(), () => [], [
      {
        id,
        type: AuditType.runSuppressed,
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
    ]).catch((err) => {
      // A repeat of the same suppression hits the entry's id: already audited.
      if (!String(err).includes("UNIQUE")) throw err;
    });
  }

  // ── Runs index ──────────────────────────────────────────────────────────

  /** A run object's checkpoint, written when it starts, changes status or ends. */
  async indexRun(tenantId: string, row: RunRow): Promise<void> {
    this.tenant(tenantId);
    upsertRun(this.db, { ...row, tenantId });
  }

  async getRun(tenantId: string, id: string): Promise<RunRow | null> {
    this.tenant(tenantId);
    return getRunRow(this.db, tenantId, id) ?? null;
  }

  async listRuns(tenantId: string, q: RunListQuery): Promise<RunRow[]> {
    this.tenant(tenantId);
    return listRunRows(this.db, tenantId, q);
  }

  // ── Effects: records, tasks, notifications, outbox, approvals, ledger ──
  // (store/records.ts, store/tasks.ts, … hold the queries; these are the doors.)

  // ── The alarm ───────────────────────────────────────────────────────────

  private async armAlarm(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }

  /**
   * Matches what was accepted but not matched (a queue send lost, a
   * consumer that crashed), backing off 5 s × 2ⁿ; after MAX_RESENDS tries
   * an event is marked failed, visibly, and can be re-driven. Never
   * throws: a failing pass re-arms itself.
   */
  override async alarm(): Promise<void> {
    const now = Date.now();
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
      const next = nextDue(this.db);
      if (next !== null) await this.ctx.storage.setAlarm(Math.max(next, Date.now() + 1_000));
    } catch (err) {
      console.error("tenant store alarm failed; trying again", err);
      await this.ctx.storage.setAlarm(Date.now() + 10_000).catch(() => undefined);
    }
  }

  /** Liveness and storage check, used by the binding tests. */
  async ping(): Promise<{ ok: true; storage: "sqlite" }> {
    this.ctx.storage.sql.exec("SELECT 1");
    return { ok: true, storage: "sqlite" };
  }
}
