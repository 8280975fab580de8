// Builder sessions: a random token in an HttpOnly cookie, only its SHA-256
// in D1. Opened by signing in and by accepting an invitation.

import { eq } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Context } from "hono";
import { setCookie } from "hono/cookie";
import type { Db } from "../db/client.ts";
import { sessions, users } from "../db/schema.ts";
import { randomBytes, sha256Hex, toBase64Url } from "../lib/crypto.ts";
import { SESSION_COOKIE } from "./authenticate.ts";
import type { SessionMethod } from "./principal.ts";

export const SESSION_DAYS = 7;

/** A new session's token (for the cookie), its CSRF token and the writes that store it. */
export async function newSession(
  db: Db,
  userId: string,
  tenantId: string,
  now: number,
  method: SessionMethod,
): Promise<{ token: string; csrfToken: string; items: BatchItem<"sqlite">[] }> {
  const token = toBase64Url(randomBytes(32));
  const csrfToken = toBase64Url(randomBytes(24));
  const at = new Date(now).toISOString();
  return {
    token,
    csrfToken,
    items: [
      db.insert(sessions).values({
        idHash: await sha256Hex(token),
        tenantId,
        userId,
        csrfToken,
        method,
        createdAt: at,
        expiresAt: new Date(now + SESSION_DAYS * 86_400_000).toISOString(),
      }),
      db.update(users).set({ lastTenantId: tenantId }).where(eq(users.id, userId)),
    ],
  };
}

export function setSessionCookie(c: Context, token: string): void {
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    secure: true,
    sameSite: "Lax",
    path: "/",
    maxAge: SESSION_DAYS * 86_400,
  });
}
