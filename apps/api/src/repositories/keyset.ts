import { and, eq, lt, or, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";

/** A list position, newest first: the last (createdAt, id) a page held. */
export interface KeysetCursor {
  createdAt: string;
  id: string;
}

export const isKeysetCursor = (v: unknown): v is KeysetCursor =>
  typeof v === "object" &&
  v !== null &&
  typeof (v as KeysetCursor).createdAt === "string" &&
  typeof (v as KeysetCursor).id === "string";

/**
 * Rows strictly after `after` in (createdAt desc, id desc) order: ties on
 * the timestamp are broken by id, so no row is skipped or repeated.
 */
export function olderThan(createdAt: SQLiteColumn, id: SQLiteColumn, after: KeysetCursor): SQL {
  return or(lt(createdAt, after.createdAt), and(eq(createdAt, after.createdAt), lt(id, after.id)))!;
}

/** The cursor after a page, or null when `rows` (fetched limit + 1) had no more. */
export function nextKeysetCursor<T extends KeysetCursor>(
  rows: T[],
  limit: number,
): KeysetCursor | null {
  const last = rows.length > limit ? rows[limit - 1] : undefined;
  return last ? { createdAt: last.createdAt, id: last.id } : null;
}
