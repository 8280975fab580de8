import { and, desc, eq } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { tasks } from "../db/schema.ts";
import { type KeysetCursor, olderThan } from "./keyset.ts";

export type TaskRow = typeof tasks.$inferSelect;
export type TaskStatus = TaskRow["status"];

/**
 * Inserts a task once per (tenant, idempotency key): the row is its own
 * effect marker, and a replay reads back the first one.
 */
export async function insertTaskOnce(db: Db, row: TaskRow): Promise<TaskRow> {
  await db.insert(tasks).values(row).onConflictDoNothing();
  if (row.idempotencyKey === null) return row;
  const rows = await db
    .select()
    .from(tasks)
    .where(and(eq(tasks.tenantId, row.tenantId), eq(tasks.idempotencyKey, row.idempotencyKey)))
    .limit(1);
  return rows[0]!;
}

export async function getTaskRow(
  db: Db,
  tenantId: string,
  id: string,
): Promise<TaskRow | undefined> {
  const rows = await db
    .select()
    .from(tasks)
    .where(and(eq(tasks.tenantId, tenantId), eq(tasks.id, id)))
    .limit(1);
  return rows[0];
}

export interface TaskListQuery {
  limit: number;
  after?: KeysetCursor | undefined;
  status?: TaskStatus | undefined;
  assignee?: string | undefined;
  runId?: string | undefined;
}

/** Newest first; the cursor is the last (createdAt, id) seen. */
export async function listTaskRows(db: Db, tenantId: string, q: TaskListQuery): Promise<TaskRow[]> {
  const conds = [eq(tasks.tenantId, tenantId)];
  if (q.after) {
    conds.push(olderThan(tasks.createdAt, tasks.id, q.after));
  }
  if (q.status) conds.push(eq(tasks.status, q.status));
  if (q.assignee) conds.push(eq(tasks.assignee, q.assignee));
  if (q.runId) conds.push(eq(tasks.runId, q.runId));
  return db
    .select()
    .from(tasks)
    .where(and(...conds))
    .orderBy(desc(tasks.createdAt), desc(tasks.id))
    .limit(q.limit);
}

export async function setTaskStatus(
  db: Db,
  tenantId: string,
  id: string,
  status: TaskStatus,
  at: string,
): Promise<void> {
  await db
    .update(tasks)
    .set({ status, updatedAt: at })
    .where(and(eq(tasks.tenantId, tenantId), eq(tasks.id, id)));
}
