import { and, asc, desc, eq, gt, gte, lt, or, type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Actor } from "../auth/principal.ts";
import type { Db } from "../db/client.ts";
import { auditLog } from "../db/schema.ts";
import { newId } from "../lib/crypto.ts";
import {
  type AuditEntry,
  type ChainCheck,
  checkChain,
  GENESIS,
  signEntry,
  toAuditEntry,
} from "../lib/hash-chain.ts";

export type { AuditEntry };

import { canonicalJson } from "../lib/json.ts";

/** Every audit entry type (API.md, "Audit"). */
export const AuditType = {
  tenantCreated: "tenant.created",
  userCreated: "user.created",
  userUpdated: "user.updated",
  userRemoved: "user.removed",
  userSignedIn: "user.signed_in",
  passwordChanged: "user.password_changed",
  passwordReset: "user.password_reset",
  signInFailed: "user.sign_in_failed",
  twoFactorEnabled: "user.two_factor_enabled",
  twoFactorDisabled: "user.two_factor_disabled",
  recoveryCodesReplaced: "user.recovery_codes_replaced",
  passkeyAdded: "user.passkey_added",
  passkeyRemoved: "user.passkey_removed",
  tenantSwitched: "user.switched_tenant",
  workflowTestRun: "workflow.test_run",
  eventTypeDeclared: "event_type.declared",
  invitationCreated: "invitation.created",
  invitationResent: "invitation.resent",
  invitationRevoked: "invitation.revoked",
  invitationAccepted: "invitation.accepted",
  apiKeyCreated: "api_key.created",
  apiKeyRevoked: "api_key.revoked",
  workflowCreated: "workflow.created",
  workflowUpdated: "workflow.updated",
  workflowPublished: "workflow.published",
  workflowEnabled: "workflow.enabled",
  workflowDisabled: "workflow.disabled",
  // Failing above its auto-pause threshold: the system turned it off (issue 14).
  workflowPaused: "workflow.paused",
  workflowDeleted: "workflow.deleted",
  webhookSourceCreated: "webhook_source.created",
  webhookSourceRotated: "webhook_source.rotated",
  webhookSourceDeleted: "webhook_source.deleted",
  settingsUpdated: "settings.updated",
  /** A named HTTP connection (issue 17): its name, kind of auth and what changed; never a value. */
  connectionCreated: "connection.created",
  connectionUpdated: "connection.updated",
  connectionDeleted: "connection.deleted",
  /** A tenant's secret (issue 17): its name only, never a value. */
  secretCreated: "secret.created",
  secretUpdated: "secret.updated",
  secretDeleted: "secret.deleted",
  /** A new version of the tenant's data key; every secret re-sealed under it. */
  secretKeyRotated: "secret.key_rotated",
  /** The platform's demo seed reset the demo tenant's admin password or API key. */
  demoReset: "demo.reset",
  ssoUpdated: "sso.updated",
  ssoDeleted: "sso.deleted",
  ssoDomainAdded: "sso.domain_added",
  ssoDomainVerified: "sso.domain_verified",
  ssoDomainRemoved: "sso.domain_removed",
  ssoMemberAdded: "sso.member_added",
  runSuppressed: "run.suppressed",
  runRetried: "run.retried",
  runCancelled: "run.cancelled",
  waitCancelled: "wait.cancelled",
  approvalDecided: "approval.decided",
  /** POST /v1/runs/bulk-retry: a person started a bulk retry job (issue 16). */
  runsBulkRetryStarted: "runs.bulk_retry_started",
  /** POST /v1/jobs/:id/cancel. */
  jobCancelled: "job.cancelled",
} as const;
export type AuditType = (typeof AuditType)[keyof typeof AuditType];

export interface AuditInput {
  type: AuditType;
  actor: Actor;
  subject: string;
  details?: Record<string, unknown>;
  /** Deterministic ids make entries written from a run DO idempotent. */
  id?: string;
}

const MAX_ATTEMPTS = 8;

/**
 * Runs `changes` and appends `entries` to the tenant's audit chain in one D1
 * batch (one transaction): the change and its record land together or not at
 * all. A concurrent writer that took the next sequence number first makes the
 * batch fail on the unique (tenant_id, seq) index; we then rebuild the
 * changes and the entries on the new head and try again, so the chain never
 * forks. `build` may fill `entries` (it runs first on every attempt).
 *
 * A conditional change (an UPDATE guarded by what it read) passes
 * `onlyIf` (commitWithAuditIf): a condition that holds after the batch's
 * changes exactly when they applied. The entries are then inserted only if it holds, in the
 * same transaction, so a change that lost its race writes no entry (and
 * takes no `seq`). Answers the results of the changes, in order.
 */
