// The store's hottest statements as SQL text built once from store/schema.ts,
// run straight on the object's SQLite: drizzle builds a statement anew on
// every call (tens of microseconds each, several per event), these do not.
// The column names and value mapping still come from the schema, so the two
// cannot drift apart.
import { getTableColumns, getTableName } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import type { StoreDb } from "./db.ts";

type Value = string | number | null | ArrayBuffer;

/** The object's storage under a drizzle client or transaction (both keep it in their session). */
const storageOf = (db: StoreDb) =>
  (db as unknown as { session: { client: DurableObjectStorage } }).session.client;

/** Runs a statement on the store's own SQLite; returns its rows. */
export function run<T extends Record<string, Value>>(
  db: StoreDb,
  query: string,
  ...params: unknown[]
): T[] {
  return storageOf(db)
    .sql.exec<T>(query, ...(params as Value[]))
    .toArray();
}

/**
 * `INSERT INTO <table> (<every column>) VALUES (?, …) <tail>` and the
 * parameters of a row, each mapped to SQLite as drizzle would.
 */
export function insertOf<T extends SQLiteTable>(
  table: T,
  tail = "",
): { sql: string; params(row: T["$inferInsert"]): unknown[] } {
  const columns = Object.entries(getTableColumns(table));
  const sql = `INSERT INTO "${getTableName(table)}" (${columns
    .map(([, c]) => `"${c.name}"`)
    .join(", ")}) VALUES (${columns.map(() => "?").join(", ")}) ${tail}`.trim();
  return {
    sql,
    params: (row) =>
      columns.map(([key, c]) => {
        const given = (row as Record<string, unknown>)[key];
        const v = given === undefined ? c.default : given;
        return v === undefined || v === null ? null : c.mapToDriverValue(v);
      }),
  };
}

/** A row as a select of every column reads it back: a column left out is null. */
export function asStored<T extends SQLiteTable>(
  table: T,
  row: T["$inferInsert"],
): T["$inferSelect"] {
  const out: Record<string, unknown> = {};
  for (const [key, c] of Object.entries(getTableColumns(table))) {
    const given = (row as Record<string, unknown>)[key];
    const v = given === undefined ? c.default : given;
    out[key] = v === undefined ? null : v;
  }
  return out as T["$inferSelect"];
}
