// "Forgot my password": a single-use link by email, one hour, only its
// hash kept. Asking answers the same whatever the email (and at once: the
// work happens after the answer, so timing tells nothing either); at most
// a few links per person per hour. Using one sets the new password and
// ends every session of that person.
import { and, eq, gt, isNull, sql } from "drizzle-orm";
import { clearLoginFailures } from "../auth/login-limit.ts";
import type { Db } from "../db/client.ts";
import { passwordResets, sessions, users } from "../db/schema.ts";
import type { Env } from "../env.ts";
import { ApiError, ErrorCode } from "../errors.ts";
import { hashPassword, newId, randomBytes, sha256Hex, toBase64Url } from "../lib/crypto.ts";
import { nowIso } from "../lib/time.ts";
import { AuditType, commitWithAudit } from "../repositories/audit.ts";
import { findUserByEmail, tenantsOfUser } from "../repositories/users.ts";
import { auditKeyOf } from "./context.ts";
import { sendPlatformEmail } from "./platform-email.ts";

export const RESET_MINUTES = 60;
/** Links a person may ask for per hour; more asks answer the same and send nothing. */
export const RESETS_PER_HOUR = 3;

export const RESET_ANSWER =
  "If an account exists for that email, a link to choose a new password is on its way.";

/** The work behind POST /v1/auth/password-reset, run after the answer went out. */
export async function sendResetLink(env: Env, db: Db, email: string): Promise<void> {
  const user = await findUserByEmail(db, email);
  if (!user) return;
  const now = Date.now();
  const hourAgo = new Date(now - 3_600_000).toISOString();
  const recent = await db
    .select({ n: sql<number>`count(*)` })
    .from(passwordResets)
    .where(and(eq(passwordResets.userId, user.id), gt(passwordResets.createdAt, hourAgo)));
  if ((recent[0]?.n ?? 0) >= RESETS_PER_HOUR) return;
  const token = toBase64Url(randomBytes(32));
  const id = newId("pwr");
  const at = new Date(now).toISOString();
  await db.insert(passwordResets).values({
    id,
    userId: user.id,
    tokenHash: await sha256Hex(token),
    createdAt: at,
    expiresAt: new Date(now + RESET_MINUTES * 60_000).toISOString(),
  });
  const base = (env.SWITCHYARD_PUBLIC_URL ?? "http://localhost:8787").replace(/\/+$/, "");
  await sendPlatformEmail(
    env,
    db,
    {
      to: user.email,
      subject: "Choose a new Switchyard password",
      body: [
        "Someone (we hope you) asked to choose a new password for your Switchyard account.",
        "",
        `Choose a new password: ${base}/reset#token=${token}`,
        "",
        `The link works once, for ${RESET_MINUTES} minutes. If you did not ask, ignore this email: your password stays as it is.`,
      ].join("\n"),
    },
    `password-reset:${id}`,
  );
}

/** Sets the new password from a link; every session of the person ends. */
export async function confirmReset(
  env: Env,
  db: Db,
  token: string,
  password: string,
): Promise<void> {
  const at = nowIso();
  const hash = await sha256Hex(token);
  // Taken in one statement: a link used twice at once works once.
  const taken = await db
    .update(passwordResets)
    .set({ usedAt: at })
    .where(
      and(
        eq(passwordResets.tokenHash, hash),
        isNull(passwordResets.usedAt),
        gt(passwordResets.expiresAt, at),
      ),
    )
    .returning({ userId: passwordResets.userId });
  const userId = taken[0]?.userId;
  if (!userId) {
    throw new ApiError(
      404,
      ErrorCode.notFound,
      "This link has expired or was already used; ask for a new one",
    );
  }
  const passwordHash = await hashPassword(password);
  const [user] = await db.select().from(users).where(eq(users.id, userId)).limit(1);
  if (!user)
    throw new ApiError(404, ErrorCode.notFound, "This link has expired or was already used");
  await db.batch([
    db.update(users).set({ passwordHash }).where(eq(users.id, userId)),
    db.delete(sessions).where(eq(sessions.userId, userId)),
    // Every other open link of this person ends too.
    db
      .update(passwordResets)
      .set({ usedAt: at })
      .where(and(eq(passwordResets.userId, userId), isNull(passwordResets.usedAt))),
  ]);
  await clearLoginFailures(db, user.email);
  // Each tenant the person belongs to has it in its log of changes.
  for (const t of await tenantsOfUser(db, userId)) {
    await commitWithAudit(db, auditKeyOf(env), t.id, at, () => [], [
      {
        type: AuditType.passwordReset,
        actor: { type: "user", id: userId },
        subject: userId,
      },
    ]);
  }
}
