// Secrets as the API shows and changes them (issue 17, item 1). A secret
// lives in the tenant's store (store/secrets.ts), sealed with the tenant's
// envelope key (store/vault.ts); the API takes a value and never gives one
// back: its views carry the name, times and where it is used (`usedBy`,
// from the workflows' definitions in D1). Each change has its entry in D1's
// change log, with the name only.
import { definitionRequires, type WorkflowDefinition } from "@switchyard/engine";
import type { Actor } from "../auth/principal.ts";
import type { Db } from "../db/client.ts";
import type { Env } from "../env.ts";
import { ApiError, ErrorCode, notFound } from "../errors.ts";
import { AuditType, commitWithAudit } from "../repositories/audit.ts";
import { getDefinitions, listWorkflowRows } from "../repositories/workflows.ts";
import { RequiredSecret, requiredSecret } from "../required-secrets.ts";
import { storeFor } from "../store/client.ts";
import type { SecretMeta } from "../store/secrets.ts";
import { auditKeyOf } from "./context.ts";

/** A workflow that reads the secret: in its live version, or only in its latest draft. */
export interface SecretUser {
  workflowId: string;
  name: string;
  live: boolean;
}

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

const PAGE = 100;

/**
 * Every secret name the tenant's workflows read, with the workflows: a
 * workflow's live version counts as `live: true`; a name only its latest
 * version (a draft) reads counts as `live: false`. Deleted workflows do not
 * count. One read of each definition (pages of 100 workflows).
 */
export async function secretUsers(db: Db, tenantId: string): Promise<Map<string, SecretUser[]>> {
  const out = new Map<string, SecretUser[]>();
  let after: { createdAt: string; id: string } | undefined;
  for (;;) {
    const page = await listWorkflowRows(db, tenantId, { limit: PAGE, after });
    const keys = page.flatMap((w) => [
      ...(w.liveVersion !== null ? [{ workflowId: w.id, version: w.liveVersion }] : []),
      ...(w.latestVersion !== w.liveVersion
        ? [{ workflowId: w.id, version: w.latestVersion }]
        : []),
    ]);
    const defs = keys.length > 0 ? await getDefinitions(db, tenantId, keys) : new Map();
    for (const w of page) {
      const names = (version: number | null) => {
        const text = version === null ? undefined : defs.get(`${w.id}@${version}`);
        return text ? definitionRequires(JSON.parse(text) as WorkflowDefinition).secrets : [];
      };
      const live = new Set(names(w.liveVersion));
      const draft = w.latestVersion !== w.liveVersion ? names(w.latestVersion) : [];
      for (const name of new Set([...live, ...draft])) {
        const list = out.get(name) ?? [];
        list.push({ workflowId: w.id, name: w.name, live: live.has(name) });
        out.set(name, list);
      }
    }
    const last = page[page.length - 1];
    if (page.length < PAGE || !last) return out;
    after = { createdAt: last.createdAt, id: last.id };
  }
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
    secretUsers(d.db, d.tenantId),
  ]);
  return metas.map((m) => toSecretView(m, users.get(m.name) ?? []));
}

export async function getSecret(d: Deps, name: string): Promise<SecretView> {
  const m = await store(d).getSecret(d.tenantId, name);
  if (!m) throw notFound("Secret");
  return toSecretView(m, (await secretUsers(d.db, d.tenantId)).get(name) ?? []);
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
  const users = (await secretUsers(d.db, d.tenantId)).get(name) ?? [];
  return { created, secret: toSecretView(secret, users) };
}

/**
 * Deletes a secret. While live workflows read it, 409 `in_use` naming them
 * (their runs would fail with `secret_missing`), unless `force`.
 */
export async function deleteSecret(d: Deps, name: string, force: boolean): Promise<void> {
  if (!(await store(d).getSecret(d.tenantId, name))) throw notFound("Secret");
  const users = (await secretUsers(d.db, d.tenantId)).get(name) ?? [];
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
