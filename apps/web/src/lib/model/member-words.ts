// Plain words for roles and invitations: what each role may do, how long ago
// someone was invited, how long their link still works. Pure (the time is an
// argument), so the members screen and the invitation page say the same thing.
import type { Invitation, Role } from "../api";

/** The roles, least to most rights. */
export const ROLES: readonly Role[] = ["viewer", "editor", "admin", "owner"];

export interface RoleWords {
  /** "Editor" */
  name: string;
  /** "an editor" */
  one: string;
  /** "builds, publishes and tests workflows; retries and cancels runs" */
  does: string;
}

export const ROLE_WORDS: Record<Role, RoleWords> = {
  viewer: {
    name: "Viewer",
    one: "a viewer",
    does: "sees workflows, runs and the inbox, but changes nothing and sees no secrets",
  },
  editor: {
    name: "Editor",
    one: "an editor",
    does: "builds, publishes and tests workflows; retries and cancels runs",
  },
  admin: {
    name: "Admin",
    one: "an admin",
    does: "does what an editor does, and manages API keys, webhook sources, members and settings",
  },
  owner: {
    name: "Owner",
    one: "an owner",
    does: "does everything, including making and removing other owners",
  },
};

/** "An editor builds, publishes and tests workflows; …" */
export function roleSentence(role: Role): string {
  const { one, does } = ROLE_WORDS[role];
  return `${one[0]!.toUpperCase()}${one.slice(1)} ${does}.`;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const count = (n: number, unit: string) => `${n} ${unit}${n === 1 ? "" : "s"}`;

/**
 * A duration in its largest whole unit: "6 days", "1 hour", "12 minutes";
 * null under a minute. Rounded down unless told otherwise.
 * @example span(2.5 * 3_600_000) // "2 hours"
 */
export function span(ms: number, round: (n: number) => number = Math.floor): string | null {
  if (ms >= DAY) return count(round(ms / DAY), "day");
  if (ms >= HOUR) return count(round(ms / HOUR), "hour");
  if (ms >= MINUTE) return count(round(ms / MINUTE), "minute");
  return null;
}

/** "2 hours ago", or "just now". */
export function ago(iso: string, now: number): string {
  const s = span(now - Date.parse(iso));
  return s ? `${s} ago` : "just now";
}

/** Whether the invitation's link no longer works because its days ran out. */
export function isExpired(inv: Pick<Invitation, "status" | "expiresAt">, now: number): boolean {
  return inv.status === "expired" || Date.parse(inv.expiresAt) <= now;
}

/**
 * When the person was invited, and when the link was sent again if it was.
 * @example invitedWords(inv, Date.now()) // "invited 3 days ago, sent again 2 hours ago"
 */
export function invitedWords(inv: Pick<Invitation, "createdAt" | "sentAt">, now: number): string {
  const invited = `invited ${ago(inv.createdAt, now)}`;
  const resent = Date.parse(inv.sentAt) - Date.parse(inv.createdAt) >= MINUTE;
  return resent ? `${invited}, sent again ${ago(inv.sentAt, now)}` : invited;
}

/**
 * How long the link still works.
 * @example expiryWords(inv, Date.now()) // "link expires in 6 days" or "link expired"
 */
export function expiryWords(inv: Pick<Invitation, "status" | "expiresAt">, now: number): string {
  if (isExpired(inv, now)) return "link expired";
  // To the nearest unit: a link sent a moment ago "expires in 7 days", as the
  // invitation said, not in 6 days and 23 hours rounded down.
  const s = span(Date.parse(inv.expiresAt) - now, Math.round);
  return s ? `link expires in ${s}` : "link expires in less than a minute";
}

/** How many whole days a freshly sent link works (the API says 7). */
export function linkDays(inv: Pick<Invitation, "sentAt" | "expiresAt">): number {
  const days = Math.round((Date.parse(inv.expiresAt) - Date.parse(inv.sentAt)) / DAY);
  return Number.isFinite(days) && days > 0 ? days : 7;
}

/** "7 days", "1 day". */
export const days = (n: number): string => count(n, "day");
