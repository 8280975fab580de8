import { and, desc, eq, isNull } from "drizzle-orm";
import { API_KEY_PREFIX } from "../auth/authenticate.ts";
import type { Scope } from "../auth/principal.ts";
import type { Db } from "../db/client.ts";
import { apiKeys } from "../db/schema.ts";
import { randomBytes, sha256Hex, toBase64Url } from "../lib/crypto.ts";

export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  scopes: Scope[];
  createdAt: string;
  createdBy: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

/** A new secret key: `sy_` + 32 random bytes; only its hash is stored. */
export async function generateApiKey(): Promise<{ key: string; prefix: string; hash: string }> {
  const key = `${API_KEY_PREFIX}${toBase64Url(randomBytes(32)).replaceAll("-", "x").replaceAll("_", "y")}`;
  return { key, prefix: visiblePrefix(key), hash: await sha256Hex(key) };
}

/** What lists show of a key: enough to recognise it, too little to use it. */
export const visiblePrefix = (key: string): string => key.slice(0, API_KEY_PREFIX.length + 6);

export function toView(r: typeof apiKeys.$inferSelect): ApiKeyView {
  return {
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    scopes: JSON.parse(r.scopes) as Scope[],
    createdAt: r.createdAt,
    createdBy: r.createdBy,
    revokedAt: r.revokedAt,
    lastUsedAt: r.lastUsedAt,
  };
}

export async function listApiKeys(db: Db, tenantId: string): Promise<ApiKeyView[]> {
  const rows = await db
    .select()
    .from(apiKeys)
    .where(eq(apiKeys.tenantId, tenantId))
    .orderBy(desc(apiKeys.createdAt));
  return rows.map(toView);
}

export async function getActiveApiKey(db: Db, tenantId: string, id: string) {
  const rows = await db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.tenantId, tenantId), eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
    .limit(1);
  return rows[0];
}
