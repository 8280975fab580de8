// Invitations: the only way a person joins a tenant after its first admin.
// An admin names an email and a role; the person gets a single-use link
// (7 days) by the tenant's email provider (its outbox until one is set up)
// and chooses their own password when accepting — or, with an account
// already, signs in and accepts. No admin ever sets or sees another
// person's password, and inviting answers the same whether or not the
// email has an account.
import { and, eq, isNull } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import {
  type Actor,
  actorOf,
  type Principal,
  type Role,
  SessionMethod,
} from "../auth/principal.ts";
import { newSession } from "../auth/sessions.ts";
import type { Db } from "../db/client.ts";
import { invitations, memberships, sessions, users } from "../db/schema.ts";
import type { Env } from "../env.ts";
import { ApiError, ErrorCode, notFound } from "../errors.ts";
import { sendSystemEmail } from "../executors/system-email.ts";
import { hashPassword, newId, randomBytes, sha256Hex, toBase64Url } from "../lib/crypto.ts";
import { nowIso } from "../lib/time.ts";
import { AuditType, commitWithAudit } from "../repositories/audit.ts";
import {
  claimInvitation,
  getOpenInvitation,
  type InvitationRow,
  openInvitationsFor,
  unclaimInvitation,
  usableInvitation,
} from "../repositories/invitations.ts";
import { ssoRequired } from "../repositories/sso.ts";
import { findUserByEmail, getMember, normalizeEmail } from "../repositories/users.ts";
import { auditKeyOf } from "./context.ts";
import { getTenant } from "./tenants.ts";

/** How long an invitation's link works. */
export const INVITATION_DAYS = 7;

export interface InvitationView {
  id: string;
  email: string;
  role: Role;
  name: string | null;
  status: "pending" | "expired";
  invitedBy: Actor;
  createdAt: string;
  sentAt: string;
  expiresAt: string;
  /** Why the last email did not go out, or null when it did. */
  sendError: string | null;
}

export function toInvitationView(row: InvitationRow, now = nowIso()): InvitationView {
  return {
    id: row.id,
    email: row.email,
    role: row.role,
    name: row.name,
    status: row.expiresAt > now ? "pending" : "expired",
    invitedBy: { type: row.invitedByType, id: row.invitedById } as Actor,
    createdAt: row.createdAt,
    sentAt: row.sentAt,
    expiresAt: row.expiresAt,
    sendError: row.sendError,
  };
}

const invitationKey = (row: InvitationRow) =>
  `invitation:${row.role}:${row.id}:${row.tokenHash.slice(0, 16)}`;

/** The invited role of an invitation's email (by its idempotency key), or null for any other message. */
export function invitationRoleOf(idempotencyKey: string): Role | null {
  const m = /^invitation:(owner|admin|editor|viewer):/.exec(idempotencyKey);
  return m ? (m[1] as Role) : null;
}

const ROLE_WORDS: Record<Role, string> = {
  viewer: "a viewer (sees everything, changes nothing)",
  editor: "an editor (builds and runs workflows)",
  admin: "an admin (also manages people, keys and settings)",
  owner: "an owner",
};

const expiry = (at: string) =>
  new Date(Date.parse(at) + INVITATION_DAYS * 86_400_000).toISOString();

/** A fresh token: the link carries it, D1 keeps its hash. */
async function newToken(): Promise<{ token: string; hash: string }> {
  const token = toBase64Url(randomBytes(32));
  return { token, hash: await sha256Hex(token) };
}

/** Sends (or sends again) the invitation's email and records whether it went. */
async function deliver(
  env: Env,
  db: Db,
  row: InvitationRow,
  token: string,
): Promise<InvitationRow> {
  const tenant = await getTenant(db, row.tenantId);
  const base = (env.SWITCHYARD_PUBLIC_URL ?? "http://localhost:8787").replace(/\/+$/, "");
  const link = `${base}/invite#token=${token}`;
  // The invitation stands either way: a send that fails is recorded for
  // the admin to see and send again, never a 500 after the invitation exists.
  const outcome = await sendSystemEmail(
    env,
    db,
    row.tenantId,
    {
      to: row.email,
      subject: `You are invited to ${tenant?.name ?? "a workspace"} on Switchyard`,
      body: [
        `You have been invited to join ${tenant?.name ?? "a workspace"} on Switchyard as ${ROLE_WORDS[row.role]}.`,
        "",
        `Accept the invitation: ${link}`,
        "",
        `The link works once, until ${row.expiresAt.slice(0, 16).replace("T", " ")} UTC. If you did not expect it, ignore this email.`,
      ].join("\n"),
    },
    // One email per token: a retried request does not send twice. The role
    // is in the key so the outbox knows who may read the link.
    invitationKey(row),
  ).catch((err: unknown) => ({
    status: "failed" as const,
    error: { message: err instanceof Error ? err.message : String(err) },
  }));
  const sendError =
    outcome.status === "succeeded"
      ? null
      : outcome.status === "deferred"
        ? outcome.reason
        : outcome.error.message;
  await db.update(invitations).set({ sendError }).where(eq(invitations.id, row.id));
  return { ...row, sendError };
}

