// The run log: what runs record (prevented loops, approval decisions,
// record changes by workflows) in a hash-chained log inside the tenant's
// store. The store is its only writer, so the chain cannot fork; entry ids
// are deterministic, so a repeated write changes nothing. Entries and the
// finished runs' audit records are archived to D1 in segments
// (store/archive.ts).
import { asc, desc, gt, inArray, sql } from "drizzle-orm";
import type { Actor } from "../auth/principal.ts";
import {
  type AuditEntry,
  type ChainCheck,
  checkChain,
  GENESIS,
  signEntry,
  toAuditEntry,
} from "../lib/hash-chain.ts";

export type { ChainCheck };

import { canonicalJson } from "../lib/json.ts";
import type { Decision } from "./approvals.ts";
import { slices } from "./bounded.ts";
import type { StoreDb } from "./db.ts";
import { runLog } from "./schema.ts";

/** Entry types of the run log (API.md "Audit", beside the change log's). */
export const RunLogType = {
  runSuppressed: "run.suppressed",
  runRetried: "run.retried",
  runCancelled: "run.cancelled",
  /** DELETE /v1/waits/:runId/:stepId: a wait ended early and took its timeout branch. */
  waitCancelled: "wait.cancelled",
  approvalDecided: "approval.decided",
  recordChanged: "record.changed",
} as const;
export type RunLogType = (typeof RunLogType)[keyof typeof RunLogType];

export interface RunLogInput {
  /** Deterministic: the same fact written twice is one entry. */
  id: string;
  type: RunLogType;
  actor: Actor;
  subject: string;
  details: Record<string, unknown>;
}

/**
 * An entry a WorkflowRun owes the run log: stored in the run's own
 * transaction with the change it records (a retry, a cancel, an approval's
 * decision) and delivered until the store has it (durable-objects/
 * workflow-run.ts). With `approval`, the decision is recorded on the
 * approval in the same store transaction as the entry.
 */
export interface OwedEntry {
  entry: RunLogInput;
  approval?: { id: string } & Decision;
}

/** A run-log entry: the change log's shape (lib/hash-chain.ts). */
export type RunLogEntry = AuditEntry;

/**
 * Signs entries for appending after the current head. The HMAC is async
 * (WebCrypto), so signing happens before the transaction that appends;
 * the store serialises appends (TenantStore#appendLog) so the head cannot
 * move in between.
 */
export async function signEntries(
  db: StoreDb,
  auditKey: string,
  tenantId: string,
  at: string,
  inputs: RunLogInput[],
): Promise<(typeof runLog.$inferInsert)[]> {
  const head = db
    .select({ seq: runLog.seq, hash: runLog.hash })
    .from(runLog)
    .orderBy(desc(runLog.seq))
    .limit(1)
    .get();
  let seq = head?.seq ?? 0;
  let prevHash = head?.hash ?? GENESIS;
  const known = new Set(
    slices(
      inputs.map((i) => i.id),
      0,
    ).flatMap((part) =>
      db
        .select({ id: runLog.id })
        .from(runLog)
        .where(inArray(runLog.id, part))
        .all()
        .map((r) => r.id),
    ),
  );
  const rows: (typeof runLog.$inferInsert)[] = [];
  for (const input of inputs) {
    if (known.has(input.id)) continue;
    known.add(input.id);
    seq += 1;
    const entry = {
      id: input.id,
      seq,
      at,
      actor: input.actor,
      type: input.type,
      subject: input.subject,
      details: input.details,
      prevHash,
    };
    const hash = await signEntry(auditKey, tenantId, entry, "runs");
    rows.push({
      seq,
      id: entry.id,
      tenantId,
      at,
      actorType: entry.actor.type,
      actorId: entry.actor.id,
      type: entry.type,
      subject: entry.subject,
      details: canonicalJson(entry.details),
      prevHash,
      hash,
      archivedIn: null,
    });
    prevHash = hash;
  }
  return rows;
}

/** Appends signed rows (inside the caller's transaction). */
export function appendSigned(db: StoreDb, rows: (typeof runLog.$inferInsert)[]): void {
  for (const r of rows) db.insert(runLog).values(r).run();
}

export interface RunLogQuery {
  type?: string | undefined;
  actor?: string | undefined;
  since?: string | undefined;
  until?: string | undefined;
  /** Entries strictly before this position in (at desc, seq desc) order. */
  before?: { at: string; seq: number } | undefined;
  limit: number;
}

/** Newest first. */
export function listRunLog(db: StoreDb, q: RunLogQuery): RunLogEntry[] {
  const conds = [sql`1 = 1`];
  if (q.type) conds.push(sql`${runLog.type} = ${q.type}`);
  if (q.actor) conds.push(sql`${runLog.actorId} = ${q.actor}`);
  if (q.since) conds.push(sql`${runLog.at} >= ${q.since}`);
  if (q.until) conds.push(sql`${runLog.at} < ${q.until}`);
  if (q.before) {
    conds.push(
      sql`(${runLog.at} < ${q.before.at} OR (${runLog.at} = ${q.before.at} AND ${runLog.seq} < ${q.before.seq}))`,
    );
  }
  return db
    .select()
    .from(runLog)
    .where(sql.join(conds, sql` AND `))
    .orderBy(desc(runLog.at), desc(runLog.seq))
    .limit(q.limit)
    .all()
    .map(toAuditEntry);
}

/**
 * Verifies at most `limit` entries after `from` (the last verified seq and
 * its hash; the start of the chain when absent): a request never walks an
 * unbounded chain. `next` says where to continue, null at the head.
 */
export async function verifyRunLog(
  db: StoreDb,
  auditKey: string,
  tenantId: string,
  from: { seq: number; hash: string } | null,
  limit: number,
): Promise<ChainCheck> {
  const rows = db
    .select()
    .from(runLog)
    .where(gt(runLog.seq, from?.seq ?? 0))
    .orderBy(asc(runLog.seq))
    .limit(limit + 1)
    .all();
  return checkChain(rows.map(toAuditEntry), from, limit, (e) =>
    signEntry(auditKey, tenantId, e, "runs"),
  );
}
