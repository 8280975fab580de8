import { and, eq } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { memberships, users } from "../db/schema.ts";
import { normalizeEmail } from "./users.ts";

/**
 * The member of this tenant with this email, or undefined: tasks and
 * notifications go only to people who can sign in and see them.
 */
export async function findMemberByEmail(
  db: Db,
  tenantId: string,
  email: string,
): Promise<{ userId: string; email: string } | undefined> {
  const rows = await db
    .select({ userId: users.id, email: users.email })
    .from(users)
    .innerJoin(memberships, eq(memberships.userId, users.id))
    .where(and(eq(users.email, normalizeEmail(email)), eq(memberships.tenantId, tenantId)))
    .limit(1);
  return rows[0];
}
