// Secrets as the API shows and changes them (issue 17, item 1). A secret
// lives in the tenant's store (store/secrets.ts), sealed with the tenant's
// envelope key (store/vault.ts); the API takes a value and never gives one
// back: its views carry the name, times and where it is used (`usedBy`,
// from the workflows' definitions in D1). Each change has its entry in D1's
// change log, with the name only.
import type { Actor } from "../auth/principal.ts";
import type { Db } from "../db/client.ts";
import type { Env } from "../env.ts";
import { ApiError, ErrorCode, notFound } from "../errors.ts";
import { AuditType, commitWithAudit } from "../repositories/audit.ts";
import { RequiredSecret, requiredSecret } from "../required-secrets.ts";
import { storeFor } from "../store/client.ts";
import type { SecretMeta } from "../store/secrets.ts";
import { auditKeyOf } from "./context.ts";
import { type RequirementUser, requirementUsers } from "./requirement-users.ts";

/** A workflow that uses it: in its live version, or only in its latest draft. */
export type SecretUser = RequirementUser;

/** The secret resource of the API: never a value. */
export interface SecretView {
  name: string;
  createdAt: string;
  updatedAt: string;
  /** The id of the user or API key that last set it. */
  updatedBy: string;
  usedBy: SecretUser[];
}

export function toSecretView(m: SecretMeta, usedBy: SecretUser[]): SecretView {
  return {
    name: m.name,
    createdAt: m.createdAt,
    updatedAt: m.updatedAt,
    updatedBy: m.updatedBy,
    usedBy,
  };
}

interface Deps {
  env: Env;
  db: Db;
  tenantId: string;
  actor: Actor;
  at: string;
}

const store = (d: Pick<Deps, "env" | "tenantId">) => storeFor(d.env, d.tenantId);

async function audit(d: Deps, type: AuditType, subject: string, details: Record<string, unknown>) {
  await commitWithAudit(d.db, auditKeyOf(d.env), d.tenantId, d.at, () => [], [
    { type, actor: d.actor, subject, details },
  ]);
}

export async function listSecrets(d: Deps): Promise<SecretView[]> {
  const [metas, users] = await Promise.all([
    store(d).listSecrets(d.tenantId),
    requirementUsers(d.db, d.tenantId, "secrets"),
  ]);
  return metas.map((m) => toSecretView(m, users.get(m.name) ?? []));
}

export async function getSecret(d: Deps, name: string): Promise<SecretView> {
  const m = await store(d).getSecret(d.tenantId, name);
  if (!m) throw notFound("Secret");
  return toSecretView(m, (await requirementUsers(d.db, d.tenantId, "secrets")).get(name) ?? []);
}

/**
 * Sets a secret's value (sealed in the store); answers whether it was made
 * and its view. The audit entry names it, never the value.
 */
export async function putSecret(
  d: Deps,
  name: string,
  value: string,
): Promise<{ created: boolean; secret: SecretView }> {
  // The vault needs the master key: a Worker without it answers 503, not a store error.
  requiredSecret(d.env, RequiredSecret.encryptionKey);
  const { created, secret } = await store(d).putSecret(d.tenantId, {
    name,
    value,
    at: d.at,
    by: d.actor.id,
  });
  await audit(d, created ? AuditType.secretCreated : AuditType.secretUpdated, name, { name });
  const users = (await requirementUsers(d.db, d.tenantId, "secrets")).get(name) ?? [];
  return { created, secret: toSecretView(secret, users) };
}

/**
 * Deletes a secret. While live workflows read it, 409 `in_use` naming them
 * (their runs would fail with `secret_missing`), unless `force`.
 */
export async function deleteSecret(d: Deps, name: string, force: boolean): Promise<void> {
  if (!(await store(d).getSecret(d.tenantId, name))) throw notFound("Secret");
  const users = (await requirementUsers(d.db, d.tenantId, "secrets")).get(name) ?? [];
  const live = users.filter((u) => u.live);
  if (live.length > 0 && !force) {
    throw new ApiError(
      409,
      ErrorCode.inUse,
      `Secret '${name}' is used by live workflow${live.length > 1 ? "s" : ""} ${live.map((u) => `'${u.name}'`).join(", ")}: their runs would fail. Change them first, or delete with ?force=true`,
      { usedBy: live },
    );
  }
  if (!(await store(d).deleteSecret(d.tenantId, name))) throw notFound("Secret");
  await audit(d, AuditType.secretDeleted, name, {
    name,
    ...(live.length > 0 ? { forced: true, usedBy: live.map((u) => u.workflowId) } : {}),
  });
}

/**
 * A new version of the tenant's data key: every secret (and every other
 * sealed credential the vault knows of) re-sealed under it. Audited.
 */
export async function rotateDataKey(d: Deps): Promise<{ version: number; resealed: number }> {
  requiredSecret(d.env, RequiredSecret.encryptionKey);
  const rotated = await store(d).rotateDataKey(d.tenantId, d.at);
  await audit(d, AuditType.secretKeyRotated, `tenant_key:${rotated.version}`, {
    version: rotated.version,
    resealed: rotated.resealed,
  });
  return rotated;
}
