// The delivery ledger in a tenant's store (DESIGN.md, promise 3): for
// providers outside our storage, a recorded success is never sent again.
import { and, eq } from "drizzle-orm";
import type { StoreDb } from "./db.ts";
import { deliveries } from "./schema.ts";

export type DeliveryRow = typeof deliveries.$inferSelect;

export interface SentMessage {
  messageId: string;
  provider: string;
}

/** The message recorded under this key, or null. */
export function recordedDelivery(
  db: StoreDb,
  tenantId: string,
  idempotencyKey: string,
): SentMessage | null {
  const row = db
    .select({ messageId: deliveries.providerMessageId, provider: deliveries.provider })
    .from(deliveries)
    .where(and(eq(deliveries.tenantId, tenantId), eq(deliveries.idempotencyKey, idempotencyKey)))
    .get();
  return row ?? null;
}

/** Records a success; the first record under a key stays. */
export function recordDelivery(db: StoreDb, row: DeliveryRow): void {
  db.insert(deliveries).values(row).onConflictDoNothing().run();
}
