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
  type WorkflowDefinition,
  WorkflowIndex,
} from "@switchyard/engine";
import { and, eq, isNotNull, isNull, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { workflows, workflowVersions } from "../db/schema.ts";
import { sha256Hex } from "../lib/crypto.ts";
import type { StoreDb } from "./db.ts";
import type { EventRow } from "./events.ts";
import { DEFAULT_FAN_OUT_RUNS } from "./limits.ts";
import { appendRunAudit, runAuditRecord, runIndexRow, upsertRun } from "./runs.ts";
import { fanOut, liveWorkflows, runs } from "./schema.ts";

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

/** The tenant's live versions as D1 has them (the control plane). */
export async function readLiveFromD1(d1: Db, tenantId: string): Promise<LiveWorkflow[]> {
  const rows = await d1
    .select({
      id: workflows.id,
      version: workflowVersions.version,
      definition: workflowVersions.definition,
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
  }));
}

/** Replaces the store's copy of the live versions, in one transaction. */
export function replaceLive(db: StoreDb, live: LiveWorkflow[]): void {
  db.transaction((tx) => {
    tx.delete(liveWorkflows).run();
    for (const w of live) {
      tx.insert(liveWorkflows)
        .values({
          workflowId: w.workflowId,
          version: w.version,
          triggerEvent: w.definition.trigger.event,
          definition: JSON.stringify(w.definition),
        })
        .run();
    }
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

/** The index of live versions with their filters compiled once, rebuilt when they change. */
export function buildIndex(live: LiveWorkflow[]): WorkflowIndex {
  return new WorkflowIndex(live);
}

/** Counts one more run for an originating event; false when its budget is spent. */
function takeFanOut(db: StoreDb, origin: string, budget: number): boolean {
  const row = db.select().from(fanOut).where(eq(fanOut.originEventId, origin)).get();
  if ((row?.runs ?? 0) >= budget) return false;
  db.insert(fanOut)
    .values({ originEventId: origin, runs: 1, firstAt: new Date().toISOString() })
    .onConflictDoUpdate({ target: fanOut.originEventId, set: { runs: sql`${fanOut.runs} + 1` } })
    .run();
  return true;
}

/** A run the matcher decided to start, for the store to hand to its WorkflowRun. */
export interface RunStart {
  runId: string;
  params: Parameters<typeof createRun>[0];
}

/**
 * The matcher's decisions for one event. Settled runs (filtered,
 * filter-failed, suppressed) are written to the index here; the runs to
 * start are indexed as starting and returned. Safe to repeat: run ids are
 * derived and index writes only move forward.
 */
export async function matchOne(
  db: StoreDb,
  index: WorkflowIndex,
  e: EventRow,
  at: string,
  fanOutRuns: number = DEFAULT_FAN_OUT_RUNS,
): Promise<{ starts: RunStart[]; suppressed: { runId: string; m: MatchResult }[] }> {
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
      : index.match(envelopeOf(e), causation, { now });
  const starts: RunStart[] = [];
  const suppressed: { runId: string; m: MatchResult }[] = [];
  for (const found of matches) {
    const runId = await runIdFor(tenantId, e.id, found.workflowId);
    // The loop guard bounds depth; the fan-out budget bounds breadth: one
    // originating event starts at most `fanOutRuns` runs, in all its chains.
    const known = db.select({ id: runs.id }).from(runs).where(eq(runs.id, runId)).get();
    const m: MatchResult =
      found.decision === MatchDecision.start &&
      !known &&
      !takeFanOut(db, causation.originEventId, fanOutRuns)
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
      test: e.onlyWorkflowId !== null,
      filter: m.filter,
      ...(m.suppression ? { suppression: m.suppression } : {}),
    };
    if (m.decision === MatchDecision.start) {
      // Indexed as running from now; the run object reports its next status.
      upsertRun(
        db,
        runIndexRow(tenantId, { ...createRun(params), startedAt: Date.parse(at) }, at, true),
      );
      starts.push({ runId, params });
      continue;
    }
    const settled = advance(createRun(params), { type: "start", at: now }).state;
    upsertRun(db, runIndexRow(tenantId, settled, at, false));
    appendRunAudit(db, tenantId, runAuditRecord(settled));
    if (m.decision === MatchDecision.suppressed) suppressed.push({ runId, m });
  }
  return { starts, suppressed };
}
