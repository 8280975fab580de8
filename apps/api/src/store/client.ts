import type { Env } from "../env.ts";

/**
 * The name of a tenant's store. A tenant is served by one TenantStore
 * today; a tenant too big for one object is split into N shards named
 * `tenant:<id>/<k>` (k = a stable hash of the routing key mod N, shard 0
 * keeping the unsharded name), see ARCHITECTURE.md "Sharding a tenant".
 */
export const storeName = (tenantId: string): string => `tenant:${tenantId}`;

/** The stub of a tenant's store (durable-objects/tenant-store.ts). */
export function storeFor(env: Env, tenantId: string) {
  return env.STORES.get(env.STORES.idFromName(storeName(tenantId)));
}

export type TenantStoreStub = ReturnType<typeof storeFor>;
