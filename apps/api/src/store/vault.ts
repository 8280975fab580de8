// A tenant's envelope key (issue 17): what its secrets and connection
// credentials are sealed with, in its own store.
//
//   SWITCHYARD_ENCRYPTION_KEY ──HKDF──> master key (AES-GCM 256, per Worker)
//   tenant_keys(version): a random 256-bit data key per version, wrapped
//                         (AES-GCM) under the master key; the newest version
//                         not retired seals, every version opens
//   sealed text:          `s1.<version>.<iv>.<ciphertext>` (base64url), bound
//                         to the tenant and the version (AES-GCM's AAD)
//
// Master-key rotation: set SWITCHYARD_ENCRYPTION_KEY_PREVIOUS to the old key
// and SWITCHYARD_ENCRYPTION_KEY to the new one. A data key wrapped under the
// previous master key is unwrapped with it and re-wrapped under the current
// one the first time it is used (and every one of the tenant's keys on a
// data-key rotation); no sealed value changes. Data-key rotation (`rotate`)
// makes a new version, retires the others and re-seals every sealed column
// the vault knows of (`registerSealedColumn`), each row compare-and-set so a
// write racing it is never lost. Retired versions stay: a sealed column
// nobody registered still opens.
//
// Unwrapped keys live only in this object's memory, never in storage.
import { fromBase64Url, randomBytes, toBase64Url, toHex } from "../lib/crypto.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The Worker secrets the master keys come from. */
export interface MasterSecrets {
  current: string;
  /** The master key before a rotation: wrapped keys under it are re-wrapped on use. */
  previous?: string | undefined;
}

/** A column of sealed text the vault re-seals on a data-key rotation. */
export interface SealedColumn {
  table: string;
  /** The sealed text (rows where it is null are passed over). */
  column: string;
  /** The row's primary key (one column). */
  key: string;
  /** A column kept equal to the sealing key's version, if the table has one. */
  versionColumn?: string;
}

const SEALED: SealedColumn[] = [
  { table: "secrets", column: "sealed", key: "name", versionColumn: "key_version" },
  // Connections' credentials and cached OAuth tokens (store/connections.ts).
  { table: "connections", column: "sealed", key: "name" },
  { table: "connection_tokens", column: "sealed", key: "name" },
];
const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/**
 * Adds a table's sealed column to what a data-key rotation re-seals (the
 * connections store registers its credentials and tokens). Call at module
 * load; registering the same column twice changes nothing.
 * @example registerSealedColumn({ table: "connections", column: "sealed", key: "name" });
 */
export function registerSealedColumn(column: SealedColumn): void {
  const names = [column.table, column.column, column.key, column.versionColumn ?? "x"];
  if (!names.every((n) => IDENTIFIER.test(n))) throw new Error("not a plain SQL name");
  if (SEALED.some((c) => c.table === column.table && c.column === column.column)) return;
  SEALED.push(column);
}

/** The sealed columns a rotation re-seals (the secrets' first). */
export function sealedColumns(): readonly SealedColumn[] {
  return SEALED;
}

interface Master {
  /** 16 hex characters naming the master key in wrapped text (not secret: an HKDF output). */
  id: string;
  key: CryptoKey;
}

const masters = new Map<string, Promise<Master>>();

function masterOf(secret: string): Promise<Master> {
  let found = masters.get(secret);
  if (!found) {
    found = (async () => {
      const base = await crypto.subtle.importKey("raw", encoder.encode(secret), "HKDF", false, [
        "deriveKey",
        "deriveBits",
      ]);
      const params = (info: string) => ({
        name: "HKDF",
        hash: "SHA-256",
        salt: new Uint8Array(0),
        info: encoder.encode(info),
      });
      const key = await crypto.subtle.deriveKey(
        params("switchyard/tenant-key-wrap/v1"),
        base,
        { name: "AES-GCM", length: 256 },
        false,
        ["encrypt", "decrypt"],
      );
      const id = toHex(
        await crypto.subtle.deriveBits(params("switchyard/master-key-id/v1"), base, 64),
      );
      return { id, key };
    })();
    masters.set(secret, found);
  }
  return found;
}

/**
 * The master secrets from the Worker's env; throws when the current one is
 * unset (callers in the Worker answer 503 before they reach the store).
 */
export function masterSecretsOf(env: {
  SWITCHYARD_ENCRYPTION_KEY?: string;
  SWITCHYARD_ENCRYPTION_KEY_PREVIOUS?: string;
}): MasterSecrets {
  const current = env.SWITCHYARD_ENCRYPTION_KEY;
  if (!current) throw new Error("SWITCHYARD_ENCRYPTION_KEY is not set");
  const previous = env.SWITCHYARD_ENCRYPTION_KEY_PREVIOUS;
  return previous && previous !== current ? { current, previous } : { current };
}

