import * as connectionStore from "../store/connections.ts";
import * as secretStore from "../store/secrets.ts";
import { masterSecretsOf, type Rotated, Vault } from "../store/vault.ts";
import { StoreCore } from "./store-core.ts";

/**
 * The doors of a tenant's credentials (issue 17): its secrets and its
 * connections, kept encrypted in the store's own SQLite under the tenant's
 * envelope key, read by the action consumer at send time. Every door takes
 * the tenant and delegates to a module in store/.
 */
export abstract class StoreCredentials extends StoreCore {
  /** Made on first use; a deploy (new master keys) starts a new object, so a new one. */
  private vaultOfStore: Vault | null = null;

  /**
   * The tenant's vault (store/vault.ts): seals and opens with its envelope
   * key. One per object, so unwrapped keys are cached for its life.
   */
  protected vault(tenantId: string): Vault {
    const bound = this.tenant(tenantId);
    this.vaultOfStore ??= new Vault(
      this.ctx.storage,
      () => bound,
      () => masterSecretsOf(this.env),
    );
    return this.vaultOfStore;
  }

  // ── Secrets (store/secrets.ts) ──

  /** Sets a secret (sealed here); `created` is false when it replaced one. */
  async putSecret(
    tenantId: string,
    input: { name: string; value: string; at: string; by: string },
  ): Promise<{ created: boolean; secret: secretStore.SecretMeta }> {
    return secretStore.putSecret(this.db, this.vault(tenantId), input);
  }

  /** Every secret's name and times (never a value). */
  async listSecrets(tenantId: string): Promise<secretStore.SecretMeta[]> {
    this.tenant(tenantId);
    return secretStore.listSecretMetas(this.db);
  }

  async getSecret(tenantId: string, name: string): Promise<secretStore.SecretMeta | null> {
    this.tenant(tenantId);
    return secretStore.getSecretMeta(this.db, name);
  }

  async deleteSecret(tenantId: string, name: string): Promise<boolean> {
    this.tenant(tenantId);
    return secretStore.deleteSecret(this.db, name);
  }

  /** The names among `names` that are set (a save's check of what it reads). */
  async existingSecrets(tenantId: string, names: string[]): Promise<string[]> {
    this.tenant(tenantId);
    return secretStore.existingSecretNames(this.db, names);
  }

  /**
   * For the action consumer only: the values of one step's secrets (it
   * fills them in just before its executor runs) and the tenant's other
   * secrets' values (it masks all of them in what the executor answers).
   */
  async secretValues(
    tenantId: string,
    names: string[],
  ): Promise<{
    values: Array<[string, string]>;
    others: Array<[string, string]>;
    missing: string[];
  }> {
    return secretStore.secretValues(this.db, this.vault(tenantId), names);
  }

  /**
   * A new data key version for the tenant; every secret (and every sealed
   * column registered with the vault) re-sealed under it.
   */
  async rotateDataKey(tenantId: string, at: string): Promise<Rotated> {
    return this.vault(tenantId).rotate(at);
  }

  // ── Connections (store/connections.ts) ──

  /** Every connection, by name, without credentials. */
  async listConnections(tenantId: string): Promise<connectionStore.ConnectionRecord[]> {
    this.tenant(tenantId);
    return connectionStore.listConnectionRows(this.db).map(connectionStore.toRecord);
  }

  async getConnection(
    tenantId: string,
    name: string,
  ): Promise<connectionStore.ConnectionRecord | null> {
    this.tenant(tenantId);
    const row = connectionStore.getConnectionRow(this.db, name);
    return row ? connectionStore.toRecord(row) : null;
  }

  /** A new connection, its credentials sealed here (`exists` when the name is taken). */
  async createConnection(
    tenantId: string,
    name: string,
    input: connectionStore.ConnectionInput,
    by: string,
    at: string,
  ): Promise<connectionStore.ConnectionWriteReply> {
    return connectionStore.createConnection(this.db, this.vault(tenantId), name, input, by, at);
  }

  /** Replaces a connection's settings; credentials not given keep their values. */
  async updateConnection(
    tenantId: string,
    name: string,
    input: connectionStore.ConnectionInput,
    by: string,
    at: string,
  ): Promise<connectionStore.ConnectionWriteReply> {
    return connectionStore.updateConnectionWith(this.db, this.vault(tenantId), name, input, by, at);
  }

  async deleteConnection(tenantId: string, name: string): Promise<boolean> {
    this.tenant(tenantId);
    return connectionStore.deleteConnection(this.db, name);
  }

  /**
   * For the action consumer only: the connection with its credentials
   * opened and its cached OAuth token, after taking a slot of its rate
   * limit (executors/connection-fetch.ts).
   */
  async useConnection(tenantId: string, name: string): Promise<connectionStore.ConnectionUse> {
    return connectionStore.useConnection(this.db, this.vault(tenantId), name, Date.now());
  }

  /** Caches an OAuth token (sealed) fetched under `version` of the connection. */
  async keepConnectionToken(
    tenantId: string,
    name: string,
    token: string,
    useUntil: number,
    version: string,
  ): Promise<void> {
    const sealed = await this.vault(tenantId).seal(token);
    connectionStore.putToken(this.db, name, sealed, useUntil, version);
  }

  /** Forgets a connection's OAuth token (the target refused it). */
  async dropConnectionToken(tenantId: string, name: string): Promise<void> {
    this.tenant(tenantId);
    connectionStore.dropToken(this.db, name);
  }

  async noteConnectionHealth(
    tenantId: string,
    name: string,
    note: connectionStore.HealthNote,
  ): Promise<void> {
    this.tenant(tenantId);
    connectionStore.noteHealth(this.db, name, note);
  }
}
