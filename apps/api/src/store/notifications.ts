// In-app notifications in a tenant's store: created by notify_user steps
// (once per idempotency key: the row is its own effect marker), read and
// marked read through /v1/notifications.
import { and, desc, eq } from "drizzle-orm";
import { type KeysetCursor, olderThan } from "../repositories/keyset.ts";
import type { StoreDb } from "./db.ts";
import { notifications } from "./schema.ts";

export type NotificationRow = typeof notifications.$inferSelect;

/**
 * Inserts a notification once per (tenant, idempotency key); a replay
 * reads back the first one.
 */
export function insertNotificationOnce(db: StoreDb, row: NotificationRow): NotificationRow {
  db.insert(notifications).values(row).onConflictDoNothing().run();
  if (row.idempotencyKey === null) return row;
  return db
    .select()
    .from(notifications)
    .where(
      and(
        eq(notifications.tenantId, row.tenantId),
        eq(notifications.idempotencyKey, row.idempotencyKey),
      ),
    )
    .get()!;
}

export function getNotificationRow(
  db: StoreDb,
  tenantId: string,
  id: string,
): NotificationRow | undefined {
  return db
    .select()
    .from(notifications)
    .where(and(eq(notifications.tenantId, tenantId), eq(notifications.id, id)))
    .get();
}

export interface NotificationListQuery {
  limit: number;
  after?: KeysetCursor | undefined;
  user?: string | undefined;
  unread?: boolean | undefined;
}

/** Newest first; the cursor is the last (createdAt, id) seen. Fetches limit + 1. */
export function listNotificationRows(
  db: StoreDb,
  tenantId: string,
  q: NotificationListQuery,
): NotificationRow[] {
  const conds = [eq(notifications.tenantId, tenantId)];
  if (q.after) conds.push(olderThan(notifications.createdAt, notifications.id, q.after));
  if (q.user) conds.push(eq(notifications.user, q.user));
  if (q.unread) conds.push(eq(notifications.read, false));
  return db
    .select()
    .from(notifications)
    .where(and(...conds))
    .orderBy(desc(notifications.createdAt), desc(notifications.id))
    .limit(q.limit + 1)
    .all();
}

export function markNotificationRead(db: StoreDb, tenantId: string, id: string): void {
  db.update(notifications)
    .set({ read: true })
    .where(and(eq(notifications.tenantId, tenantId), eq(notifications.id, id)))
    .run();
}
