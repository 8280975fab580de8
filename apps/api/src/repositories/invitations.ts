import { and, desc, eq, gt, isNull } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { invitations } from "../db/schema.ts";

export type InvitationRow = typeof invitations.$inferSelect;

/** An invitation still waiting for its answer (not accepted, not revoked), expired or not. */
const open = and(isNull(invitations.acceptedAt), isNull(invitations.revokedAt));

export async function listOpenInvitations(db: Db, tenantId: string): Promise<InvitationRow[]> {
  return db
    .select()
    .from(invitations)
    .where(and(eq(invitations.tenantId, tenantId), open))
    .orderBy(desc(invitations.createdAt), desc(invitations.id))
    .limit(200);
}

export async function getOpenInvitation(
  db: Db,
  tenantId: string,
  id: string,
): Promise<InvitationRow | undefined> {
  const rows = await db
    .select()
    .from(invitations)
    .where(and(eq(invitations.tenantId, tenantId), eq(invitations.id, id), open))
    .limit(1);
  return rows[0];
}

export async function openInvitationsFor(
  db: Db,
  tenantId: string,
  email: string,
): Promise<InvitationRow[]> {
  return db
    .select()
    .from(invitations)
    .where(and(eq(invitations.tenantId, tenantId), eq(invitations.email, email), open));
}

/** The invitation a link's token stands for, while it can still be accepted. */
export async function usableInvitation(
  db: Db,
  tokenHash: string,
  now: string,
): Promise<InvitationRow | undefined> {
  const rows = await db
    .select()
    .from(invitations)
    .where(and(eq(invitations.tokenHash, tokenHash), open, gt(invitations.expiresAt, now)))
    .limit(1);
  return rows[0];
}

/**
 * Takes the invitation for one acceptance, atomically: a second accept of
 * the same link (a double click, a race) finds nothing to take.
 */
export async function claimInvitation(
  db: Db,
  id: string,
  userId: string,
  at: string,
): Promise<boolean> {
  const rows = await db
    .update(invitations)
    .set({ acceptedAt: at, acceptedBy: userId })
    .where(and(eq(invitations.id, id), open, gt(invitations.expiresAt, at)))
    .returning({ id: invitations.id });
  return rows.length > 0;
}

/** Gives a claim back when what followed it failed. */
export async function unclaimInvitation(db: Db, id: string): Promise<void> {
  await db
    .update(invitations)
    .set({ acceptedAt: null, acceptedBy: null })
    .where(eq(invitations.id, id));
}
