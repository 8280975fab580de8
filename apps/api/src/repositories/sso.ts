// D1 access for single sign-on: a tenant's connection, its email domains,
// and which tenants require it. Domains are global by nature (one domain,
// one tenant), so the lookups by domain carry no tenant.
import { and, eq, isNotNull } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { memberships, ssoConnections, ssoDomains } from "../db/schema.ts";

export type SsoConnectionRow = typeof ssoConnections.$inferSelect;
export type SsoDomainRow = typeof ssoDomains.$inferSelect;

export async function getConnection(
  db: Db,
  tenantId: string,
): Promise<SsoConnectionRow | undefined> {
  const rows = await db
    .select()
    .from(ssoConnections)
    .where(eq(ssoConnections.tenantId, tenantId))
    .limit(1);
  return rows[0];
}

export async function listDomains(db: Db, tenantId: string): Promise<SsoDomainRow[]> {
  return db
    .select()
    .from(ssoDomains)
    .where(eq(ssoDomains.tenantId, tenantId))
    .orderBy(ssoDomains.domain)
    .limit(200);
}

/** A domain's row, whichever tenant holds it. */
export async function getDomain(db: Db, domain: string): Promise<SsoDomainRow | undefined> {
  const rows = await db.select().from(ssoDomains).where(eq(ssoDomains.domain, domain)).limit(1);
  return rows[0];
}

/** Whether `domain` is verified for `tenantId`. */
export async function domainVerifiedFor(db: Db, tenantId: string, domain: string) {
  const rows = await db
    .select({ domain: ssoDomains.domain })
    .from(ssoDomains)
    .where(
      and(
        eq(ssoDomains.domain, domain),
        eq(ssoDomains.tenantId, tenantId),
        isNotNull(ssoDomains.verifiedAt),
      ),
    )
    .limit(1);
  return rows.length === 1;
}

/** The enabled connection a verified email domain routes to, if any. */
export async function connectionForDomain(
  db: Db,
  domain: string,
): Promise<SsoConnectionRow | undefined> {
  const rows = await db
    .select({ c: ssoConnections })
    .from(ssoDomains)
    .innerJoin(ssoConnections, eq(ssoConnections.tenantId, ssoDomains.tenantId))
    .where(
      and(
        eq(ssoDomains.domain, domain),
        isNotNull(ssoDomains.verifiedAt),
        eq(ssoConnections.enabled, true),
      ),
    )
    .limit(1);
  return rows[0]?.c;
}

/** Whether members of `tenantId` must sign in by single sign-on. */
export async function ssoRequired(db: Db, tenantId: string): Promise<boolean> {
  const c = await getConnection(db, tenantId);
  return c?.enabled === true && c.required === true;
}

/** Those of a person's tenants that require single sign-on. */
export async function ssoRequiredTenantsOf(db: Db, userId: string): Promise<Set<string>> {
  const rows = await db
    .select({ tenantId: ssoConnections.tenantId })
    .from(memberships)
    .innerJoin(ssoConnections, eq(ssoConnections.tenantId, memberships.tenantId))
    .where(
      and(
        eq(memberships.userId, userId),
        eq(ssoConnections.enabled, true),
        eq(ssoConnections.required, true),
      ),
    );
  return new Set(rows.map((r) => r.tenantId));
}
