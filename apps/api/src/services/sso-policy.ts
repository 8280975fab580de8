// Where single sign-on limits the other ways in: a tenant whose connection
// is enabled and required is not entered by password (sign-in or switch),
// and a session opened by single sign-on stays in the tenant it signed into
// (the provider vouched for the person there, not elsewhere).
import type { Principal } from "../auth/principal.ts";
import { SessionMethod } from "../auth/principal.ts";
import type { Db } from "../db/client.ts";
import { ApiError, ErrorCode } from "../errors.ts";
import { ssoRequired, ssoRequiredTenantsOf } from "../repositories/sso.ts";

const ssoRequiredError = (message: string) => new ApiError(403, ErrorCode.ssoRequired, message);

/**
 * The tenants a password sign-in may enter: those not requiring single
 * sign-on. None left: 403 `sso_required`.
 * @example const open = await tenantsOpenToPassword(db, user.id, tenantList);
 */
export async function tenantsOpenToPassword<T extends { id: string }>(
  db: Db,
  userId: string,
  tenants: T[],
): Promise<T[]> {
  if (tenants.length === 0) return tenants;
  const required = await ssoRequiredTenantsOf(db, userId);
  const open = tenants.filter((t) => !required.has(t.id));
  if (open.length === 0) {
    throw ssoRequiredError(
      "Your workspace asks you to sign in with single sign-on: use 'Sign in with single sign-on' and your work email",
    );
  }
  return open;
}

/**
 * Whether the caller's session may move to `tenantId`: an `sso` session
 * stays where it signed in; a password session does not enter a tenant
 * that requires single sign-on. Throws 403 with words otherwise.
 */
export async function assertMaySwitch(
  db: Db,
  p: Extract<Principal, { kind: "user" }>,
  tenantId: string,
): Promise<void> {
  if (tenantId === p.tenantId) return;
  if (p.method === SessionMethod.sso) {
    throw new ApiError(
      403,
      ErrorCode.forbidden,
      "You signed in with single sign-on for this workspace only: sign out, then sign in again to use another",
    );
  }
  if (await ssoRequired(db, tenantId)) {
    throw ssoRequiredError(
      "That workspace asks you to sign in with single sign-on: sign out, then use 'Sign in with single sign-on'",
    );
  }
}
