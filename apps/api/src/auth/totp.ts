// Authenticator-app codes (TOTP, RFC 6238: SHA-1, 6 digits, 30 seconds —
// what every authenticator app reads from a QR code) and one-time recovery
// codes. The time is always passed in.

import { Secret, TOTP } from "otpauth";
import { randomBytes } from "../lib/crypto.ts";

export const TOTP_PERIOD_S = 30;
const DIGITS = 6;
const ISSUER = "Switchyard";
/** Codes of the step before and after are accepted too (clock drift). */
const WINDOW = 1;
export const RECOVERY_CODE_COUNT = 10;

function totpOf(secretBase32: string, label = ""): TOTP {
  return new TOTP({
    issuer: ISSUER,
    label,
    algorithm: "SHA1",
    digits: DIGITS,
    period: TOTP_PERIOD_S,
    secret: Secret.fromBase32(secretBase32),
  });
}

/** A new shared secret, base32 (160 bits, RFC 4226's recommendation). */
export function newTotpSecret(): string {
  return new Secret({ buffer: randomBytes(20).buffer as ArrayBuffer }).base32;
}

/**
 * The `otpauth://` URI an authenticator app scans.
 * @example totpUri("JBSWY3DPEHPK3PXP", "ada@example.com")
 */
export function totpUri(secretBase32: string, email: string): string {
  return totpOf(secretBase32, email).toString();
}

/**
 * The time step a code belongs to, or null when it is no code of this
 * secret near `nowMs`. Callers refuse a step at or before the last one
 * accepted, so a code works once.
 */
export function totpStep(secretBase32: string, code: string, nowMs: number): number | null {
  const token = code.replace(/\s+/g, "");
  if (!/^\d{6}$/.test(token)) return null;
  const delta = totpOf(secretBase32).validate({ token, timestamp: nowMs, window: WINDOW });
  return delta === null ? null : Math.floor(nowMs / 1000 / TOTP_PERIOD_S) + delta;
}

/** The code an authenticator shows at `nowMs` (tests and the seed use it). */
export function totpCode(secretBase32: string, nowMs: number): string {
  return totpOf(secretBase32).generate({ timestamp: nowMs });
}

// Crockford-like: no 0/o, 1/l/i, so a code read aloud or copied by hand survives.
const ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789";

/** Ten new recovery codes, `xxxxx-xxxxx` (about 49.5 bits each). */
export function newRecoveryCodes(): string[] {
  const limit = 256 - (256 % ALPHABET.length); // rejection sampling: no modulo bias
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    let chars = "";
    while (chars.length < 10) {
      for (const b of randomBytes(16)) {
        if (b < limit && chars.length < 10) chars += ALPHABET[b % ALPHABET.length];
      }
    }
    return `${chars.slice(0, 5)}-${chars.slice(5)}`;
  });
}

/** A recovery code as typed (any case, spaces, with or without the dash) in stored form. */
export function normalizeRecoveryCode(typed: string): string | null {
  const chars = typed.toLowerCase().replace(/[\s-]+/g, "");
  if (chars.length !== 10 || [...chars].some((c) => !ALPHABET.includes(c))) return null;
  return `${chars.slice(0, 5)}-${chars.slice(5)}`;
}
