// Verifying a hash chain (the change log in D1, the run log in a tenant's
// store): every entry's seq follows the last, its prevHash is the last
// entry's hash, and its hash is the HMAC of its content. Bounded: at most
// `limit` entries per call, with where to continue.

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
