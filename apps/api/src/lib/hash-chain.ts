// The two audit chains (the change log in D1, the run log in a tenant's
// store) share one entry shape, one signed content and one check: every
// entry's seq follows the last, its prevHash is the last entry's hash, and
// its hash is the HMAC of its content. Checks are bounded: at most `limit`
// entries per call, with where to continue.
import type { Actor } from "../auth/principal.ts";
import { hmacSha256Hex } from "./crypto.ts";
import { canonicalJson } from "./json.ts";

/** An audit entry, as both chains store and show it. */
export interface AuditEntry {
  id: string;
  seq: number;
  at: string;
  actor: Actor;
  type: string;
  subject: string;
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

/** The columns both chains' rows have. */
export interface AuditRow {
  id: string;
  seq: number;
  at: string;
  actorType: string;
  actorId: string;
  type: string;
  subject: string;
  details: string;
  prevHash: string;
  hash: string;
}

export function toAuditEntry(r: AuditRow): AuditEntry {
  return {
    id: r.id,
    seq: r.seq,
    at: r.at,
    actor: { type: r.actorType as Actor["type"], id: r.actorId },
    type: r.type,
    subject: r.subject,
    details: JSON.parse(r.details) as Record<string, unknown>,
    prevHash: r.prevHash,
    hash: r.hash,
  };
}

/**
 * The HMAC an entry carries: over its canonical content (everything but
 * the hash, with the tenant) and the previous entry's hash. The run log
 * names its chain in what it signs, so an entry cannot pass for the other.
 */
export function signEntry(
  auditKey: string,
  tenantId: string,
  e: Omit<AuditEntry, "hash">,
  chain: "changes" | "runs",
): Promise<string> {
  const content = {
    ...(chain === "runs" ? { chain } : {}),
    tenantId,
    id: e.id,
    seq: e.seq,
    at: e.at,
    actor: e.actor,
    type: e.type,
    subject: e.subject,
    details: e.details,
    prevHash: e.prevHash,
  };
  return hmacSha256Hex(auditKey, canonicalJson(content));
}

export interface ChainLink {
  id: string;
  seq: number;
  prevHash: string;
  hash: string;
}

export type ChainCheck =
  | { ok: true; entries: number; next: { seq: number; hash: string } | null }
  | {
      ok: false;
      entries: number;
      brokenAt: { seq: number; id: string | null; reason: "hash_mismatch" | "broken_link" | "gap" };
    };

/** The hash a chain starts from. */
export const GENESIS = "genesis";

/**
 * Checks `entries` (in seq order, fetched as `limit + 1` after `from`, the
 * last verified seq and its hash; the chain's start when absent). `sign`
 * recomputes an entry's hash from everything but its hash.
 */
export async function checkChain<E extends ChainLink>(
  entries: E[],
  from: { seq: number; hash: string } | null,
  limit: number,
  sign: (entry: Omit<E, "hash">) => Promise<string>,
): Promise<ChainCheck> {
  let prevHash = from?.hash ?? GENESIS;
  let expectedSeq = (from?.seq ?? 0) + 1;
  let count = 0;
  for (const e of entries.slice(0, limit)) {
    if (e.seq !== expectedSeq)
      return { ok: false, entries: count, brokenAt: { seq: expectedSeq, id: null, reason: "gap" } };
    if (e.prevHash !== prevHash)
      return {
        ok: false,
        entries: count,
        brokenAt: { seq: e.seq, id: e.id, reason: "broken_link" },
      };
    const { hash, ...rest } = e;
    if ((await sign(rest)) !== hash)
      return {
        ok: false,
        entries: count,
        brokenAt: { seq: e.seq, id: e.id, reason: "hash_mismatch" },
      };
    prevHash = hash;
    expectedSeq += 1;
    count += 1;
  }
  return {
    ok: true,
    entries: count,
    next: entries.length > limit ? { seq: expectedSeq - 1, hash: prevHash } : null,
  };
}
