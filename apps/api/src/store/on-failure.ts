// On failure, run workflow X (issue 14). When a run of W fails and W's
// settings name X, the store emits a `workflow.failed` event into the
// tenant's own event path, for X alone, with the run, the workflow, the
// failing step, the error and that step's input. The event type's first
// segment is reserved, so no client can send one; its id derives from the
// run and its checkpoint (`run_…`, reserved too), so a run end delivered
// twice emits it once; and its causation continues the failed run's chain,
// so the loop guard refuses X should X's own failure lead back to X or W.
import { type Causation, childCausation } from "@switchyard/engine";
import type { RunEnd } from "./alerts.ts";
import type { StoreDb } from "./db.ts";
import { type EventRow, eventRow } from "./events.ts";
import { run } from "./raw.ts";

export const WORKFLOW_FAILED = "workflow.failed";

/** The platform's own event types, offered as triggers (GET /v1/catalog) with their shape. */
export const PLATFORM_EVENTS = [
  {
    type: WORKFLOW_FAILED,
    description:
      "A run of another workflow failed (that workflow's settings: On failure, run this one)",
    sample: {
      run: { id: "run_1a2b3c", failedAt: "2026-12-05T09:30:00.000Z", link: "/runs/run_1a2b3c" },
      workflow: { id: "wf_orders", name: "Big order approval" },
      step: { id: "notify", name: "Tell the account manager" },
      error: "The webhook answered 503 Service Unavailable",
      input: { to: "manager@example.com", subject: "Order ord_1001" },
    },
  },
] as const;

/** The live workflow a failure of `workflowId` is sent to, if its settings name one. */
export function onFailureOf(db: StoreDb, workflowId: string): string | null {
  const [row] = run<{ on_failure: string | null }>(
    db,
    "SELECT on_failure FROM live_workflows WHERE workflow_id = ?",
    workflowId,
  );
  return row?.on_failure ?? null;
}

/**
 * The `workflow.failed` event a fresh failed run end owes, or null (its
 * workflow names no other workflow to run on failure).
 */
export function failureEvent(
  db: StoreDb,
  tenantId: string,
  end: RunEnd,
  runCausation: string,
  at: string,
): (EventRow & { id: string }) | null {
  if (end.status !== "failed") return null;
  const target = onFailureOf(db, end.workflowId);
  if (target === null || target === end.workflowId) return null;
  const causation = childCausation(JSON.parse(runCausation) as Causation, {
    workflowId: end.workflowId,
    runId: end.runId,
  });
  return eventRow(
    tenantId,
    {
      id: `${end.runId}:${WORKFLOW_FAILED}:${end.seq}`,
      type: WORKFLOW_FAILED,
      data: {
        run: { id: end.runId, failedAt: end.finishedAt, link: `/runs/${end.runId}` },
        workflow: { id: end.workflowId, name: end.workflowName },
        step: end.step ? { id: end.step.id, name: end.step.name } : null,
        error: end.error,
        input: end.step?.input ?? null,
      },
      source: `run:${end.runId}`,
      causation,
      target,
    },
    at,
    "main",
  );
}
