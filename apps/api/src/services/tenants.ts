import { eq } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { type Actor, Role, SCOPES, type Scope } from "../auth/principal.ts";
import type { Db } from "../db/client.ts";
import { apiKeys, memberships, tenants, users } from "../db/schema.ts";
import { ApiError, ErrorCode } from "../errors.ts";
import { hashPassword, newId, sha256Hex, verifyPassword } from "../lib/crypto.ts";
import { generateApiKey, visiblePrefix } from "../repositories/api-keys.ts";
import { AuditType, commitWithAudit } from "../repositories/audit.ts";
import { findUserByEmail, normalizeEmail } from "../repositories/users.ts";

export interface NewTenant {
  name: string;
  admin: { email: string; password: string; name?: string | undefined };
  /** Fixed values, for the demo tenant; otherwise generated. */
  tenantId?: string;
  apiKey?: string;
}

export interface CreatedTenant {
  tenant: { id: string; name: string };
  apiKey: string;
  adminUserId: string;
}

/**
 * Creates a tenant, its first owner (or adds an existing user as owner when
 * the password matches theirs) and an API key with every scope, with their
 * audit entries, in one batch.
 */
export async function createTenant(
  db: Db,
  auditKey: string,
  input: NewTenant,
  actor: Actor,
  at: string,
): Promise<CreatedTenant> {
  const tenantId = input.tenantId ?? newId("tn");
  const email = normalizeEmail(input.admin.email);
  const existing = await findUserByEmail(db, email);
  if (existing && !(await verifyPassword(input.admin.password, existing.passwordHash))) {
    throw new ApiError(
      409,
      ErrorCode.conflict,
      "A user with this email exists; give their current password to make them this tenant's owner",
      [{ path: "admin.email", message: "already registered" }],
    );
  }
  const userId = existing?.id ?? newId("us");
  const passwordHash = existing ? undefined : await hashPassword(input.admin.password);
  const key = input.apiKey
    ? {
        key: input.apiKey,
        prefix: visiblePrefix(input.apiKey),
        hash: await sha256Hex(input.apiKey),
      }
    : await generateApiKey();
  const keyId = newId("key");
  const scopes: Scope[] = [...SCOPES];

  await commitWithAudit(
    db,
    auditKey,
    tenantId,
    at,
    () => {
      const items: BatchItem<"sqlite">[] = [
        db.insert(tenants).values({ tenantId, name: input.name, createdAt: at }),
      ];
      if (passwordHash) {
        items.push(
          db.insert(users).values({
            id: userId,
            email,
            name: input.admin.name ?? email.split("@")[0]!,
            passwordHash,
            lastTenantId: tenantId,
            createdAt: at,
          }),
        );
      }
      items.push(
        db.insert(memberships).values({ tenantId, userId, role: Role.owner, createdAt: at }),
        db.insert(apiKeys).values({
          id: keyId,
          tenantId,
          name: "Initial key",
          prefix: key.prefix,
          keyHash: key.hash,
          scopes: JSON.stringify(scopes),
          createdAt: at,
          createdBy: userId,
        }),
      );
      return items;
    },
    [
      { type: AuditType.tenantCreated, actor, subject: tenantId, details: { name: input.name } },
      {
        type: AuditType.userCreated,
        actor,
        subject: userId,
        details: { email, role: Role.owner },
      },
      {
        type: AuditType.apiKeyCreated,
        actor,
        subject: keyId,
        details: { name: "Initial key", prefix: key.prefix, scopes },
      },
    ],
  );
  return { tenant: { id: tenantId, name: input.name }, apiKey: key.key, adminUserId: userId };
}

export async function getTenant(db: Db, tenantId: string) {
  const rows = await db.select().from(tenants).where(eq(tenants.tenantId, tenantId)).limit(1);
  return rows[0];
}
