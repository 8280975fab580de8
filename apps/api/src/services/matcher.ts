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
import { and, eq, inArray, isNotNull, isNull } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "../db/client.ts";
import { auditLog, events, workflows, workflowVersions } from "../db/schema.ts";
import type { Env } from "../env.ts";
import { sha256Hex } from "../lib/crypto.ts";
import { idsByTenant } from "../lib/tenant-chunks.ts";
import { AuditType, commitWithAudit } from "../repositories/audit.ts";
import { auditKeyOf } from "./context.ts";
import type { EventRow } from "./events.ts";
import type { Lane } from "./rate-limit.ts";
import { projectRun } from "./run-projection.ts";

/**
 * Per-isolate index of each tenant's live versions: compiled filters survive
 * between events, and an event only meets the workflows of its type.
 */
const indexes = new Map<string, WorkflowIndex>();

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

async function liveWorkflows(db: Db, tenantId: string, e: EventRow): Promise<LiveWorkflow[]> {
  if (e.onlyWorkflowId !== null && e.onlyVersion !== null) {
    const v = await db
      .select({ definition: workflowVersions.definition })
      .from(workflowVersions)
      .where(
        and(
          eq(workflowVersions.tenantId, tenantId),
          eq(workflowVersions.workflowId, e.onlyWorkflowId),
          eq(workflowVersions.version, e.onlyVersion),
        ),
      )
      .limit(1);
    if (!v[0]) return [];
    return [
      {
        workflowId: e.onlyWorkflowId,
        version: e.onlyVersion,
        definition: JSON.parse(v[0].definition) as WorkflowDefinition,
      },
    ];
  }
  const rows = await db
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
        eq(workflows.triggerEvent, e.type),
        eq(workflows.enabled, true),
        isNull(workflows.deletedAt),
        isNotNull(workflows.liveVersion),
      ),
    );
  return rows.map((r) => ({
    workflowId: r.id,
    version: r.version,
    definition: JSON.parse(r.definition) as WorkflowDefinition,
  }));
}

/** The matcher's decisions for one event, from an index kept current with D1. */
function decide(
  tenantId: string,
  e: EventRow,
  live: LiveWorkflow[],
  causation: Causation,
  now: number,
): MatchResult[] {
  if (e.onlyWorkflowId !== null) {
    // A test event: its own throwaway index, so drafts never enter the live one.
    return new WorkflowIndex(live).match(envelopeOf(e), causation, { now });
  }
  let index = indexes.get(tenantId);
  if (!index) {
    index = new WorkflowIndex();
    indexes.set(tenantId, index);
  }
  const liveIds = new Set(live.map((w) => w.workflowId));
  for (const w of index.candidates(e.type))
    if (!liveIds.has(w.workflowId)) index.remove(w.workflowId);
  for (const w of live) index.upsert(w);
  return index.match(envelopeOf(e), causation, { now });
}

/**
 * The live versions per (tenant, event type), read once per queue batch: a
 * burst of one type costs one query per batch, not one per event.
 */
export class LiveWorkflowsMemo {
  readonly #byType = new Map<string, Promise<LiveWorkflow[]>>();

  get(db: Db, e: EventRow): Promise<LiveWorkflow[]> {
    if (e.onlyWorkflowId !== null) return liveWorkflows(db, e.tenantId, e);
    const key = `${e.tenantId}\n${e.type}`;
    let live = this.#byType.get(key);
    if (!live) {
      live = liveWorkflows(db, e.tenantId, e);
      // A failed read is not remembered: the next event asks again.
      live.catch(() => this.#byType.delete(key));
      this.#byType.set(key, live);
    }
    return live;
  }
}

/**
 * Matches one accepted event: starts a run DO for each live workflow whose
 * filter says yes, and records `filtered`, filter-`failed` and `suppressed`
 * runs directly. Safe to repeat for the same event. The caller then marks
 * the event matched (`markMatched`), for a whole batch at once.
 */
export async function matchEvent(
  env: Env,
  db: Db,
  e: EventRow,
  at: string,
  memo = new LiveWorkflowsMemo(),
  lane: Lane = "main",
): Promise<void> {
  if (e.status !== "accepted") return;
  const tenantId = e.tenantId;
  const causation = JSON.parse(e.causation) as Causation;
  const now = Date.parse(e.receivedAt);
  const live = await memo.get(db, e);
  for (const m of decide(tenantId, e, live, causation, now)) {
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
      const stub = env.RUNS.get(env.RUNS.idFromName(runId));
      await stub.start(tenantId, params, lane);
      continue;
    }
    // Filtered, filter-failed and suppressed runs end at once: the engine
    // settles them here and only the record is kept, no Durable Object.
    const settled = advance(createRun(params), { type: "start", at: now }).state;
    await projectRun(db, tenantId, settled, at);
    if (m.decision === MatchDecision.suppressed)
      await auditSuppression(env, db, tenantId, runId, m, e, causation, at);
  }
}

/** Marks matched events, one statement per tenant (and chunk), in one batch. */
export async function markMatched(
  db: Db,
  matched: { tenantId: string; id: string }[],
  at: string,
): Promise<void> {
  const statements: BatchItem<"sqlite">[] = idsByTenant(matched).map(({ tenantId, ids }) =>
    db
      .update(events)
      .set({ status: "matched", matchedAt: at })
      .where(
        and(eq(events.tenantId, tenantId), inArray(events.id, ids), eq(events.status, "accepted")),
      ),
  );
  const [first, ...rest] = statements;
  if (first) await db.batch([first, ...rest]);
}

async function auditSuppression(
  env: Env,
  db: Db,
  tenantId: string,
  runId: string,
  m: MatchResult,
  e: EventRow,
  causation: Causation,
  at: string,
): Promise<void> {
  const id = `au_sup_${runId.slice(4)}`;
  const exists = await db
    .select({ id: auditLog.id })
    .from(auditLog)
    .where(eq(auditLog.id, id))
    .limit(1);
  if (exists.length > 0) return;
  await commitWithAudit(db, auditKeyOf(env), tenantId, at, () => [], [
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
  ]);
}