/** POST /v1/members: invites `email` to the caller's tenant as `role`. */
export async function invite(
  env: Env,
  db: Db,
  p: Principal,
  body: { email: string; role: Role; name?: string | undefined },
): Promise<InvitationView> {
  const email = normalizeEmail(body.email);
  const existing = await findUserByEmail(db, email);
  if (existing && (await getMember(db, p.tenantId, existing.id))) {
    throw new ApiError(409, ErrorCode.conflict, "This person is already a member", [
      { path: "email", message: "already a member" },
    ]);
  }
  const at = nowIso();
  const { token, hash } = await newToken();
  const actor = actorOf(p);
  const row: InvitationRow = {
    id: newId("inv"),
    tenantId: p.tenantId,
    email,
    role: body.role,
    name: body.name ?? null,
    tokenHash: hash,
    invitedByType: actor.type,
    invitedById: actor.id,
    createdAt: at,
    sentAt: at,
    sendError: null,
    expiresAt: expiry(at),
    acceptedAt: null,
    acceptedBy: null,
    revokedAt: null,
  };
  // One open invitation per email: inviting again replaces the last one.
  const previous = await openInvitationsFor(db, p.tenantId, email);
  await commitWithAudit(
    db,
    auditKeyOf(env),
    p.tenantId,
    at,
    () => [
      ...previous.map((old) =>
        db.update(invitations).set({ revokedAt: at }).where(eq(invitations.id, old.id)),
      ),
      db.insert(invitations).values(row),
    ],
    [
      {
        type: AuditType.invitationCreated,
        actor,
        subject: row.id,
        details: { email, role: body.role, replaces: previous.map((o) => o.id) },
      },
    ],
  );
  return toInvitationView(await deliver(env, db, row, token));
}

/** A new link (the old one stops working) and a fresh INVITATION_DAYS. */
export async function resend(env: Env, db: Db, p: Principal, id: string): Promise<InvitationView> {
  const row = await getOpenInvitation(db, p.tenantId, id);
  if (!row) throw notFound("Invitation");
  const at = nowIso();
  const { token, hash } = await newToken();
  const next = { ...row, tokenHash: hash, sentAt: at, expiresAt: expiry(at) };
  await commitWithAudit(
    db,
    auditKeyOf(env),
    p.tenantId,
    at,
    () => [
      db
        .update(invitations)
        .set({ tokenHash: hash, sentAt: at, expiresAt: next.expiresAt })
        .where(eq(invitations.id, id)),
    ],
    [
      {
        type: AuditType.invitationResent,
        actor: actorOf(p),
        subject: id,
        details: { email: row.email },
      },
    ],
  );
  return toInvitationView(await deliver(env, db, next, token));
}

export async function revoke(env: Env, db: Db, p: Principal, id: string): Promise<void> {
  const row = await getOpenInvitation(db, p.tenantId, id);
  if (!row) throw notFound("Invitation");
  const at = nowIso();
  await commitWithAudit(
    db,
    auditKeyOf(env),
    p.tenantId,
    at,
    () => [
      db
        .update(invitations)
        .set({ revokedAt: at })
        .where(and(eq(invitations.id, id), isNull(invitations.acceptedAt))),
    ],
    [
      {
        type: AuditType.invitationRevoked,
        actor: actorOf(p),
        subject: id,
        details: { email: row.email },
      },
    ],
  );
}

const linkGone = () =>
  new ApiError(
    404,
    ErrorCode.notFound,
    "This invitation link has expired or was already used; ask for a new one",
  );

