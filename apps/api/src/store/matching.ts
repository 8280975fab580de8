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
import { and, eq, isNotNull, isNull } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { workflows, workflowVersions } from "../db/schema.ts";
import { sha256Hex } from "../lib/crypto.ts";
import type { StoreDb } from "./db.ts";
import type { EventRow } from "./events.ts";
import { appendRunAudit, runAuditRecord, runIndexRow, upsertRun } from "./runs.ts";
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
  for (const m of matches) {
    const runId = await runIdFor(tenantId, e.id, m.workflowId);
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
      upsertRun(db, runIndexRow(tenantId, createRun(params), at, true));
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
