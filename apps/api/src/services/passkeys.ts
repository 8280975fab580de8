// Passkeys (WebAuthn, via @simplewebauthn/server): a person adds one while
// signed in, then signs in with it alone — no email, no password. The
// browser's passkey is checked against its public key, for this site only
// (the relying party is the public URL's host), with the device's PIN or
// biometrics (user verification required), so a passkey also counts as
// two-step sign-in. Each ceremony's challenge is used once.

import {
  type AuthenticationResponseJSON,
  type AuthenticatorTransportFuture,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from "@simplewebauthn/server";
import { and, eq, gt, isNull, lt } from "drizzle-orm";
import type { Principal } from "../auth/principal.ts";
import type { Db } from "../db/client.ts";
import { passkeys, webauthnChallenges } from "../db/schema.ts";
import type { Env } from "../env.ts";
import { ApiError, ErrorCode, notFound } from "../errors.ts";
import { fromBase64Url, randomBytes, sha256Hex, toBase64Url } from "../lib/crypto.ts";
import { AuditType, commitWithAudit } from "../repositories/audit.ts";
import { auditKeyOf } from "./context.ts";

type Person = Extract<Principal, { kind: "user" }>;

const CEREMONY_MS = 5 * 60_000;
/** Enough for every device a person uses; a list, not a hoard. */
export const MAX_PASSKEYS = 20;

/** Where passkeys belong: the builder's origin and host (the relying party). */
export interface RelyingParty {
  origin: string;
  id: string;
}

/** The public URL (SWITCHYARD_PUBLIC_URL) when set, else the origin the request came to. */
export function relyingParty(env: Env, requestUrl: string): RelyingParty {
  const url = new URL(env.SWITCHYARD_PUBLIC_URL || requestUrl);
  return { origin: url.origin, id: url.hostname };
}

export interface PasskeyView {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  /** Synced between devices (iCloud Keychain, Google Password Manager) or bound to one. */
  synced: boolean;
}

const refused = (message: string) => new ApiError(400, ErrorCode.validationFailed, message);

async function newCeremony(db: Db, userId: string | null, challenge: string, now: number) {
  const ticket = toBase64Url(randomBytes(32));
  await db.batch([
    db
      .delete(webauthnChallenges)
      .where(lt(webauthnChallenges.expiresAt, new Date(now).toISOString())),
    db.insert(webauthnChallenges).values({
      ticketHash: await sha256Hex(ticket),
      userId,
      challenge,
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + CEREMONY_MS).toISOString(),
    }),
  ]);
  return ticket;
}

/** Takes a ceremony once: its challenge, or a 400 when it is unknown, used or expired. */
async function takeCeremony(db: Db, ticket: string, userId: string | null, now: number) {
  const rows = await db
    .update(webauthnChallenges)
    .set({ usedAt: new Date(now).toISOString() })
    .where(
      and(
        eq(webauthnChallenges.ticketHash, await sha256Hex(ticket)),
        isNull(webauthnChallenges.usedAt),
        gt(webauthnChallenges.expiresAt, new Date(now).toISOString()),
      ),
    )
    .returning({ challenge: webauthnChallenges.challenge, userId: webauthnChallenges.userId });
  const row = rows[0];
  if (!row || row.userId !== userId) {
    throw refused("This passkey request has expired or was used. Try again.");
  }
  return row.challenge;
}

/** @example const list = await listPasskeys(db, userId) */
export async function listPasskeys(db: Db, userId: string): Promise<PasskeyView[]> {
  const rows = await db.select().from(passkeys).where(eq(passkeys.userId, userId));
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    createdAt: r.createdAt,
    lastUsedAt: r.lastUsedAt,
    synced: r.deviceType === "multiDevice",
  }));
}

/** The options for the browser's `navigator.credentials.create`, and the ticket to finish with. */
export async function startAddingPasskey(
  db: Db,
  rp: RelyingParty,
  p: Person,
  now: number,
): Promise<{ options: PublicKeyCredentialCreationOptionsJSON; ticket: string }> {
  const existing = await db.select().from(passkeys).where(eq(passkeys.userId, p.userId));
  if (existing.length >= MAX_PASSKEYS) {
    throw new ApiError(
      409,
      ErrorCode.conflict,
      `You have ${MAX_PASSKEYS} passkeys: remove one first`,
    );
  }
  const options = await generateRegistrationOptions({
    rpName: "Switchyard",
    rpID: rp.id,
    userName: p.email,
    userID: new Uint8Array(new TextEncoder().encode(p.userId)),
    attestationType: "none",
    // The device does not offer a second passkey for the same account.
    excludeCredentials: existing.map((k) => ({
      id: k.id,
      transports: parseTransports(k.transports),
    })),
    // Discoverable: signing in needs no email first.
    authenticatorSelection: { residentKey: "required", userVerification: "required" },
  });
  return { options, ticket: await newCeremony(db, p.userId, options.challenge, now) };
}

