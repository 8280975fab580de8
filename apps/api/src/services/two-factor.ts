// A person's second factor: an authenticator app (TOTP) and ten one-time
// recovery codes. Enrolling shows a secret (QR code) that counts only once
// a code from the app confirms it; from then on signing in with a password
// asks for a code. The secret is AES-GCM encrypted at rest, recovery codes
// are kept as SHA-256 only, and each code is accepted once (the last
// accepted time step is kept, updated conditionally, so two requests racing
// with the same code cannot both pass).

import { and, eq, isNull, lt, ne, or } from "drizzle-orm";
import type { Principal } from "../auth/principal.ts";
import {
  newRecoveryCodes,
  newTotpSecret,
  normalizeRecoveryCode,
  totpStep,
  totpUri,
} from "../auth/totp.ts";
import type { Db } from "../db/client.ts";
import { recoveryCodes, sessions, userTotp } from "../db/schema.ts";
import type { Env } from "../env.ts";
import { ApiError, ErrorCode } from "../errors.ts";
import { sha256Hex } from "../lib/crypto.ts";
import { decryptSecret, encryptSecret } from "../lib/secrets.ts";
import { AuditType, commitWithAudit } from "../repositories/audit.ts";
import { RequiredSecret, requiredSecret } from "../required-secrets.ts";
import { auditKeyOf } from "./context.ts";

type Person = Extract<Principal, { kind: "user" }>;

export interface TwoFactorStatus {
  enabled: boolean;
  enabledAt: string | null;
  recoveryCodesLeft: number;
}

/** How a code was accepted: from the app, or one of the recovery codes (now spent). */
export type FactorUsed = "totp" | "recovery";

export const wrongCode = (path = "code"): ApiError =>
  new ApiError(400, ErrorCode.validationFailed, "That code is not right (or was already used)", [
    { path, message: "wrong or used code" },
  ]);

/** @example const s = await twoFactorStatus(db, userId) */
export async function twoFactorStatus(db: Db, userId: string): Promise<TwoFactorStatus> {
  const [row] = await db.select().from(userTotp).where(eq(userTotp.userId, userId)).limit(1);
  if (!row?.confirmedAt) return { enabled: false, enabledAt: null, recoveryCodesLeft: 0 };
  const codes = await db
    .select({ usedAt: recoveryCodes.usedAt })
    .from(recoveryCodes)
    .where(eq(recoveryCodes.userId, userId));
  return {
    enabled: true,
    enabledAt: row.confirmedAt,
    recoveryCodesLeft: codes.filter((c) => c.usedAt === null).length,
  };
}

/** Whether the person signs in with a second factor. */
export async function hasTwoFactor(db: Db, userId: string): Promise<boolean> {
  const [row] = await db
    .select({ confirmedAt: userTotp.confirmedAt })
    .from(userTotp)
    .where(eq(userTotp.userId, userId))
    .limit(1);
  return row?.confirmedAt != null;
}

/**
 * Starts (or starts over) an enrolment: a new secret, not yet asked at
 * sign-in. Refused while a confirmed factor exists (turn it off first).
 */
export async function beginEnrolment(
  db: Db,
  env: Env,
  p: Person,
  now: number,
): Promise<{ secret: string; uri: string }> {
  if (await hasTwoFactor(db, p.userId)) {
    throw new ApiError(
      409,
      ErrorCode.conflict,
      "Two-step sign-in is already on. Turn it off first to move it to another app.",
    );
  }
  const secret = newTotpSecret();
  const secretEnc = await encryptSecret(requiredSecret(env, RequiredSecret.encryptionKey), secret);
  const at = new Date(now).toISOString();
  await db
    .insert(userTotp)
    .values({ userId: p.userId, secretEnc, createdAt: at, confirmedAt: null, lastStep: null })
    .onConflictDoUpdate({
      target: userTotp.userId,
      set: { secretEnc, createdAt: at, lastStep: null },
      // Never over a confirmed factor, even if one was confirmed since the check above.
      setWhere: isNull(userTotp.confirmedAt),
    });
  return { secret, uri: totpUri(secret, p.email) };
}

/**
 * Confirms an enrolment with a code from the app: two-step sign-in is on,
 * ten recovery codes are returned (shown once), and the person's other
 * sessions end (whoever else was signed in had only the password).
 */
