// The middle of a two-step sign-in: the password was right, the code is
// asked next. The client holds a random token (only its SHA-256 is in D1)
// for five minutes and five tries; it opens one session at most.

import { and, eq, gt, isNull, lt, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { mfaChallenges } from "../db/schema.ts";
import { ApiError, ErrorCode } from "../errors.ts";
import { randomBytes, sha256Hex, toBase64Url } from "../lib/crypto.ts";

export const CHALLENGE_MS = 5 * 60_000;
export const CHALLENGE_TRIES = 5;

const startOver = (): ApiError =>
  new ApiError(
    401,
    ErrorCode.unauthorized,
    "This sign-in has expired or had too many wrong codes. Sign in again with your password.",
  );

/** A new challenge for `userId`: the token goes to the client. */
export async function newChallenge(
  db: Db,
  userId: string,
  now: number,
): Promise<{ challenge: string; expiresAt: string }> {
  const challenge = toBase64Url(randomBytes(32));
  const expiresAt = new Date(now + CHALLENGE_MS).toISOString();
  // Old challenges of anyone go (they are useless once expired).
  await db.batch([
    db.delete(mfaChallenges).where(lt(mfaChallenges.expiresAt, new Date(now).toISOString())),
    db.insert(mfaChallenges).values({
      tokenHash: await sha256Hex(challenge),
      userId,
      createdAt: new Date(now).toISOString(),
      expiresAt,
    }),
  ]);
  return { challenge, expiresAt };
}

/**
 * Counts one try of a challenge and answers whose it is; throws 401 when
 * it is unknown, used, expired or out of tries.
 */
export async function tryChallenge(db: Db, challenge: string, now: number): Promise<string> {
  const tokenHash = await sha256Hex(challenge);
  const rows = await db
    .update(mfaChallenges)
    .set({ attempts: sql`${mfaChallenges.attempts} + 1` })
    .where(
      and(
        eq(mfaChallenges.tokenHash, tokenHash),
        isNull(mfaChallenges.usedAt),
        gt(mfaChallenges.expiresAt, new Date(now).toISOString()),
        lt(mfaChallenges.attempts, CHALLENGE_TRIES),
      ),
    )
    .returning({ userId: mfaChallenges.userId });
  if (!rows[0]) throw startOver();
  return rows[0].userId;
}

/** Ends a challenge that opened its session; a second use is refused. */
export async function spendChallenge(db: Db, challenge: string, now: number): Promise<void> {
  const rows = await db
    .update(mfaChallenges)
    .set({ usedAt: new Date(now).toISOString() })
    .where(
      and(eq(mfaChallenges.tokenHash, await sha256Hex(challenge)), isNull(mfaChallenges.usedAt)),
    )
    .returning({ userId: mfaChallenges.userId });
  if (!rows[0]) throw startOver();
}
