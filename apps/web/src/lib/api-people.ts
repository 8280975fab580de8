// The shapes of people and their own things: members, invitations, sessions, password resets
// (apps/api routes/invitations.ts, auth.ts, password-reset.ts).
import type { Role } from "./api";

/** One of the signed-in person's sessions (a browser where they are signed in). */
export interface SessionInfo {
  id: string;
  tenant: { id: string; name: string };
  createdAt: string;
  expiresAt: string;
  current: boolean;
}

export interface Member {
  id: string;
  email: string;
  name?: string;
  role: Role;
  createdAt?: string;
}

/** Someone asked to join who has not answered yet (POST /v1/members sends it). */
export interface Invitation {
  id: string;
  email: string;
  role: Role;
  name: string | null;
  /** Accepted and withdrawn invitations are not listed at all. */
  status: "pending" | "expired";
  invitedBy: { type: string; id: string };
  createdAt: string;
  /** Seven days after the link was last sent. */
  expiresAt: string;
  sentAt: string;
  /** Why the last email did not go out (the tenant's email provider refused it), if it did not. */
  sendError?: string | null;
}

/** What an invitation link offers, shown before anyone signs in. */
export interface InvitationPreview {
  email: string;
  role: Role;
  tenant: { name: string };
  expiresAt: string;
  /** "existing": the email already has an account, whose password it keeps. */
  account: "new" | "existing";
}

export interface InvitationAnswer {
  token: string;
  /** Only for a new account: 10 to 200 characters. */
  password?: string;
  name?: string;
}

/** The answer to asking for a new-password link: the same whether or not the email has an account. */
export interface PasswordResetRequested {
  message: string;
}

/** Where an accepted invitation leaves the person (signed in, in that tenant). */
export interface Joined {
  tenant: { id: string; name: string };
  role: Role;
}
