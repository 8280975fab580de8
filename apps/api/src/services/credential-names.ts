// Which of the connections and secrets an import needs this workspace has
// (issue 17, item 4), asked of the tenant's store by name: never a value.
import type { Env } from "../env.ts";
import { storeFor } from "../store/client.ts";
import type { CredentialNames } from "./workflow-import.ts";

/**
 * The names among `wanted` that the tenant has: its secrets by name, its
 * connections from their list (a workspace has few).
 * @example const have = await existingCredentials(env, tenantId, { connections: ["erp"], secrets: ["erp_token"] })
 */
export async function existingCredentials(
  env: Env,
  tenantId: string,
  wanted: { connections: readonly string[]; secrets: readonly string[] },
): Promise<CredentialNames> {
  if (wanted.connections.length === 0 && wanted.secrets.length === 0) {
    return { connections: new Set(), secrets: new Set() };
  }
  const store = storeFor(env, tenantId);
  const [secrets, connections] = await Promise.all([
    wanted.secrets.length > 0 ? store.existingSecrets(tenantId, [...wanted.secrets]) : [],
    wanted.connections.length > 0 ? store.listConnections(tenantId) : [],
  ]);
  return {
    connections: new Set(connections.map((c) => c.name)),
    secrets: new Set(secrets),
  };
}
