import { StoreCore } from "./store-core.ts";

/**
 * The doors of a tenant's credentials (issue 17): its secrets and its
 * connections, kept encrypted in the store's own SQLite under the tenant's
 * envelope key, read by the action consumer at send time. Every door takes
 * the tenant and delegates to a module in store/.
 */
export abstract class StoreCredentials extends StoreCore {
  // ── Secrets (store/secrets.ts) ──

  // ── Connections (store/connections.ts) ──
}
