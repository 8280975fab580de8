// The delivery ledger in a tenant's store (DESIGN.md, promise 3): for
// providers outside our storage, a recorded success is never sent again.
// For a provider without an idempotency key (Twilio) the ledger also says
// `sending` before the call: an attempt that never got an answer leaves
// it, and no later attempt sends again (at most once, visibly).
import { and, eq } from "drizzle-orm";
import type { StoreDb } from "./db.ts";
import { deliveries } from "./schema.ts";

export type DeliveryRow = typeof deliveries.$inferSelect;
export type DeliveryChannel = DeliveryRow["channel"];

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
    .where(
      and(
        eq(deliveries.tenantId, tenantId),
        eq(deliveries.idempotencyKey, idempotencyKey),
        eq(deliveries.status, "sent"),
      ),
    )
    .get();
  return row?.messageId ? { messageId: row.messageId, provider: row.provider } : null;
}

export type Begun =
  | { state: "sent"; sent: SentMessage }
  | { state: "sending"; since: string }
  | { state: "new" };

/** Marks a message `sending` unless the ledger already knows it: what it knows wins. */
export function beginDelivery(
  db: StoreDb,
  row: {
    tenantId: string;
    idempotencyKey: string;
    channel: DeliveryChannel;
    provider: string;
    createdAt: string;
  },
): Begun {
  return db.transaction((tx) => {
    const found = tx
      .select()
      .from(deliveries)
      .where(
        and(
          eq(deliveries.tenantId, row.tenantId),
          eq(deliveries.idempotencyKey, row.idempotencyKey),
        ),
      )
      .get();
    if (found?.status === "sent" && found.providerMessageId)
      return {
        state: "sent",
        sent: { messageId: found.providerMessageId, provider: found.provider },
      };
    if (found) return { state: "sending", since: found.createdAt };
    tx.insert(deliveries)
      .values({ ...row, status: "sending", providerMessageId: null })
      .run();
    return { state: "new" };
  });
}

/** The provider refused for sure (it answered): the message was not sent, a retry may send. */
export function abandonDelivery(db: StoreDb, tenantId: string, idempotencyKey: string): void {
  db.delete(deliveries)
    .where(
      and(
        eq(deliveries.tenantId, tenantId),
        eq(deliveries.idempotencyKey, idempotencyKey),
        eq(deliveries.status, "sending"),
      ),
    )
    .run();
}

/** Records a success; the first success under a key stays (a `sending` mark becomes it). */
export function recordDelivery(db: StoreDb, row: DeliveryRow): void {
  db.insert(deliveries)
    .values({ ...row, status: "sent" })
    .onConflictDoUpdate({
      target: [deliveries.tenantId, deliveries.idempotencyKey],
      set: { status: "sent", provider: row.provider, providerMessageId: row.providerMessageId },
      setWhere: eq(deliveries.status, "sending"),
    })
    .run();
}
