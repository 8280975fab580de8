import { and, desc, eq, isNull } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { webhookSources } from "../db/schema.ts";

export type WebhookSourceRow = typeof webhookSources.$inferSelect;

/** What the API shows of a source: never its secret. */
export function sourceView(r: WebhookSourceRow) {
  return {
    id: r.id,
    name: r.name,
    eventType: r.eventType,
    url: `/hooks/${r.id}`,
    createdAt: r.createdAt,
    createdBy: r.createdBy,
    rotatedAt: r.rotatedAt,
    previousSecretExpiresAt: r.previousExpiresAt,
  };
}

export async function getSource(
  db: Db,
  tenantId: string,
  id: string,
): Promise<WebhookSourceRow | undefined> {
  const rows = await db
    .select()
    .from(webhookSources)
    .where(
      and(
        eq(webhookSources.tenantId, tenantId),
        eq(webhookSources.id, id),
        isNull(webhookSources.deletedAt),
      ),
    )
    .limit(1);
  return rows[0];
}

/** For /hooks/:sourceId, where the source id is all there is: it decides the tenant. */
export async function getSourceById(db: Db, id: string): Promise<WebhookSourceRow | undefined> {
  const rows = await db
    .select()
    .from(webhookSources)
    .where(and(eq(webhookSources.id, id), isNull(webhookSources.deletedAt)))
    .limit(1);
  return rows[0];
}

export async function listSources(db: Db, tenantId: string): Promise<WebhookSourceRow[]> {
  return db
    .select()
    .from(webhookSources)
    .where(and(eq(webhookSources.tenantId, tenantId), isNull(webhookSources.deletedAt)))
    .orderBy(desc(webhookSources.createdAt));
}
