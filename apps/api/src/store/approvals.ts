// Approvals in a tenant's store: opened by request_approval steps (one per
// run and step, ever), decided through /v1/approvals/:id/decide once the
// run has accepted the decision, and closed as expired or cancelled when the
// run says so. An approval is its approver's one item in the inbox: it opens
// no task of its own (issue 14, item 7; approvals opened before that may
// still have one, closed with the approval).
import { and, desc, eq } from "drizzle-orm";
import { type KeysetCursor, olderThan } from "../repositories/keyset.ts";
import type { StoreDb } from "./db.ts";
import { approvals } from "./schema.ts";
import { closeStepTasks } from "./tasks.ts";

export type ApprovalRow = typeof approvals.$inferSelect;
export type ApprovalStatus = ApprovalRow["status"];

/**
 * Opens the approval of a run's step, once: a replay (the same run and
 * step) returns the first approval (its id, its expiry, its summary).
 */
export function openApproval(db: StoreDb, approval: ApprovalRow): ApprovalRow {
  return db.transaction((tx) => {
    tx.insert(approvals).values(approval).onConflictDoNothing().run();
    return tx
      .select()
      .from(approvals)
      .where(
        and(
          eq(approvals.tenantId, approval.tenantId),
          eq(approvals.runId, approval.runId),
          eq(approvals.stepId, approval.stepId),
        ),
      )
      .get()!;
  });
}

export function getApprovalRow(db: StoreDb, tenantId: string, id: string): ApprovalRow | undefined {
  return db
    .select()
    .from(approvals)
    .where(and(eq(approvals.tenantId, tenantId), eq(approvals.id, id)))
    .get();
}

export interface ApprovalListQuery {
  limit: number;
  after?: KeysetCursor | undefined;
  status?: ApprovalStatus | undefined;
  approver?: string | undefined;
}

/** Newest first; the cursor is the last (createdAt, id) seen. Fetches limit + 1. */
export function listApprovalRows(
  db: StoreDb,
  tenantId: string,
  q: ApprovalListQuery,
): ApprovalRow[] {
  const conds = [eq(approvals.tenantId, tenantId)];
  if (q.status) conds.push(eq(approvals.status, q.status));
  if (q.approver) conds.push(eq(approvals.approver, q.approver));
  if (q.after) conds.push(olderThan(approvals.createdAt, approvals.id, q.after));
  return db
    .select()
    .from(approvals)
    .where(and(...conds))
    .orderBy(desc(approvals.createdAt), desc(approvals.id))
    .limit(q.limit + 1)
    .all();
}

export interface Decision {
  decision: "approved" | "rejected";
  decidedBy: string;
  comment: string | null;
  at: string;
}

/**
 * Records a decision the run has accepted, while the approval is pending,
 * and closes the approver's task with it. The decided approval, or
 * undefined when it was not pending (nothing changed).
 */
export function decideApproval(
  db: StoreDb,
  tenantId: string,
  id: string,
  d: Decision,
): ApprovalRow | undefined {
  return db.transaction((tx) => {
    const [decided] = tx
      .update(approvals)
      .set({ status: d.decision, decidedBy: d.decidedBy, decidedAt: d.at, comment: d.comment })
      .where(
        and(
          eq(approvals.tenantId, tenantId),
          eq(approvals.id, id),
          eq(approvals.status, "pending"),
        ),
      )
      .returning()
      .all();
    if (decided) closeStepTasks(tx, tenantId, decided.runId, decided.stepId, d.at);
    return decided;
  });
}

/**
 * The run ended the wait without a decision (timeout, cancel): closes the
 * approval, while it is pending, and the approver's task, together. True
 * when the approval was pending.
 */
export function closeApproval(
  db: StoreDb,
  tenantId: string,
  runId: string,
  stepId: string,
  status: "expired" | "cancelled",
  at: string,
): boolean {
  return db.transaction((tx) => {
    const closed = tx
      .update(approvals)
      .set({ status, decidedAt: at })
      .where(
        and(
          eq(approvals.tenantId, tenantId),
          eq(approvals.runId, runId),
          eq(approvals.stepId, stepId),
          eq(approvals.status, "pending"),
        ),
      )
      .returning({ id: approvals.id })
      .all();
    closeStepTasks(tx, tenantId, runId, stepId, at);
    return closed.length > 0;
  });
}
