// Drafts that save while incomplete (issue 14, item 4). A draft with problems
// is stored as written, with the engine's problems listed beside it; those
// problems block publishing and running (422), never saving. A definition
// without problems is stored normalised, as before.
import {
  draftShapeProblems,
  normalizeDefinition,
  type Problem,
  validateDefinition,
  type WorkflowDefinition,
} from "@switchyard/engine";
import { and, eq, sql } from "drizzle-orm";
import type { Actor } from "../auth/principal.ts";
import type { Db } from "../db/client.ts";
import { workflows, workflowVersions } from "../db/schema.ts";
import { ApiError, ErrorCode, notFound } from "../errors.ts";
import { canonicalJson } from "../lib/json.ts";
import { AuditType, commitWithAuditIf } from "../repositories/audit.ts";
import { getVersionRow, getWorkflowRow } from "../repositories/workflows.ts";

/** What a save needs (services/workflows.ts passes the same). */
interface Deps {
  db: Db;
  auditKey: string;
  tenantId: string;
  actor: Actor;
  at: string;
}

/** A definition to store as a draft, and what keeps it from going live. */
export interface Draft {
  definition: WorkflowDefinition;
  problems: Problem[];
}

/**
 * A draft as it may be stored: valid (normalised, no problems) or incomplete
 * (as written, with its problems). What is not a workflow at all (not an
 * object, too large, steps that are not lists of steps) is 422.
 */
export function parseDraft(input: unknown): Draft {
  const result = validateDefinition(input);
  if (result.ok) return { definition: normalizeDefinition(result.definition), problems: [] };
  if (draftShapeProblems(input).length > 0) {
    throw new ApiError(
      422,
      ErrorCode.invalidDefinition,
      "This is not a workflow definition, so it cannot be saved even as a draft",
      result.problems,
    );
  }
  return { definition: input as WorkflowDefinition, problems: result.problems };
}

/** The problems of a stored definition (none for one that was published). */
export function problemsOf(definition: unknown): Problem[] {
  const result = validateDefinition(definition);
  return result.ok ? [] : result.problems;
}

/** A stored version's definition, or 422 with its problems: a draft with problems never runs. */
export function runnable(
  version: number,
  text: string,
  purpose: "run" | "publish",
): WorkflowDefinition {
  const definition = JSON.parse(text) as WorkflowDefinition;
  const problems = problemsOf(definition);
  if (problems.length > 0) {
    const n = problems.length;
    throw new ApiError(
      422,
      ErrorCode.invalidDefinition,
      `Version ${version} is a draft with ${n} problem${n > 1 ? "s" : ""} to fix before it can ${purpose === "run" ? "be tested or run" : "be published"}`,
      problems,
    );
  }
  return definition;
}

/**
 * The draft this save may replace in place (the builder's autosave): the
 * latest version, a draft that is not live, which the edit started from and
 * which the same person saved. Otherwise null: a new version is saved.
 * Versions that were ever live are never changed.
 */
export async function replaceableDraft(
  d: Deps,
  workflowId: string,
  baseVersion: number | undefined,
): Promise<number | null> {
  const row = await getWorkflowRow(d.db, d.tenantId, workflowId);
  if (!row) throw notFound("Workflow");
  const n = row.latestVersion;
  if (baseVersion !== n || row.draftVersion !== n || row.liveVersion === n) return null;
  const v = await getVersionRow(d.db, d.tenantId, workflowId, n);
  return v && v.createdBy === d.actor.id ? n : null;
}

/**
 * Writes `definition` over draft version `n`, if it is still the latest, not
 * live draft (checked in the same statements). Answers false when a
 * concurrent save or publish got there first: the caller answers 409.
 */
export async function replaceDraft(
  d: Deps,
  workflowId: string,
  n: number,
  definition: WorkflowDefinition,
  enabled: boolean | undefined,
): Promise<boolean> {
  const { db } = d;
  const still = sql`EXISTS (SELECT 1 FROM workflows WHERE tenant_id = ${d.tenantId} AND id = ${workflowId} AND latest_version = ${n} AND draft_version = ${n} AND (live_version IS NULL OR live_version <> ${n}))`;
  const [, updated] = (await commitWithAuditIf(
    db,
    d.auditKey,
    d.tenantId,
    d.at,
    () => [
      db
        .update(workflowVersions)
        .set({ definition: canonicalJson(definition), createdAt: d.at })
        .where(
          and(
            eq(workflowVersions.tenantId, d.tenantId),
            eq(workflowVersions.workflowId, workflowId),
            eq(workflowVersions.version, n),
            still,
          ),
        ),
      db
        .update(workflows)
        .set({
          name: definition.name,
          updatedAt: d.at,
          ...(enabled !== undefined ? { enabled } : {}),
        })
        .where(and(eq(workflows.tenantId, d.tenantId), eq(workflows.id, workflowId), still))
        .returning({ id: workflows.id }),
    ],
    [
      {
        type: AuditType.workflowUpdated,
        actor: d.actor,
        subject: workflowId,
        details: { name: definition.name, version: n, published: false, replacedDraft: true },
      },
    ],
    {
      onlyIf: sql`EXISTS (SELECT 1 FROM workflows WHERE tenant_id = ${d.tenantId} AND id = ${workflowId} AND latest_version = ${n} AND updated_at = ${d.at})`,
    },
  )) as [unknown, Array<{ id: string }>];
  return updated.length > 0;
}
