// API-key lookups, cached per isolate for a few seconds: the hot path
// (POST /v1/events from an integrator) then reads D1 for a key once per
// KEY_CACHE_MS per isolate, not once per request. The cost is stated: a key
// revoked in another isolate keeps working there for at most KEY_CACHE_MS;
// the isolate that revokes it forgets it at once. Unknown keys are never
// cached, so a new key works immediately.
import type { Scope } from "./principal.ts";

/** How long a looked-up key is trusted without asking D1 again. */
export const KEY_CACHE_MS = 10_000;
const MAX_ENTRIES = 10_000;

export interface CachedKey {
  tenantId: string;
  keyId: string;
  scopes: Scope[];
}

const byHash = new Map<string, { key: CachedKey; until: number }>();

export function cachedKey(hash: string, now: number): CachedKey | undefined {
  const hit = byHash.get(hash);
  if (!hit) return undefined;
  if (hit.until <= now) {
    byHash.delete(hash);
    return undefined;
  }
  return hit.key;
}

export function rememberKey(hash: string, key: CachedKey, now: number): void {
  if (byHash.size >= MAX_ENTRIES) byHash.clear();
  byHash.set(hash, { key, until: now + KEY_CACHE_MS });
}

/** A revoked key is forgotten here at once (other isolates within KEY_CACHE_MS). */
export function forgetKey(keyId: string): void {
  for (const [hash, entry] of byHash) if (entry.key.keyId === keyId) byHash.delete(hash);
}

/** How often a key's `last_used_at` is written at most (per isolate, and by D1's own check). */
export const LAST_USED_EVERY_MS = 60_000;
const touchedAt = new Map<string, number>();

/**
 * True when this use of a key should be written down: at most once a
 * minute per key, so an integrator's events keep the hot path free of D1
 * writes while the builder still shows when a key was last used.
 */
export function dueForLastUsed(keyId: string, now: number): boolean {
  const last = touchedAt.get(keyId);
  if (last !== undefined && now - last < LAST_USED_EVERY_MS) return false;
  if (touchedAt.size >= MAX_ENTRIES) touchedAt.clear();
  touchedAt.set(keyId, now);
  return true;
}
