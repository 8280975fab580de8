import type { RunState } from "@switchyard/engine";
import { sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "../db/client.ts";
import { runSteps, runs } from "../db/schema.ts";

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
const json = (v: unknown): string | null =>
  v === null || v === undefined ? null : JSON.stringify(v);

/**
 * Writes a run's state to D1 (the runs and run_steps tables behind
 * GET /v1/runs). The runs row only moves forward: a projection carrying an
 * older checkpoint than the stored one changes nothing.
 */
export function projectionStatements(
  db: Db,
  tenantId: string,
  state: RunState,
  at: string,
): BatchItem<"sqlite">[] {
  const run = {
    tenantId,
    id: state.runId,
    workflowId: state.workflowId,
    workflowVersion: state.version,
    eventId: state.event.id,
    status: state.status,
    test: state.test,
    startedAt: iso(state.startedAt),
    finishedAt: iso(state.finishedAt),
    causation: JSON.stringify(state.causation),
    filter: json(state.filter),
    suppression: json(state.suppression),
    error: json(state.error),
    seq: state.seq,
    createdAt: at,
    updatedAt: at,
  };
  const items: BatchItem<"sqlite">[] = [
    db
      .insert(runs)
      .values(run)
      .onConflictDoUpdate({
        target: [runs.tenantId, runs.id],
        set: {
          workflowVersion: run.workflowVersion,
          status: run.status,
          startedAt: run.startedAt,
          finishedAt: run.finishedAt,
          filter: run.filter,
          suppression: run.suppression,
          error: run.error,
          seq: run.seq,
          updatedAt: at,
        },
        setWhere: sql`excluded.seq > ${runs.seq}`,
      }),
  ];
  state.order.forEach((stepId, ord) => {
    const s = state.steps[stepId]!;
    const row = {
      tenantId,
      runId: state.runId,
      stepId,
      ord,
      kind: s.kind,
      action: s.action,
      status: s.status,
      attempts: s.attempt,
      startedAt: iso(s.startedAt),
      finishedAt: iso(s.finishedAt),
      input: json(s.input),
      output: json(s.output),
      error: json(s.error),
      branch: s.branch,
    };
    items.push(
      db
        .insert(runSteps)
        .values(row)
        .onConflictDoUpdate({
          target: [runSteps.tenantId, runSteps.runId, runSteps.stepId],
          set: {
            ord,
            kind: row.kind,
            action: row.action,
            status: row.status,
            attempts: row.attempts,
            startedAt: row.startedAt,
            finishedAt: row.finishedAt,
            input: row.input,
            output: row.output,
            error: row.error,
            branch: row.branch,
          },
          // Steps follow their run: only when this checkpoint is the newest.
          setWhere: sql`(SELECT seq FROM runs WHERE tenant_id = ${tenantId} AND id = ${state.runId}) <= ${state.seq}`,
        }),
    );
  });
  return items;
}

export async function projectRun(
  db: Db,
  tenantId: string,
  state: RunState,
  at: string,
): Promise<void> {
  const items = projectionStatements(db, tenantId, state, at);
  await db.batch(items as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
}
