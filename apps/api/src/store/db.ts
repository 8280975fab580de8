import { type DrizzleSqliteDODatabase, drizzle } from "drizzle-orm/durable-sqlite";
import * as schema from "./schema.ts";

/**
 * A drizzle client over a TenantStore's own SQLite storage. Queries run
 * synchronously inside the object (`.all()`, `.get()`, `.run()`, or
 * `await`); `db.transaction(fn)` is `transactionSync`, so an effect and its
 * marker commit together or not at all.
 */
export type StoreDb = DrizzleSqliteDODatabase<typeof schema>;

export function createStoreDb(storage: DurableObjectStorage): StoreDb {
  return drizzle(storage, { schema });
}
