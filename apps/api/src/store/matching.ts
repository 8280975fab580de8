// Matching inside a tenant's store: the live workflow index (kept in the
// store, refreshed from D1 when workflows change), the filter, the loop
// guard, one run per (event, workflow). Runs that start get a WorkflowRun
// object; filtered, filter-failed and suppressed runs end right here and
// only their index row is kept.
import {
  advance,
  type Causation,
  createRun,
  type EventEnvelope,
  type LiveWorkflow,
  MatchDecision,
  type MatchResult,
  triggerType,
  type WorkflowDefinition,
  WorkflowIndex,
} from "@switchyard/engine";
import { and, eq, isNotNull, isNull } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { workflows, workflowVersions } from "../db/schema.ts";
import type { Env } from "../env.ts";
import { sha256Hex } from "../lib/crypto.ts";
import { noteRunEndAll, runEndOf } from "./alerts.ts";
import { pendingPauseIds } from "./auto-pause.ts";
import type { StoreDb } from "./db.ts";
import type { EventRow } from "./events.ts";
import { type FlowAdmission, heldByFlow } from "./flow.ts";
import { DEFAULT_FAN_OUT_RUNS } from "./limits.ts";
import { noteRunMetrics } from "./metrics.ts";
import { run } from "./raw.ts";
import { appendRunAudit, hasRun, runAuditRecord, runIndexRow, upsertRun } from "./runs.ts";
import { liveWorkflows } from "./schema.ts";

/** One run per (event, workflow): the id is derived, so redeliveries start nothing new. */
export async function runIdFor(
  tenantId: string,
  eventId: string,
  workflowId: string,
): Promise<string> {
  return `run_${(await sha256Hex(`${tenantId}\n${eventId}\n${workflowId}`)).slice(0, 24)}`;
}

export function envelopeOf(e: EventRow): EventEnvelope {
  return {
    id: e.id,
    type: e.type,
    data: JSON.parse(e.data),
    occurredAt: e.occurredAt,
    source: e.source,
    ...(e.changes ? { changes: JSON.parse(e.changes) } : {}),
  };
}

/**
 * A live version as D1 has it (the control plane), the workflow its failed
 * runs' `workflow.failed` event goes to, and its auto-pause threshold.
 */
export type LiveRow = LiveWorkflow & { onFailure?: string | null; autoPause?: string | null };

export async function readLiveFromD1(d1: Db, tenantId: string): Promise<LiveRow[]> {
  const rows = await d1
    .select({
      id: workflows.id,
      version: workflowVersions.version,
      definition: workflowVersions.definition,
      onFailure: workflows.onFailure,
      autoPause: workflows.autoPause,
    })
    .from(workflows)
    .innerJoin(
      workflowVersions,
      and(
        eq(workflowVersions.workflowId, workflows.id),
        eq(workflowVersions.version, workflows.liveVersion),
      ),
    )
    .where(
      and(
        eq(workflows.tenantId, tenantId),
        eq(workflows.enabled, true),
        isNull(workflows.deletedAt),
        isNotNull(workflows.liveVersion),
        isNotNull(workflows.triggerEvent),
      ),
    );
  return rows.map((r) => ({
    workflowId: r.id,
    version: r.version,
    definition: JSON.parse(r.definition) as WorkflowDefinition,
    onFailure: r.onFailure,
    autoPause: r.autoPause,
  }));
}

/**
 * Replaces the store's copy of the live versions, in one transaction. A
 * workflow the store paused stays out until D1 has the pause too.
 */
