import { eq, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { loginAttempts } from "../db/schema.ts";
import { ApiError, ErrorCode } from "../errors.ts";
import { sha256Hex } from "../lib/crypto.ts";

/**
 * Sign-in brute-force brake: after MAX_FAILURES failed attempts for one email
 * (or from one address) within the window, further attempts answer 429 with
 * Retry-After until the window ends. Keys are hashed, so the table holds no
 * emails or addresses.
 */
export const MAX_FAILURES = 10;
export const WINDOW_MS = 15 * 60_000;

async function keysFor(email: string, ip: string): Promise<string[]> {
  return [await sha256Hex(`email:${email.trim().toLowerCase()}`), await sha256Hex(`ip:${ip}`)];
}

export async function checkLoginAllowed(
  db: Db,
  email: string,
  ip: string,
  now: number,
): Promise<void> {
  for (const key of await keysFor(email, ip)) {
    const row = (
      await db.select().from(loginAttempts).where(eq(loginAttempts.key, key)).limit(1)
    )[0];
    if (!row || now - row.windowStart >= WINDOW_MS) continue;
    // The address limit is wider: many people may share one.
    const limit = key === (await sha256Hex(`ip:${ip}`)) ? MAX_FAILURES * 5 : MAX_FAILURES;
    if (row.failures >= limit) {
      const retryAfter = Math.ceil((row.windowStart + WINDOW_MS - now) / 1000);
      throw new ApiError(
        429,
        ErrorCode.rateLimited,
        "Too many failed sign-in attempts; try again later",
        undefined,
        { "Retry-After": String(retryAfter) },
      );
    }
  }
}

export async function recordLoginFailure(
  db: Db,
  email: string,
  ip: string,
  now: number,
): Promise<void> {
  for (const key of await keysFor(email, ip)) {
    await db
      .insert(loginAttempts)
      .values({ key, windowStart: now, failures: 1 })
      .onConflictDoUpdate({
        target: loginAttempts.key,
        set: {
          failures: sql`CASE WHEN ${now} - ${loginAttempts.windowStart} >= ${WINDOW_MS} THEN 1 ELSE ${loginAttempts.failures} + 1 END`,
          windowStart: sql`CASE WHEN ${now} - ${loginAttempts.windowStart} >= ${WINDOW_MS} THEN ${now} ELSE ${loginAttempts.windowStart} END`,
        },
      });
  }
}

export async function clearLoginFailures(db: Db, email: string): Promise<void> {
  const [emailKey] = await keysFor(email, "");
  await db.delete(loginAttempts).where(eq(loginAttempts.key, emailKey!));
}