/** Checks the browser's new passkey and keeps its public key. */
export async function finishAddingPasskey(
  db: Db,
  env: Env,
  rp: RelyingParty,
  p: Person,
  input: { ticket: string; name: string; response: RegistrationResponseJSON },
  now: number,
): Promise<PasskeyView> {
  const challenge = await takeCeremony(db, input.ticket, p.userId, now);
  let verified: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
  try {
    verified = await verifyRegistrationResponse({
      response: input.response,
      expectedChallenge: challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: true,
    });
  } catch (err) {
    throw refused(`The passkey was not accepted: ${(err as Error).message}`);
  }
  if (!verified.verified) throw refused("The passkey was not accepted");
  const info = verified.registrationInfo;
  const at = new Date(now).toISOString();
  const row = {
    id: info.credential.id,
    userId: p.userId,
    name: input.name,
    publicKey: toBase64Url(info.credential.publicKey),
    counter: info.credential.counter,
    transports: info.credential.transports ? JSON.stringify(info.credential.transports) : null,
    deviceType: info.credentialDeviceType,
    backedUp: info.credentialBackedUp,
    createdAt: at,
  };
  const [taken] = await db
    .select({ id: passkeys.id })
    .from(passkeys)
    .where(eq(passkeys.id, row.id));
  if (taken) throw new ApiError(409, ErrorCode.conflict, "That passkey is already added");
  await commitWithAudit(
    db,
    auditKeyOf(env),
    p.tenantId,
    at,
    () => [db.insert(passkeys).values(row)],
    [
      {
        type: AuditType.passkeyAdded,
        actor: { type: "user", id: p.userId },
        subject: p.userId,
        details: { passkey: row.id.slice(0, 16), name: row.name },
      },
    ],
  );
  return {
    id: row.id,
    name: row.name,
    createdAt: at,
    lastUsedAt: null,
    synced: row.deviceType === "multiDevice",
  };
}

/** Removes one of the caller's passkeys (another person's reads like a missing one). */
export async function removePasskey(
  db: Db,
  env: Env,
  p: Person,
  id: string,
  now: number,
): Promise<void> {
  const [row] = await db
    .select({ name: passkeys.name })
    .from(passkeys)
    .where(and(eq(passkeys.id, id), eq(passkeys.userId, p.userId)));
  if (!row) throw notFound("Passkey");
  await commitWithAudit(
    db,
    auditKeyOf(env),
    p.tenantId,
    new Date(now).toISOString(),
    () => [db.delete(passkeys).where(and(eq(passkeys.id, id), eq(passkeys.userId, p.userId)))],
    [
      {
        type: AuditType.passkeyRemoved,
        actor: { type: "user", id: p.userId },
        subject: p.userId,
        details: { passkey: id.slice(0, 16), name: row.name },
      },
    ],
  );
}

/** Options for `navigator.credentials.get` with any passkey of this site, and the ticket. */
export async function startPasskeySignIn(
  db: Db,
  rp: RelyingParty,
  now: number,
): Promise<{ options: PublicKeyCredentialRequestOptionsJSON; ticket: string }> {
  const options = await generateAuthenticationOptions({
    rpID: rp.id,
    userVerification: "required",
  });
  return { options, ticket: await newCeremony(db, null, options.challenge, now) };
}

/**
 * Checks a passkey's signature over the challenge: whose it is, or a 401.
 * The counter moves on (a cloned authenticator shows as a counter that
 * goes back, refused by the library).
 */
export async function finishPasskeySignIn(
  db: Db,
  rp: RelyingParty,
  input: { ticket: string; response: AuthenticationResponseJSON },
  now: number,
): Promise<{ userId: string }> {
  const challenge = await takeCeremony(db, input.ticket, null, now);
  const [key] = await db.select().from(passkeys).where(eq(passkeys.id, input.response.id));
  const unknown = new ApiError(401, ErrorCode.unauthorized, "That passkey is not known here");
  if (!key) throw unknown;
  let verified: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
  try {
    verified = await verifyAuthenticationResponse({
      response: input.response,
      expectedChallenge: challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      credential: {
        id: key.id,
        publicKey: new Uint8Array(fromBase64Url(key.publicKey)),
        counter: key.counter,
        transports: parseTransports(key.transports),
      },
      requireUserVerification: true,
    });
  } catch {
    throw unknown;
  }
  if (!verified.verified) throw unknown;
  await db
    .update(passkeys)
    .set({
      counter: verified.authenticationInfo.newCounter,
      lastUsedAt: new Date(now).toISOString(),
    })
    .where(eq(passkeys.id, key.id));
  return { userId: key.userId };
}

function parseTransports(json: string | null): AuthenticatorTransportFuture[] | undefined {
  return json ? (JSON.parse(json) as AuthenticatorTransportFuture[]) : undefined;
}
