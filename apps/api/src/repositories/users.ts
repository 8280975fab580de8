import { and, asc, eq, sql } from "drizzle-orm";
import type { Role } from "../auth/principal.ts";
import type { Db } from "../db/client.ts";
import { memberships, tenants, users } from "../db/schema.ts";

export interface Member {
  id: string;
  email: string;
  name: string;
  role: Role;
  createdAt: string;
}

/** Emails are compared case-insensitively and stored lower-cased. */
export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

export async function findUserByEmail(db: Db, email: string) {
  const rows = await db
    .select()
    .from(users)
    .where(eq(users.email, normalizeEmail(email)))
    .limit(1);
  return rows[0];
}

export async function getUser(db: Db, userId: string) {
  const rows = await db.select().from(users).where(eq(users.id, userId)).limit(1);
  return rows[0];
}

export async function listMembers(db: Db, tenantId: string): Promise<Member[]> {
  return db
    .select({
      id: users.id,
      email: users.email,
      // The tenant's own name for the person, else theirs.
      name: sql<string>`coalesce(${memberships.displayName}, ${users.name})`,
      role: memberships.role,
      createdAt: memberships.createdAt,
    })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.tenantId, tenantId))
    .orderBy(asc(users.email));
}

export async function getMember(
  db: Db,
  tenantId: string,
  userId: string,
): Promise<Member | undefined> {
  const rows = await db
    .select({
      id: users.id,
      email: users.email,
      // The tenant's own name for the person, else theirs.
      name: sql<string>`coalesce(${memberships.displayName}, ${users.name})`,
      role: memberships.role,
      createdAt: memberships.createdAt,
    })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.tenantId, tenantId), eq(memberships.userId, userId)))
    .limit(1);
  return rows[0];
}

export async function countOwners(db: Db, tenantId: string): Promise<number> {
  const rows = await db
    .select({ n: sql<number>`count(*)` })
    .from(memberships)
    .where(and(eq(memberships.tenantId, tenantId), eq(memberships.role, "owner")));
  return rows[0]?.n ?? 0;
}

/** The tenants a user belongs to, for `GET /v1/auth/me` and tenant switching. */
export async function tenantsOfUser(db: Db, userId: string) {
  return db
    .select({ id: tenants.tenantId, name: tenants.name, role: memberships.role })
    .from(memberships)
    .innerJoin(tenants, eq(tenants.tenantId, memberships.tenantId))
    .where(eq(memberships.userId, userId))
    .orderBy(asc(tenants.name));
}
