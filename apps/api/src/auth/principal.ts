/** Member roles, weakest first (API.md, "Roles and scopes"). */
export const Role = { viewer: "viewer", editor: "editor", admin: "admin", owner: "owner" } as const;
export type Role = (typeof Role)[keyof typeof Role];
export const ROLES = [Role.viewer, Role.editor, Role.admin, Role.owner] as const;

/** API key scopes. `write` carries editor's rights, `admin` admin's rights. */
export const Scope = { read: "read", write: "write", admin: "admin" } as const;
export type Scope = (typeof Scope)[keyof typeof Scope];
export const SCOPES = [Scope.read, Scope.write, Scope.admin] as const;

/** What a route needs: each level includes the ones before it. */
export type Permission = "read" | "write" | "admin" | "owner";
const LEVEL: Record<Permission, number> = { read: 1, write: 2, admin: 3, owner: 4 };
const ROLE_LEVEL: Record<Role, number> = { viewer: 1, editor: 2, admin: 3, owner: 4 };
const SCOPE_LEVEL: Record<Scope, number> = { read: 1, write: 2, admin: 3 };

/** How a session was opened; an `sso` session belongs to its tenant only. */
export const SessionMethod = {
  password: "password",
  passwordTotp: "password+totp",
  invitation: "invitation",
  /** A passkey with the device's PIN or biometrics: two factors in one. */
  passkey: "passkey",
  sso: "sso",
} as const;
export type SessionMethod = (typeof SessionMethod)[keyof typeof SessionMethod];

/**
 * Whether a sign-in of this kind already is two-step: a code after the
 * password, a passkey (possession and the device's PIN or biometrics), or
 * single sign-on (the identity provider's own checks).
 */
export function isTwoStep(method: SessionMethod): boolean {
  return (
    method === SessionMethod.passwordTotp ||
    method === SessionMethod.passkey ||
    method === SessionMethod.sso
  );
}

export type Principal =
  | {
      kind: "user";
      tenantId: string;
      userId: string;
      email: string;
      role: Role;
      sessionIdHash: string;
      csrfToken: string;
      /** How the session was opened (sessions.method): `sso` binds it to its tenant. */
      method: SessionMethod;
      /**
       * The tenant asks every member for a second factor and this person has
       * none yet: only their own account (`/v1/auth/*`) is open to them.
       */
      needsTwoFactor: boolean;
    }
  | { kind: "api_key"; tenantId: string; keyId: string; scopes: Scope[] };

export interface Actor {
  type: "user" | "api_key" | "system" | "platform";
  id: string;
}

export function actorOf(p: Principal): Actor {
  return p.kind === "user" ? { type: "user", id: p.userId } : { type: "api_key", id: p.keyId };
}

/** Whether the principal may do what needs `permission`. */
export function allows(p: Principal, permission: Permission): boolean {
  const need = LEVEL[permission];
  if (p.kind === "user") return ROLE_LEVEL[p.role] >= need;
  const have = Math.max(0, ...p.scopes.map((s) => SCOPE_LEVEL[s]));
  return have >= need;
}
