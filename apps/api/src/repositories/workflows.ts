import { and, desc, eq, isNull, lt, or, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { workflows, workflowVersions } from "../db/schema.ts";

export type WorkflowRow = typeof workflows.$inferSelect;
export type VersionRow = typeof workflowVersions.$inferSelect;

/** A visible (not deleted) workflow of the tenant, or undefined. */
export async function getWorkflowRow(
  db: Db,
  tenantId: string,
  id: string,
): Promise<WorkflowRow | undefined> {
  const rows = await db
    .select()
    .from(workflows)
    .where(and(eq(workflows.tenantId, tenantId), eq(workflows.id, id), isNull(workflows.deletedAt)))
    .limit(1);
  return rows[0];
}

export async function getVersionRow(
  db: Db,
  tenantId: string,
  workflowId: string,
  version: number,
): Promise<VersionRow | undefined> {
  const rows = await db
    .select()
    .from(workflowVersions)
    .where(
      and(
        eq(workflowVersions.tenantId, tenantId),
        eq(workflowVersions.workflowId, workflowId),
        eq(workflowVersions.version, version),
      ),
    )
    .limit(1);
  return rows[0];
}

export interface WorkflowListQuery {
  limit: number;
  after?: { createdAt: string; id: string } | undefined;
  search?: string | undefined;
  enabled?: boolean | undefined;
}

/** Newest first; the cursor is the last (createdAt, id) seen. */
export async function listWorkflowRows(
  db: Db,
  tenantId: string,
  q: WorkflowListQuery,
): Promise<WorkflowRow[]> {
  const conds = [eq(workflows.tenantId, tenantId), isNull(workflows.deletedAt)];
  if (q.after) {
    conds.push(
      or(
        lt(workflows.createdAt, q.after.createdAt),
        and(eq(workflows.createdAt, q.after.createdAt), lt(workflows.id, q.after.id)),
      )!,
    );
  }
  if (q.search) {
    // A plain substring, case-insensitive like LIKE, but with no pattern:
    // `%` and `_` match themselves, and no 50-byte LIKE limit (D1) applies.
    conds.push(sql`instr(lower(${workflows.name}), lower(${q.search})) > 0`);
  }
  if (q.enabled !== undefined) conds.push(eq(workflows.enabled, q.enabled));
  return db
    .select()
    .from(workflows)
    .where(and(...conds))
    .orderBy(desc(workflows.createdAt), desc(workflows.id))
    .limit(q.limit);
}

export async function listVersionRows(
  db: Db,
  tenantId: string,
  workflowId: string,
  limit: number,
  beforeVersion?: number,
): Promise<VersionRow[]> {
  const conds = [
    eq(workflowVersions.tenantId, tenantId),
    eq(workflowVersions.workflowId, workflowId),
  ];
  if (beforeVersion !== undefined) conds.push(lt(workflowVersions.version, beforeVersion));
  return db
    .select()
    .from(workflowVersions)
    .where(and(...conds))
    .orderBy(desc(workflowVersions.version))
    .limit(limit);
}

/** Version keys per statement: 1 + 2 × 49 = 99 bound parameters (D1 takes 100). */
const KEYS_PER_QUERY = 49;

/** Loads the definitions of several versions, a statement per 49 of them. */
export async function getDefinitions(
  db: Db,
  tenantId: string,
  keys: Array<{ workflowId: string; version: number }>,
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const parts: (typeof keys)[] = [];
  for (let i = 0; i < keys.length; i += KEYS_PER_QUERY)
    parts.push(keys.slice(i, i + KEYS_PER_QUERY));
  const pages = await Promise.all(
    parts.map((part) =>
      db
        .select({
          workflowId: workflowVersions.workflowId,
          version: workflowVersions.version,
          definition: workflowVersions.definition,
        })
        .from(workflowVersions)
        .where(
          and(
            eq(workflowVersions.tenantId, tenantId),
            or(
              ...part.map((k) =>
                and(
                  eq(workflowVersions.workflowId, k.workflowId),
                  eq(workflowVersions.version, k.version),
                ),
              ),
            ),
          ),
        ),
    ),
  );
  for (const r of pages.flat()) out.set(`${r.workflowId}@${r.version}`, r.definition);
  return out;
}