export function replaceLive(db: StoreDb, live: LiveRow[]): void {
  db.transaction((tx) => {
    const paused = pendingPauseIds(tx as unknown as StoreDb);
    tx.delete(liveWorkflows).run();
    for (const w of live) {
      if (paused.has(w.workflowId)) continue;
      tx.insert(liveWorkflows)
        .values({
          workflowId: w.workflowId,
          version: w.version,
          triggerEvent: triggerType(w.definition.trigger),
          definition: JSON.stringify(w.definition),
          onFailure: w.onFailure ?? null,
          autoPause: w.autoPause ?? null,
        })
        .run();
    }
    // Failures counted for a threshold that is gone count no more.
    run(
      tx as unknown as StoreDb,
      "DELETE FROM pause_failures WHERE workflow_id NOT IN (SELECT workflow_id FROM live_workflows WHERE auto_pause IS NOT NULL)",
    );
  });
}

export function readLive(db: StoreDb): LiveWorkflow[] {
  return db
    .select()
    .from(liveWorkflows)
    .all()
    .map((r) => ({
      workflowId: r.workflowId,
      version: r.version,
      definition: JSON.parse(r.definition) as WorkflowDefinition,
    }));
}

/**
 * One workflow's live definition as the store holds it (a retry's flow
 * control): one row read and parsed, not every live workflow.
 */
export function liveDefinition(db: StoreDb, workflowId: string): WorkflowDefinition | undefined {
  const [r] = db
    .select({ definition: liveWorkflows.definition })
    .from(liveWorkflows)
    .where(eq(liveWorkflows.workflowId, workflowId))
    .all();
  return r ? (JSON.parse(r.definition) as WorkflowDefinition) : undefined;
}

/** The index of live versions with their filters compiled once, rebuilt when they change. */
export function buildIndex(live: LiveWorkflow[]): WorkflowIndex {
  return new WorkflowIndex(live);
}

/**
 * Counts one more run for an originating event; false when its budget is
 * spent. Reads now, writes with the batch (`writes`); `taken` counts what
 * this batch already took, so a batch cannot overspend between the two.
 */
function takeFanOut(
  db: StoreDb,
  origin: string,
  budget: number,
  taken: Map<string, number>,
  writes: Write[],
): boolean {
  const [row] = run<{ runs: number }>(
    db,
    "SELECT runs FROM fan_out WHERE origin_event_id = ?",
    origin,
  );
  const already = taken.get(origin) ?? 0;
  if ((row?.runs ?? 0) + already >= budget) return false;
  taken.set(origin, already + 1);
  const firstAt = new Date().toISOString();
  writes.push((w) =>
    run(
      w,
      `INSERT INTO fan_out (origin_event_id, runs, first_at) VALUES (?, 1, ?)
       ON CONFLICT (origin_event_id) DO UPDATE SET runs = runs + 1`,
      origin,
      firstAt,
    ),
  );
  return true;
}

/** A write the matcher decided on, done once the event's runs have started. */
export type Write = (db: StoreDb) => void;

/** A run the matcher decided to start, for the store to hand to its WorkflowRun. */
export interface RunStart {
  runId: string;
  params: Parameters<typeof createRun>[0];
}

/**
 * The matcher's decisions for one event, as writes to make once its runs
 * have started (the index rows of the runs it starts, of the runs it
 * settles — filtered, filter-failed, suppressed — and their audit, the
 * fan-out counts): the store makes a whole batch's writes in one turn, so
 * they commit together. Safe to repeat: run ids are derived and index
 * writes only move forward.
 */
