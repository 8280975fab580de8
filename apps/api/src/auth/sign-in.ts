// The end of every sign-in (a password, a password and a code, an
// invitation's link, single sign-on): a session in the tenant the person
// used last, the cookie, an entry in that tenant's log, and who they are.

import { eq } from "drizzle-orm";
import type { Context } from "hono";
import { tenantSettings } from "../db/schema.ts";
import type { AppEnv } from "../http.ts";
import { AuditType, commitWithAudit } from "../repositories/audit.ts";
import { auditKeyOf } from "../services/context.ts";
import { hasTwoFactor } from "../services/two-factor.ts";
import { isTwoStep, type SessionMethod } from "./principal.ts";
import { newSession, setSessionCookie } from "./sessions.ts";

export interface SignInUser {
  id: string;
  email: string;
  name: string;
  lastTenantId: string | null;
}

export interface TenantChoice {
  id: string;
  name: string;
  role: string;
}

/** What `POST /v1/auth/login` and its second step answer (the `Me` shape). */
export interface SignedIn {
  user: { id: string; email: string; name: string };
  tenant: { id: string; name: string };
  role: string;
  tenants: TenantChoice[];
  csrfToken: string;
  /** The tenant asks every member for a second factor and this person has none yet. */
  twoFactorRequired?: true;
}

/**
 * Opens a session for `user` in one of `tenants` (the last one used, else
 * the first) and sets the cookie. `tenants` is what this sign-in may enter.
 * @example return c.json(await openSession(c, user, list, SessionMethod.password, Date.now()), 200);
 */
export async function openSession(
  c: Context<AppEnv>,
  user: SignInUser,
  tenants: TenantChoice[],
  method: SessionMethod,
  now: number,
): Promise<SignedIn> {
  const tenant = tenants.find((t) => t.id === user.lastTenantId) ?? tenants[0];
  if (!tenant) throw new Error("openSession needs a tenant");
  const db = c.var.db;
  const session = await newSession(db, user.id, tenant.id, now, method);
  await commitWithAudit(
    db,
    auditKeyOf(c.env),
    tenant.id,
    new Date(now).toISOString(),
    () => session.items,
    [
      {
        type: AuditType.userSignedIn,
        actor: { type: "user", id: user.id },
        subject: user.id,
        details: { method },
      },
    ],
  );
  setSessionCookie(c, session.token);
  const [settings] = await db
    .select({ require2fa: tenantSettings.require2fa })
    .from(tenantSettings)
    .where(eq(tenantSettings.tenantId, tenant.id))
    .limit(1);
  const blocked =
    settings?.require2fa === true && !isTwoStep(method) && !(await hasTwoFactor(db, user.id));
  return {
    user: { id: user.id, email: user.email, name: user.name },
    tenant: { id: tenant.id, name: tenant.name },
    role: tenant.role,
    tenants,
    csrfToken: session.csrfToken,
    ...(blocked ? { twoFactorRequired: true as const } : {}),
  };
}