/** What a link offers, for the person holding it (no sign-in needed). */
export async function inspect(db: Db, token: string) {
  const row = await usableInvitation(db, await sha256Hex(token), nowIso());
  if (!row) throw linkGone();
  const tenant = await getTenant(db, row.tenantId);
  if (!tenant) throw linkGone();
  return {
    email: row.email,
    role: row.role,
    tenant: { name: tenant.name },
    expiresAt: row.expiresAt,
    account: (await findUserByEmail(db, row.email)) ? ("existing" as const) : ("new" as const),
  };
}

export interface Accepted {
  tenant: { id: string; name: string };
  role: Role;
  /** A new person's first session (the route sets its cookie). */
  session?: { token: string };
}

/**
 * Accepts a link. A new person gives a password and is signed in; a person
 * with an account must already be signed in as that email (the link alone
 * never opens an existing account).
 */
export async function accept(
  env: Env,
  db: Db,
  caller: Principal | undefined,
  body: { token: string; password?: string | undefined; name?: string | undefined },
): Promise<Accepted> {
  const at = nowIso();
  const row = await usableInvitation(db, await sha256Hex(body.token), at);
  if (!row) throw linkGone();
  const tenant = await getTenant(db, row.tenantId);
  if (!tenant) throw linkGone();
  const existing = await findUserByEmail(db, row.email);
  if (existing) {
    if (caller?.kind !== "user" || caller.userId !== existing.id) {
      throw new ApiError(
        401,
        ErrorCode.signInRequired,
        `You already have an account: sign in as ${row.email}, then accept the invitation`,
      );
    }
  } else if (!body.password) {
    throw new ApiError(422, ErrorCode.validationFailed, "Choose a password to join", [
      { path: "password", message: "required to create your account" },
    ]);
  }
  const userId = existing?.id ?? newId("us");
  // A tenant that requires single sign-on is entered by it only: joining
  // by invitation opens no session there and moves none there.
  const ssoOnly = await ssoRequired(db, row.tenantId);
  if (!(await claimInvitation(db, row.id, userId, at))) throw linkGone();
  try {
    const items: BatchItem<"sqlite">[] = [];
    let session: Awaited<ReturnType<typeof newSession>> | undefined;
    if (!existing) {
      items.push(
        db.insert(users).values({
          id: userId,
          email: row.email,
          name: body.name ?? row.name ?? row.email.split("@")[0]!,
          passwordHash: await hashPassword(body.password!),
          lastTenantId: row.tenantId,
          createdAt: at,
        }),
      );
      if (!ssoOnly) {
        session = await newSession(
          db,
          userId,
          row.tenantId,
          Date.parse(at),
          SessionMethod.invitation,
        );
      }
    } else if (caller?.kind === "user" && caller.method !== SessionMethod.sso && !ssoOnly) {
      // Signed in already: the session moves to the tenant just joined
      // (not a single sign-on session: it belongs to the tenant it signed into).
      items.push(
        db
          .update(sessions)
          .set({ tenantId: row.tenantId })
          .where(eq(sessions.idHash, caller.sessionIdHash)),
        db.update(users).set({ lastTenantId: row.tenantId }).where(eq(users.id, userId)),
      );
    }
    const joined = {
      tenantId: row.tenantId,
      userId,
      role: row.role,
      createdAt: at,
    };
    await commitWithAudit(
      db,
      auditKeyOf(env),
      row.tenantId,
      at,
      () => [
        ...items,
        db.insert(memberships).values(joined).onConflictDoNothing(),
        ...(session?.items ?? []),
      ],
      [
        ...(existing
          ? []
          : [
              {
                type: AuditType.userCreated,
                actor: { type: "user", id: userId } as Actor,
                subject: userId,
                details: { email: row.email, invitation: row.id },
              },
            ]),
        {
          type: AuditType.invitationAccepted,
          actor: { type: "user", id: userId } as Actor,
          subject: row.id,
          details: { email: row.email, role: row.role },
        },
      ],
    );
    return {
      tenant: { id: tenant.tenantId, name: tenant.name },
      role: row.role,
      ...(session ? { session: { token: session.token } } : {}),
    };
  } catch (err) {
    // Nothing joined: the link works again.
    await unclaimInvitation(db, row.id);
    const text = `${String(err)} ${String((err as { cause?: unknown })?.cause ?? "")}`;
    if (text.includes("UNIQUE") && text.includes("users.email")) {
      // An account for this email was made at the same moment (another link).
      throw new ApiError(
        409,
        ErrorCode.conflict,
        `An account for ${row.email} was just created: sign in as it, then accept`,
      );
    }
    throw err;
  }
}
