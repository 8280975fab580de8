// A tenant's secrets (issue 17) in its store: name → value, sealed with the
// tenant's envelope key (store/vault.ts). Values leave the store only
// through `secretValues`, which only the action consumer calls, for the
// names one step reads; everything else sees names and times.
import { asc, eq, inArray } from "drizzle-orm";
import { slices } from "./bounded.ts";
import type { StoreDb } from "./db.ts";
import { secrets } from "./schema.ts";
import { Vault } from "./vault.ts";

/** What anyone but the consumer may know of a secret. */
export interface SecretMeta {
  name: string;
  createdAt: string;
  updatedAt: string;
  /** The id of the user or API key that last set it. */
  updatedBy: string;
  /** The data key version its value is sealed under. */
  keyVersion: number;
}

const META = {
  name: secrets.name,
  createdAt: secrets.createdAt,
  updatedAt: secrets.updatedAt,
  updatedBy: secrets.updatedBy,
  keyVersion: secrets.keyVersion,
};

/**
 * Sets a secret's value (sealed before it is stored): `created` is false
 * when it replaced one.
 * @example await putSecret(db, vault, { name: "erp_token", value, at, by: "usr_1" })
 */
export async function putSecret(
  db: StoreDb,
  vault: Vault,
  input: { name: string; value: string; at: string; by: string },
): Promise<{ created: boolean; secret: SecretMeta }> {
  const sealed = await vault.seal(input.value);
  const keyVersion = Vault.versionOf(sealed)!;
  // After the last await: the read and the write commit together.
  return db.transaction(() => {
    const before = getSecretMeta(db, input.name);
    db.insert(secrets)
      .values({
        name: input.name,
        sealed,
        keyVersion,
        createdAt: input.at,
        updatedAt: input.at,
        updatedBy: input.by,
      })
      .onConflictDoUpdate({
        target: secrets.name,
        set: { sealed, keyVersion, updatedAt: input.at, updatedBy: input.by },
      })
      .run();
    return { created: before === null, secret: getSecretMeta(db, input.name)! };
  });
}

/** Every secret's name and times, by name. */
export function listSecretMetas(db: StoreDb): SecretMeta[] {
  return db.select(META).from(secrets).orderBy(asc(secrets.name)).all();
}

export function getSecretMeta(db: StoreDb, name: string): SecretMeta | null {
  return db.select(META).from(secrets).where(eq(secrets.name, name)).get() ?? null;
}

/** Removes a secret; false when there was none by that name. */
export function deleteSecret(db: StoreDb, name: string): boolean {
  return (
    db.delete(secrets).where(eq(secrets.name, name)).returning({ name: secrets.name }).all()
      .length > 0
  );
}

/** The names among `names` that exist. */
export function existingSecretNames(db: StoreDb, names: readonly string[]): string[] {
  const out: string[] = [];
  for (const part of slices([...new Set(names)], 0)) {
    if (part.length === 0) continue;
    for (const r of db
      .select({ name: secrets.name })
      .from(secrets)
      .where(inArray(secrets.name, part))
      .all()) {
      out.push(r.name);
    }
  }
  return out.sort();
}

/**
 * For the action consumer only: the values of the secrets one step reads
 * (`values`), and every other secret's value of the tenant (`others`), so
 * the consumer can mask any of them that comes back in the step's outcome.
 * Opened here, in the store, and answered to the one caller as [name,
 * value] pairs (a name may be `__proto__`: build maps with
 * Object.fromEntries); `missing` lists the names that are not set.
 */
export async function secretValues(
  db: StoreDb,
  vault: Vault,
  names: readonly string[],
): Promise<{
  values: Array<[string, string]>;
  others: Array<[string, string]>;
  missing: string[];
}> {
  const wanted = new Set(names);
  const values: Array<[string, string]> = [];
  const others: Array<[string, string]> = [];
  for (const r of db.select({ name: secrets.name, sealed: secrets.sealed }).from(secrets).all()) {
    (wanted.has(r.name) ? values : others).push([r.name, await vault.open(r.sealed)]);
  }
  const found = new Set(values.map(([n]) => n));
  return { values, others, missing: [...wanted].filter((n) => !found.has(n)).sort() };
}