export async function matchOne(
  db: StoreDb,
  index: WorkflowIndex,
  e: EventRow,
  at: string,
  fanOutRuns: number = DEFAULT_FAN_OUT_RUNS,
  taken: Map<string, number> = new Map(),
  flow?: FlowAdmission,
): Promise<{
  starts: RunStart[];
  suppressed: { runId: string; m: MatchResult }[];
  writes: Write[];
}> {
  const tenantId = e.tenantId;
  const causation = JSON.parse(e.causation) as Causation;
  const now = Date.parse(e.receivedAt);
  const matches =
    e.onlyWorkflowId !== null && e.onlyVersion !== null && e.onlyDefinition !== null
      ? // A test event: its own throwaway index, so drafts never enter the live one.
        new WorkflowIndex([
          {
            workflowId: e.onlyWorkflowId,
            version: e.onlyVersion,
            definition: JSON.parse(e.onlyDefinition) as WorkflowDefinition,
          },
        ]).match(envelopeOf(e), causation, { now })
      : index
          .match(envelopeOf(e), causation, { now })
          // A platform event sent to one workflow (workflow.failed) reaches only it.
          .filter((m) => e.onlyWorkflowId === null || m.workflowId === e.onlyWorkflowId);
  const starts: RunStart[] = [];
  const suppressed: { runId: string; m: MatchResult }[] = [];
  const writes: Write[] = [];
  for (const found of matches) {
    const runId = await runIdFor(tenantId, e.id, found.workflowId);
    // The loop guard bounds depth; the fan-out budget bounds breadth: one
    // originating event starts at most `fanOutRuns` runs, in all its chains.
    const known = hasRun(db, runId);
    const m: MatchResult =
      found.decision === MatchDecision.start &&
      !known &&
      !takeFanOut(db, causation.originEventId, fanOutRuns, taken, writes)
        ? {
            ...found,
            decision: MatchDecision.suppressed,
            suppression: {
              reason: "fan_out",
              message: `event ${causation.originEventId} has already started ${fanOutRuns} runs in its chains; no more start from it`,
            },
          }
        : found;
    const params = {
      runId,
      workflowId: m.workflowId,
      version: m.version,
      definition: m.definition,
      event: envelopeOf(e),
      causation,
      now,
      test: e.onlyDefinition !== null,
      filter: m.filter,
      ...(m.suppression ? { suppression: m.suppression } : {}),
    };
    if (m.decision === MatchDecision.start) {
      // Flow control (store/flow.ts): a run it holds stays held on a
      // redelivery; a new one starts now or waits (test runs bypass it).
      if (flow && known && heldByFlow(db, tenantId, runId)) continue;
      if (flow && !known && !params.test) {
        const decided = flow.decide(params, e.lane === "bulk" ? "bulk" : "main", Date.parse(at));
        writes.push(decided.write);
        if (!decided.start) continue;
      }
      // Indexed as running from now; the run object reports its next status.
      const row = runIndexRow(
        tenantId,
        { ...createRun(params), startedAt: Date.parse(at) },
        at,
        true,
      );
      writes.push((w) => upsertRun(w, row));
      starts.push({ runId, params });
      continue;
    }
    const settled = advance(createRun(params), { type: "start", at: now }).state;
    // A filter that failed fails the run: it counts for the workflow's alerts, once.
    const end = known ? null : runEndOf(settled, at);
    writes.push((w) => {
      const row = runIndexRow(tenantId, settled, at, false);
      const audit = runAuditRecord(settled);
      upsertRun(w, row);
      appendRunAudit(w, tenantId, audit);
      if (end) {
        noteRunEndAll(w, tenantId, end);
        // A run whose filter failed ends here: it counts in the workflow's metrics as failed.
        noteRunMetrics(w, tenantId, undefined, row, audit, now);
      }
    });
    if (m.decision === MatchDecision.suppressed) suppressed.push({ runId, m });
  }
  return { starts, suppressed, writes };
}

/**
 * Starts each decided event's runs, all at once; per event, true when all
 * its runs started (a run object answers once the run is stored).
 */
export async function startRuns(
  objects: Env["RUNS"],
  tenantId: string,
  decided: { e: EventRow; m: { starts: RunStart[] } }[],
): Promise<boolean[]> {
  return Promise.all(
    decided.map(async ({ e, m }) => {
      try {
        await Promise.all(
          m.starts.map((s) =>
            objects
              .get(objects.idFromName(s.runId))
              .start(tenantId, s.params, e.lane === "bulk" ? "bulk" : "main"),
          ),
        );
        return true;
      } catch (err) {
        console.error(`starting the runs of ${e.id} failed; it stays accepted`, err);
        return false;
      }
    }),
  );
}
