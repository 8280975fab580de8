// Tasks in a tenant's store: created by create_task and request_approval
// steps (once per idempotency key: the row is its own effect marker), read
// and closed through /v1/tasks.
import { and, desc, eq, ne } from "drizzle-orm";
import { type KeysetCursor, olderThan } from "../repositories/keyset.ts";
import type { StoreDb } from "./db.ts";
import { tasks } from "./schema.ts";

export type TaskRow = typeof tasks.$inferSelect;
export type TaskStatus = TaskRow["status"];

/**
 * Inserts a task once per (tenant, idempotency key); a replay reads back
 * the first one.
 */
export function insertTaskOnce(db: StoreDb, row: TaskRow): TaskRow {
  db.insert(tasks).values(row).onConflictDoNothing().run();
  if (row.idempotencyKey === null) return row;
  return db
    .select()
    .from(tasks)
    .where(and(eq(tasks.tenantId, row.tenantId), eq(tasks.idempotencyKey, row.idempotencyKey)))
    .get()!;
}

export function getTaskRow(db: StoreDb, tenantId: string, id: string): TaskRow | undefined {
  return db
    .select()
    .from(tasks)
    .where(and(eq(tasks.tenantId, tenantId), eq(tasks.id, id)))
    .get();
}

export interface TaskListQuery {
  limit: number;
  after?: KeysetCursor | undefined;
  status?: TaskStatus | undefined;
  assignee?: string | undefined;
  runId?: string | undefined;
}

/** Newest first; the cursor is the last (createdAt, id) seen. Fetches limit + 1. */
export function listTaskRows(db: StoreDb, tenantId: string, q: TaskListQuery): TaskRow[] {
  const conds = [eq(tasks.tenantId, tenantId)];
  if (q.after) conds.push(olderThan(tasks.createdAt, tasks.id, q.after));
  if (q.status) conds.push(eq(tasks.status, q.status));
  if (q.assignee) conds.push(eq(tasks.assignee, q.assignee));
  if (q.runId) conds.push(eq(tasks.runId, q.runId));
  return db
    .select()
    .from(tasks)
    .where(and(...conds))
    .orderBy(desc(tasks.createdAt), desc(tasks.id))
    .limit(q.limit + 1)
    .all();
}

/** Sets a task's status; an unchanged status keeps its updatedAt. The task, or undefined. */
export function setTaskStatus(
  db: StoreDb,
  tenantId: string,
  id: string,
  status: TaskStatus,
  at: string,
): TaskRow | undefined {
  db.update(tasks)
    .set({ status, updatedAt: at })
    .where(and(eq(tasks.tenantId, tenantId), eq(tasks.id, id), ne(tasks.status, status)))
    .run();
  return getTaskRow(db, tenantId, id);
}

/** Closes the open tasks a run's step opened (an approver's task, with its approval). */
export function closeStepTasks(
  db: StoreDb,
  tenantId: string,
  runId: string,
  stepId: string,
  at: string,
): void {
  db.update(tasks)
    .set({ status: "done", updatedAt: at })
    .where(
      and(
        eq(tasks.tenantId, tenantId),
        eq(tasks.runId, runId),
        eq(tasks.stepId, stepId),
        eq(tasks.status, "open"),
      ),
    )
    .run();
}