export async function commitWithAudit(
  db: Db,
  auditKey: string,
  tenantId: string,
  at: string,
  build: () => BatchItem<"sqlite">[] | Promise<BatchItem<"sqlite">[]>,
  entries: AuditInput[],
): Promise<void> {
  await commitWithAuditIf(db, auditKey, tenantId, at, build, entries, {});
}

/**
 * `commitWithAudit` for a conditional change: see `onlyIf` above.
 * @example const [rows] = await commitWithAuditIf(db, key, t, at, () => [guardedUpdate], entries, { onlyIf })
 */
export async function commitWithAuditIf(
  db: Db,
  auditKey: string,
  tenantId: string,
  at: string,
  build: () => BatchItem<"sqlite">[] | Promise<BatchItem<"sqlite">[]>,
  entries: AuditInput[],
  opts: { onlyIf?: SQL },
): Promise<unknown[]> {
  for (let attempt = 1; ; attempt++) {
    // Build first: a builder may decide its entries from what it reads.
    const changes = await build();
    const head = await db
      .select({ seq: auditLog.seq, hash: auditLog.hash })
      .from(auditLog)
      .where(eq(auditLog.tenantId, tenantId))
      .orderBy(desc(auditLog.seq))
      .limit(1);
    let seq = head[0]?.seq ?? 0;
    let prevHash = head[0]?.hash ?? GENESIS;
    const inserts: BatchItem<"sqlite">[] = [];
    for (const input of entries) {
      seq += 1;
      const entry = {
        id: input.id ?? newId("au"),
        seq,
        at,
        actor: input.actor,
        type: input.type,
        subject: input.subject,
        details: input.details ?? {},
        prevHash,
      };
      const hash = await signEntry(auditKey, tenantId, entry, "changes");
      const details = canonicalJson(entry.details);
      inserts.push(
        opts.onlyIf
          ? // The table's columns, in their declared order (db/schema.ts).
            db
              .insert(auditLog)
              .select(
                sql`SELECT ${entry.id}, ${tenantId}, ${seq}, ${at}, ${entry.actor.type}, ${entry.actor.id}, ${entry.type}, ${entry.subject}, ${details}, ${prevHash}, ${hash} WHERE ${opts.onlyIf}`,
              )
          : db.insert(auditLog).values({
              id: entry.id,
              tenantId,
              seq,
              at,
              actorType: entry.actor.type,
              actorId: entry.actor.id,
              type: entry.type,
              subject: entry.subject,
              details,
              prevHash,
              hash,
            }),
      );
      prevHash = hash;
    }
    const statements = [...changes, ...inserts];
    if (statements.length === 0) return [];
    try {
      const results = await db.batch(statements as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
      return (results as unknown[]).slice(0, changes.length);
    } catch (err) {
      if (attempt < MAX_ATTEMPTS && isSeqConflict(err)) continue;
      throw err;
    }
  }
}

function isSeqConflict(err: unknown): boolean {
  const text = `${String(err)} ${String((err as { cause?: unknown })?.cause ?? "")}`;
  return text.includes("UNIQUE") && text.includes("audit_log.seq");
}

export interface AuditQuery {
  type?: string;
  actor?: string;
  since?: string;
  until?: string;
  limit: number;
  /**
   * Entries are listed newest first, by (at, seq): only those strictly
   * before this position (at equal `at`, those with a seq below `seq`).
   */
  before?: { at: string; seq: number } | undefined;
}

export async function listAudit(db: Db, tenantId: string, q: AuditQuery): Promise<AuditEntry[]> {
  const conds = [eq(auditLog.tenantId, tenantId)];
  if (q.type) conds.push(eq(auditLog.type, q.type));
  if (q.actor) conds.push(eq(auditLog.actorId, q.actor));
  if (q.since) conds.push(gte(auditLog.at, q.since));
  if (q.until) conds.push(lt(auditLog.at, q.until));
  if (q.before) {
    conds.push(
      or(
        lt(auditLog.at, q.before.at),
        and(eq(auditLog.at, q.before.at), lt(auditLog.seq, q.before.seq)),
      )!,
    );
  }
  const rows = await db
    .select()
    .from(auditLog)
    .where(and(...conds))
    .orderBy(desc(auditLog.at), desc(auditLog.seq))
    .limit(q.limit);
  return rows.map(toAuditEntry);
}

export async function verifyAudit(
  db: Db,
  auditKey: string,
  tenantId: string,
  from: { seq: number; hash: string } | null,
  limit: number,
): Promise<ChainCheck> {
  const rows = await db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.tenantId, tenantId), gt(auditLog.seq, from?.seq ?? 0)))
    .orderBy(asc(auditLog.seq))
    .limit(limit + 1);
  return checkChain(rows.map(toAuditEntry), from, limit, (e) =>
    signEntry(auditKey, tenantId, e, "changes"),
  );
}
