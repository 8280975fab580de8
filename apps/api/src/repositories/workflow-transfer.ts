// The reads of export and import (issue 17, item 4): a whole workspace's
// workflows and versions, paged so no statement binds more than D1's 100
// parameters and no answer holds more than a page of definitions.
import { and, asc, desc, eq, gt, inArray, isNull, lt, or } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { workflows, workflowVersions } from "../db/schema.ts";
import { listWorkflowRows, type WorkflowRow } from "./workflows.ts";

/** Rows per page of a workspace read. */
const PAGE = 100;
/** Workflow ids per statement: 1 tenant + 49 ids + 3 for the cursor = 53 parameters. */
const IDS_PER_QUERY = 49;

const chunks = <T>(items: readonly T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};

/**
 * Every visible (not deleted) workflow of the tenant, a page of 100 rows per
 * statement.
 * @example const rows = await allWorkflowRows(db, tenantId)
 */
export async function allWorkflowRows(db: Db, tenantId: string): Promise<WorkflowRow[]> {
  const out: WorkflowRow[] = [];
  let after: { createdAt: string; id: string } | undefined;
  for (;;) {
    const page = await listWorkflowRows(db, tenantId, { limit: PAGE, after });
    out.push(...page);
    const last = page[page.length - 1];
    if (page.length < PAGE || !last) return out;
    after = { createdAt: last.createdAt, id: last.id };
  }
}

/** A workflow's name, and whether it was deleted. */
export interface NamedWorkflow {
  name: string;
  deleted: boolean;
}

/**
 * The names of these workflows of the tenant (deleted ones too); ids of
 * other tenants, or of none, are absent from the answer.
 */
export async function workflowNames(
  db: Db,
  tenantId: string,
  ids: readonly string[],
): Promise<Map<string, NamedWorkflow>> {
  const out = new Map<string, NamedWorkflow>();
  for (const part of chunks([...new Set(ids)], 98)) {
    const rows = await db
      .select({ id: workflows.id, name: workflows.name, deletedAt: workflows.deletedAt })
      .from(workflows)
      .where(and(eq(workflows.tenantId, tenantId), inArray(workflows.id, part)));
    for (const r of rows) out.set(r.id, { name: r.name, deleted: r.deletedAt !== null });
  }
  return out;
}

/** One stored version's number and definition (its JSON text). */
export interface StoredVersion {
  version: number;
  definition: string;
}

/**
 * Every version of these workflows, oldest first per workflow: 49
 * workflows per statement, 100 versions per page.
 */
export async function versionsOf(
  db: Db,
  tenantId: string,
  workflowIds: readonly string[],
): Promise<Map<string, StoredVersion[]>> {
  const out = new Map<string, StoredVersion[]>();
  for (const part of chunks([...new Set(workflowIds)], IDS_PER_QUERY)) {
    let cursor: { workflowId: string; version: number } | null = null;
    for (;;) {
      const conds = [
        eq(workflowVersions.tenantId, tenantId),
        inArray(workflowVersions.workflowId, part),
      ];
      if (cursor) {
        conds.push(
          or(
            gt(workflowVersions.workflowId, cursor.workflowId),
            and(
              eq(workflowVersions.workflowId, cursor.workflowId),
              gt(workflowVersions.version, cursor.version),
            ),
          )!,
        );
      }
      const page = await db
        .select({
          workflowId: workflowVersions.workflowId,
          version: workflowVersions.version,
          definition: workflowVersions.definition,
        })
        .from(workflowVersions)
        .where(and(...conds))
        .orderBy(asc(workflowVersions.workflowId), asc(workflowVersions.version))
        .limit(PAGE);
      for (const r of page) {
        const list = out.get(r.workflowId) ?? [];
        list.push({ version: r.version, definition: r.definition });
        out.set(r.workflowId, list);
      }
      const last = page[page.length - 1];
      if (page.length < PAGE || !last) break;
      cursor = { workflowId: last.workflowId, version: last.version };
    }
  }
  return out;
}

/** A visible workflow's id, name and live trigger. */
export interface WorkflowName {
  id: string;
  name: string;
  /** The live version's trigger event; null while it has no live version. */
  triggerEvent: string | null;
}

/** Rows per page of names (small rows). */
const NAME_PAGE = 500;

/**
 * The id, name and live trigger of every visible workflow of the tenant,
 * 500 rows per statement.
 */
export async function allWorkflowNames(db: Db, tenantId: string): Promise<WorkflowName[]> {
  const out: WorkflowName[] = [];
  let after: { createdAt: string; id: string } | null = null;
  for (;;) {
    // By the tenant's index (tenant_id, created_at), newest first like the list.
    const conds = [eq(workflows.tenantId, tenantId), isNull(workflows.deletedAt)];
    if (after) {
      conds.push(
        or(
          lt(workflows.createdAt, after.createdAt),
          and(eq(workflows.createdAt, after.createdAt), lt(workflows.id, after.id)),
        )!,
      );
    }
    const page = await db
      .select({
        id: workflows.id,
        name: workflows.name,
        triggerEvent: workflows.triggerEvent,
        createdAt: workflows.createdAt,
      })
      .from(workflows)
      .where(and(...conds))
      .orderBy(desc(workflows.createdAt), desc(workflows.id))
      .limit(NAME_PAGE);
    for (const r of page) out.push({ id: r.id, name: r.name, triggerEvent: r.triggerEvent });
    const last = page[page.length - 1];
    if (page.length < NAME_PAGE || !last) return out;
    after = { createdAt: last.createdAt, id: last.id };
  }
}
