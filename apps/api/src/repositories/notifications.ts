import { and, desc, eq } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { notifications } from "../db/schema.ts";
import { type KeysetCursor, olderThan } from "./keyset.ts";

export type NotificationRow = typeof notifications.$inferSelect;

/**
 * Inserts a notification once per (tenant, idempotency key): the row is its
 * own effect marker, and a replay reads back the first one.
 */
export async function insertNotificationOnce(
  db: Db,
  row: NotificationRow,
): Promise<NotificationRow> {
  await db.insert(notifications).values(row).onConflictDoNothing();
  if (row.idempotencyKey === null) return row;
  const rows = await db
    .select()
    .from(notifications)
    .where(
      and(
        eq(notifications.tenantId, row.tenantId),
        eq(notifications.idempotencyKey, row.idempotencyKey),
      ),
    )
    .limit(1);
  return rows[0]!;
}

export async function getNotificationRow(
  db: Db,
  tenantId: string,
  id: string,
): Promise<NotificationRow | undefined> {
  const rows = await db
    .select()
    .from(notifications)
    .where(and(eq(notifications.tenantId, tenantId), eq(notifications.id, id)))
    .limit(1);
  return rows[0];
}

export interface NotificationListQuery {
  limit: number;
  after?: KeysetCursor | undefined;
  user?: string | undefined;
  unread?: boolean | undefined;
}

/** Newest first; the cursor is the last (createdAt, id) seen. */
export async function listNotificationRows(
  db: Db,
  tenantId: string,
  q: NotificationListQuery,
): Promise<NotificationRow[]> {
  const conds = [eq(notifications.tenantId, tenantId)];
  if (q.after) {
    conds.push(olderThan(notifications.createdAt, notifications.id, q.after));
  }
  if (q.user) conds.push(eq(notifications.user, q.user));
  if (q.unread) conds.push(eq(notifications.read, false));
  return db
    .select()
    .from(notifications)
    .where(and(...conds))
    .orderBy(desc(notifications.createdAt), desc(notifications.id))
    .limit(q.limit);
}

export async function markNotificationRead(db: Db, tenantId: string, id: string): Promise<void> {
  await db
    .update(notifications)
    .set({ read: true })
    .where(and(eq(notifications.tenantId, tenantId), eq(notifications.id, id)));
}