type KeyRow = {
  version: number;
  wrapped: string;
};

/** The newest data key version, after a rotation. */
export interface Rotated {
  version: number;
  /** Rows re-sealed under it, all sealed columns together. */
  resealed: number;
}

/**
 * A tenant's vault in its store: seals and opens text with the tenant's
 * current data key. One per store object (it caches unwrapped keys).
 * @example
 * const sealed = await vault.seal("tok_123"); // "s1.1.…"
 * await vault.open(sealed); // "tok_123"
 */
export class Vault {
  readonly #keys = new Map<number, Promise<CryptoKey>>();
  #creating: Promise<number> | null = null;
  #rotating: Promise<Rotated> | null = null;

  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly tenantId: () => string,
    private readonly master: () => MasterSecrets,
  ) {}

  /** Seals `plaintext` with the current data key (made on first use). */
  async seal(plaintext: string): Promise<string> {
    const version = await this.currentVersion();
    const key = await this.key(version);
    const iv = randomBytes(12);
    const data = await crypto.subtle.encrypt(
      { name: "AES-GCM", iv, additionalData: this.aad("sealed", version) },
      key,
      encoder.encode(plaintext),
    );
    return `s1.${version}.${toBase64Url(iv)}.${toBase64Url(new Uint8Array(data))}`;
  }

  /** Opens text sealed by `seal` under any of the tenant's key versions. */
  async open(sealed: string): Promise<string> {
    const [format, v, iv, data] = sealed.split(".");
    const version = Number(v);
    if (format !== "s1" || !Number.isInteger(version) || !iv || !data) {
      throw new Error("not sealed text");
    }
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: fromBase64Url(iv), additionalData: this.aad("sealed", version) },
      await this.key(version),
      fromBase64Url(data),
    );
    return decoder.decode(plain);
  }

  /** The key version inside sealed text (null when it is not sealed text). */
  static versionOf(sealed: string): number | null {
    const [format, v] = sealed.split(".");
    const version = Number(v);
    return format === "s1" && Number.isInteger(version) ? version : null;
  }

  /** The version that seals now; the first call on a new tenant makes version 1. */
  async currentVersion(): Promise<number> {
    const row = this.storage.sql
      .exec<{ v: number | null }>(
        "SELECT max(version) AS v FROM tenant_keys WHERE retired_at IS NULL",
      )
      .one();
    if (row.v !== null) return row.v;
    // One maker at a time: two first seals must not both make version 1.
    this.#creating ??= this.addVersion(null).finally(() => {
      this.#creating = null;
    });
    return this.#creating;
  }

  /**
   * A new data key version: it seals from now on; the others are retired
   * (they still open). Every sealed column is then re-sealed under it, and
   * every older version re-wrapped under the current master key.
   */
  rotate(at: string): Promise<Rotated> {
    this.#rotating ??= (async () => {
      await this.#creating;
      const version = await this.addVersion(at);
      const resealed = await this.resealAll(version);
      for (const { version: v } of this.rows()) await this.key(v);
      return { version, resealed };
    })().finally(() => {
      this.#rotating = null;
    });
    return this.#rotating;
  }

  /** Every key version with when it was made and retired, oldest first. */
  versions(): Array<{ version: number; createdAt: string; retiredAt: string | null }> {
    return this.storage.sql
      .exec<{ version: number; created_at: string; retired_at: string | null }>(
        "SELECT version, created_at, retired_at FROM tenant_keys ORDER BY version",
      )
      .toArray()
      .map((r) => ({ version: r.version, createdAt: r.created_at, retiredAt: r.retired_at }));
  }

  private rows(): KeyRow[] {
    return this.storage.sql
      .exec<{ version: number; wrapped: string }>("SELECT version, wrapped FROM tenant_keys")
      .toArray();
  }

  private aad(purpose: "sealed" | "key", version: number): Uint8Array {
    return encoder.encode(`switchyard/${this.tenantId()}/${purpose}/${version}`);
  }

  /** Makes a random data key, wraps it and stores it as the next version; `retireAt` retires the others. */
  private async addVersion(retireAt: string | null): Promise<number> {
    const raw = randomBytes(32);
    const master = await masterOf(this.master().current);
    const sql = this.storage.sql;
    // The number is taken after the last await: nothing can take it meanwhile.
    const next =
      (sql.exec<{ v: number | null }>("SELECT max(version) AS v FROM tenant_keys").one().v ?? 0) +
      1;
    const wrapped = await this.wrap(master, next, raw);
    const now = new Date().toISOString();
    let version = next;
    this.storage.transactionSync(() => {
      // A version someone else added after our read: take the one after it.
      version =
        (sql.exec<{ v: number | null }>("SELECT max(version) AS v FROM tenant_keys").one().v ?? 0) +
        1;
      if (version !== next) return;
      if (retireAt !== null) {
        sql.exec("UPDATE tenant_keys SET retired_at = ? WHERE retired_at IS NULL", retireAt);
      }
      sql.exec(
        "INSERT INTO tenant_keys (version, wrapped, created_at, retired_at) VALUES (?, ?, ?, NULL)",
        next,
        wrapped,
        retireAt ?? now,
      );
    });
    if (version !== next) return this.addVersion(retireAt);
    this.#keys.set(next, importDataKey(raw));
    return next;
  }

  private async wrap(master: Master, version: number, raw: Uint8Array): Promise<string> {
    const iv = randomBytes(12);
    const data = await crypto.subtle.encrypt(
      { name: "AES-GCM", iv, additionalData: this.aad("key", version) },
      master.key,
      raw,
    );
    return `k1.${master.id}.${toBase64Url(iv)}.${toBase64Url(new Uint8Array(data))}`;
  }

  /** The unwrapped data key of `version`, cached for this object's life. */
  private key(version: number): Promise<CryptoKey> {
    let key = this.#keys.get(version);
    if (!key) {
      key = this.unwrap(version);
      key.catch(() => this.#keys.delete(version));
      this.#keys.set(version, key);
    }
    return key;
  }

  private async unwrap(version: number): Promise<CryptoKey> {
    const row = this.storage.sql
      .exec<KeyRow>("SELECT version, wrapped FROM tenant_keys WHERE version = ?", version)
      .toArray()[0];
    if (!row) throw new Error(`this tenant has no data key version ${version}`);
    const [format, id, iv, data] = row.wrapped.split(".");
    if (format !== "k1" || !id || !iv || !data) throw new Error("unknown wrapped key format");
    const secrets = this.master();
    const current = await masterOf(secrets.current);
    const previous = secrets.previous ? await masterOf(secrets.previous) : null;
    const under = id === current.id ? current : id === previous?.id ? previous : null;
    if (under === null) {
      throw new Error(
        "this tenant's data key is wrapped under a master key this Worker does not have: set SWITCHYARD_ENCRYPTION_KEY_PREVIOUS to the key it had before",
      );
    }
    const raw = new Uint8Array(
      await crypto.subtle.decrypt(
        { name: "AES-GCM", iv: fromBase64Url(iv), additionalData: this.aad("key", version) },
        under.key,
        fromBase64Url(data),
      ),
    );
    if (under !== current) {
      // Re-wrapped under the current master key on touch, only if unchanged meanwhile.
      const rewrapped = await this.wrap(current, version, raw);
      this.storage.sql.exec(
        "UPDATE tenant_keys SET wrapped = ? WHERE version = ? AND wrapped = ?",
        rewrapped,
        version,
        row.wrapped,
      );
    }
    return importDataKey(raw);
  }

  /** Re-seals every registered column's rows not sealed under `version`; returns how many. */
  private async resealAll(version: number): Promise<number> {
    let count = 0;
    for (const c of SEALED) {
      const exists = this.storage.sql
        .exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", c.table)
        .toArray();
      if (exists.length === 0) continue; // a table this store does not have (yet)
      const rows = this.storage.sql
        .exec<{ k: string; s: string }>(
          `SELECT ${c.key} AS k, ${c.column} AS s FROM ${c.table} WHERE ${c.column} IS NOT NULL`,
        )
        .toArray()
        .filter((r) => Vault.versionOf(r.s) !== version);
      const updates: Array<{ k: string; before: string; after: string }> = [];
      for (const r of rows) {
        updates.push({ k: r.k, before: r.s, after: await this.seal(await this.open(r.s)) });
      }
      this.storage.transactionSync(() => {
        for (const u of updates) {
          const set = c.versionColumn
            ? `${c.column} = ?, ${c.versionColumn} = ?`
            : `${c.column} = ?`;
          const args = c.versionColumn ? [u.after, version] : [u.after];
          // Compare-and-set: a row written since it was read keeps what was written.
          const cursor = this.storage.sql.exec(
            `UPDATE ${c.table} SET ${set} WHERE ${c.key} = ? AND ${c.column} = ?`,
            ...args,
            u.k,
            u.before,
          );
          count += cursor.rowsWritten > 0 ? 1 : 0;
        }
      });
    }
    return count;
  }
}

function importDataKey(raw: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
}