export async function confirmEnrolment(
  db: Db,
  env: Env,
  p: Person,
  code: string,
  now: number,
): Promise<{ recoveryCodes: string[] }> {
  const [row] = await db.select().from(userTotp).where(eq(userTotp.userId, p.userId)).limit(1);
  if (!row || row.confirmedAt) {
    throw new ApiError(
      409,
      ErrorCode.conflict,
      row ? "Two-step sign-in is already on" : "Start setting up two-step sign-in first",
    );
  }
  const secret = await decryptSecret(
    requiredSecret(env, RequiredSecret.encryptionKey),
    row.secretEnc,
  );
  const step = totpStep(secret, code, now);
  if (step === null) throw wrongCode();
  const at = new Date(now).toISOString();
  const fresh = await freshRecoveryCodes(db, p.userId, at);
  await commitWithAudit(
    db,
    auditKeyOf(env),
    p.tenantId,
    at,
    () => [
      db
        .update(userTotp)
        .set({ confirmedAt: at, lastStep: step })
        .where(and(eq(userTotp.userId, p.userId), isNull(userTotp.confirmedAt))),
      ...fresh.writes,
      db
        .delete(sessions)
        .where(and(eq(sessions.userId, p.userId), ne(sessions.idHash, p.sessionIdHash))),
    ],
    [
      {
        type: AuditType.twoFactorEnabled,
        actor: { type: "user", id: p.userId },
        subject: p.userId,
      },
    ],
  );
  return { recoveryCodes: fresh.codes };
}

/** Ten new recovery codes and the writes that put their hashes in place of the old ones. */
async function freshRecoveryCodes(db: Db, userId: string, at: string) {
  const codes = newRecoveryCodes();
  const hashes = await Promise.all(codes.map((c) => sha256Hex(c)));
  return {
    codes,
    writes: [
      db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId)),
      db
        .insert(recoveryCodes)
        .values(hashes.map((codeHash) => ({ userId, codeHash, createdAt: at }))),
    ] as const,
  };
}

/**
 * Checks a second-factor code for a person who has one: an app code (each
 * time step accepted once) or an unused recovery code (spent now).
 * Returns what it was, or null.
 */
export async function useSecondFactor(
  db: Db,
  env: Env,
  userId: string,
  code: string,
  now: number,
): Promise<FactorUsed | null> {
  const [row] = await db.select().from(userTotp).where(eq(userTotp.userId, userId)).limit(1);
  if (!row?.confirmedAt) return null;
  const recovery = normalizeRecoveryCode(code);
  if (recovery) {
    const spent = await db
      .update(recoveryCodes)
      .set({ usedAt: new Date(now).toISOString() })
      .where(
        and(
          eq(recoveryCodes.userId, userId),
          eq(recoveryCodes.codeHash, await sha256Hex(recovery)),
          isNull(recoveryCodes.usedAt),
        ),
      )
      .returning({ userId: recoveryCodes.userId });
    return spent.length === 1 ? "recovery" : null;
  }
  const secret = await decryptSecret(
    requiredSecret(env, RequiredSecret.encryptionKey),
    row.secretEnc,
  );
  const step = totpStep(secret, code, now);
  if (step === null) return null;
  // Conditional: of two requests with the same code, one passes.
  const taken = await db
    .update(userTotp)
    .set({ lastStep: step })
    .where(
      and(eq(userTotp.userId, userId), or(isNull(userTotp.lastStep), lt(userTotp.lastStep, step))),
    )
    .returning({ userId: userTotp.userId });
  return taken.length === 1 ? "totp" : null;
}

/** Turns two-step sign-in off (the caller has checked the password and a code). */
export async function removeTwoFactor(db: Db, env: Env, p: Person, now: number): Promise<void> {
  await commitWithAudit(
    db,
    auditKeyOf(env),
    p.tenantId,
    new Date(now).toISOString(),
    () => [
      db.delete(userTotp).where(eq(userTotp.userId, p.userId)),
      db.delete(recoveryCodes).where(eq(recoveryCodes.userId, p.userId)),
    ],
    [
      {
        type: AuditType.twoFactorDisabled,
        actor: { type: "user", id: p.userId },
        subject: p.userId,
      },
    ],
  );
}

/** Ten new recovery codes; the old ones stop working. */
export async function replaceRecoveryCodes(
  db: Db,
  env: Env,
  p: Person,
  now: number,
): Promise<{ recoveryCodes: string[] }> {
  const at = new Date(now).toISOString();
  const fresh = await freshRecoveryCodes(db, p.userId, at);
  await commitWithAudit(db, auditKeyOf(env), p.tenantId, at, () => [...fresh.writes], [
    {
      type: AuditType.recoveryCodesReplaced,
      actor: { type: "user", id: p.userId },
      subject: p.userId,
    },
  ]);
  return { recoveryCodes: fresh.codes };
}
