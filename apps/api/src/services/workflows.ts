import {
  normalizeDefinition,
  type Problem,
  type Trigger,
  triggerType,
  validateDefinition,
  type WorkflowDefinition,
} from "@switchyard/engine";
import { and, eq } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Actor } from "../auth/principal.ts";
import type { Db } from "../db/client.ts";
import { workflows, workflowVersions } from "../db/schema.ts";
import { ApiError, ErrorCode, notFound } from "../errors.ts";
import { newId } from "../lib/crypto.ts";
import { canonicalJson } from "../lib/json.ts";
import { type AuditInput, AuditType, commitWithAudit } from "../repositories/audit.ts";
import { getVersionRow, getWorkflowRow, type WorkflowRow } from "../repositories/workflows.ts";
import type { FailureStreak } from "../store/alerts.ts";
import { type AutoPause, type Paused, parseAutoPause, parsePaused } from "../store/auto-pause.ts";
import { type AlertSettings, parseAlerts } from "./alert-settings.ts";
import { problemsOf, runnable } from "./drafts.ts";

/** The workflow resource of API.md. */
export interface WorkflowView {
  id: string;
  name: string;
  enabled: boolean;
  liveVersion: number | null;
  draftVersion?: number;
  latestVersion: number;
  trigger: Trigger;
  definition: WorkflowDefinition;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  /** Its own failure alerts; null: the tenant's default (GET /v1/settings/tenant). */
  alerts: AlertSettings | null;
  /** Set while its runs keep failing (since the last success). */
  failing: FailingView | null;
  /** The workflow run with a `workflow.failed` event when a run of this one fails. */
  onFailure: { workflowId: string } | null;
  /** Paused automatically after this many failed runs within this many minutes; null: never. */
  autoPause: AutoPause | null;
  /** Why it was paused automatically; null once it is turned back on. */
  paused: Paused | null;
  /** What keeps the latest version (a draft) from going live; [] when nothing does. */
  problems: Problem[];
}

/** A workflow's current streak of failed runs (the tenant's store keeps it). */
export interface FailingView {
  since: string;
  failedRuns: number;
  lastFailedAt: string;
  lastRunId: string;
  /** The failing step's name, and the error in words, of the last failure. */
  step: string | null;
  error: string | null;
}

export function failingView(s: FailureStreak): FailingView {
  return {
    since: s.since,
    failedRuns: s.failedRuns,
    lastFailedAt: s.lastFailedAt,
    lastRunId: s.lastRunId,
    step: s.lastStep,
    error: s.lastError,
  };
}

export function toWorkflowView(
  row: WorkflowRow,
  latestDefinition: string,
  failing: FailingView | null = null,
): WorkflowView {
  const definition = JSON.parse(latestDefinition) as WorkflowDefinition;
  return {
    id: row.id,
    name: row.name,
    enabled: row.enabled,
    liveVersion: row.liveVersion,
    ...(row.draftVersion !== null ? { draftVersion: row.draftVersion } : {}),
    latestVersion: row.latestVersion,
    trigger: definition.trigger,
    definition,
    createdAt: row.createdAt,
    createdBy: row.createdBy,
    updatedAt: row.updatedAt,
    alerts: parseAlerts(row.alerts),
    failing,
    onFailure: row.onFailure ? { workflowId: row.onFailure } : null,
    autoPause: parseAutoPause(row.autoPause),
    paused: parsePaused(row.paused),
    problems: problemsOf(definition),
  };
}

/** Validates a definition with the engine; every problem comes back as 422. */
export function parseDefinition(input: unknown): WorkflowDefinition {
  const result = validateDefinition(input);
  if (!result.ok) {
    throw new ApiError(
      422,
      ErrorCode.invalidDefinition,
      "The workflow definition is not valid",
      result.problems,
    );
  }
  return normalizeDefinition(result.definition);
}

/** Splits API-level options from the definition in a create or save body. */
export function splitSaveBody(body: Record<string, unknown>): {
  definition: unknown;
  enabled: boolean | undefined;
  publish: boolean;
  baseVersion: number | undefined;
  replaceDraft: boolean;
} {
  const { enabled, publish, baseVersion, replaceDraft, ...definition } = body;
  return {
    definition,
    enabled: enabled as boolean | undefined,
    publish: (publish as boolean | undefined) ?? true,
    baseVersion: baseVersion as number | undefined,
    replaceDraft: replaceDraft === true,
  };
}

interface Deps {
  db: Db;
  /**
   * Tells the tenant's store that its live workflows changed (it re-reads
   * them from D1): matching never reads D1 per event.
   */
  liveChanged: () => Promise<void>;
  auditKey: string;
  tenantId: string;
  actor: Actor;
  at: string;
}

/** The change is committed: a store that misses the news re-reads within LIVE_REFRESH_MS. */
async function liveChanged(d: Deps): Promise<void> {
  await d
    .liveChanged()
    .catch((err) =>
      console.error(`tenant ${d.tenantId}: store not told of a workflow change`, err),
    );
}

export async function createWorkflow(
  d: Deps,
  definition: WorkflowDefinition,
  opts: {
    enabled: boolean;
    publish: boolean;
    id?: string;
    /** More for its `workflow.created` entry, e.g. the template it was made from. */
    audit?: Record<string, unknown>;
  },
): Promise<string> {
  const id = opts.id ?? newId("wf");
  const { db } = d;
  await commitWithAudit(
    db,
    d.auditKey,
    d.tenantId,
    d.at,
    () => [
      db.insert(workflows).values({
        id,
        tenantId: d.tenantId,
        name: definition.name,
        enabled: opts.enabled,
        liveVersion: opts.publish ? 1 : null,
        draftVersion: opts.publish ? null : 1,
        latestVersion: 1,
        triggerEvent: opts.publish ? triggerType(definition.trigger) : null,
        createdAt: d.at,
        createdBy: d.actor.id,
        updatedAt: d.at,
        publishedBy: opts.publish ? d.actor.id : null,
      }),
      db.insert(workflowVersions).values({
        tenantId: d.tenantId,
        workflowId: id,
        version: 1,
        definition: canonicalJson(definition),
        createdAt: d.at,
        createdBy: d.actor.id,
      }),
    ],
    [
      {
        type: AuditType.workflowCreated,
        actor: d.actor,
        subject: id,
        details: {
          name: definition.name,
          version: 1,
          published: opts.publish,
          enabled: opts.enabled,
          ...opts.audit,
        },
      },
    ],
  );
  await liveChanged(d);
  return id;
}

/**
 * Saves a new immutable version (latest + 1); publishes it unless
 * `publish` is false, in which case it is the draft.
 */
export async function saveVersion(
  d: Deps,
  workflowId: string,
  definition: WorkflowDefinition,
  opts: { publish: boolean; enabled: boolean | undefined; baseVersion: number | undefined },
): Promise<number> {
  const { db } = d;
  let version = 0;
  const entries: AuditInput[] = [];
  await sameVersionIsConflict(() =>
    commitWithAudit(
      db,
      d.auditKey,
      d.tenantId,
      d.at,
      async () => {
        // Re-read on every attempt: a concurrent save moves `latestVersion`.
        const row = await getWorkflowRow(db, d.tenantId, workflowId);
        if (!row) throw notFound("Workflow");
        if (opts.baseVersion !== undefined && opts.baseVersion !== row.latestVersion) {
          throw new ApiError(
            409,
            ErrorCode.conflict,
            `Version ${row.latestVersion} was saved since version ${opts.baseVersion} was loaded; reload and save again`,
            { latestVersion: row.latestVersion },
          );
        }
        version = row.latestVersion + 1;
        entries.length = 0;
        entries.push({
          type: AuditType.workflowUpdated,
          actor: d.actor,
          subject: workflowId,
          details: { name: definition.name, version, published: opts.publish },
        });
        if (opts.publish) {
          entries.push({
            type: AuditType.workflowPublished,
            actor: d.actor,
            subject: workflowId,
            details: { version, previousLiveVersion: row.liveVersion },
          });
        }
        if (opts.enabled !== undefined && opts.enabled !== row.enabled) {
          entries.push({
            type: opts.enabled ? AuditType.workflowEnabled : AuditType.workflowDisabled,
            actor: d.actor,
            subject: workflowId,
          });
        }
        return [
          db.insert(workflowVersions).values({
            tenantId: d.tenantId,
            workflowId,
            version,
            definition: canonicalJson(definition),
            createdAt: d.at,
            createdBy: d.actor.id,
          }),
          db
            .update(workflows)
            .set({
              name: definition.name,
              latestVersion: version,
              updatedAt: d.at,
              ...(opts.enabled !== undefined ? { enabled: opts.enabled } : {}),
              ...(opts.publish
                ? {
                    liveVersion: version,
                    publishedBy: d.actor.id,
                    draftVersion: null,
                    triggerEvent: triggerType(definition.trigger),
                  }
                : { draftVersion: version }),
            })
            .where(and(eq(workflows.tenantId, d.tenantId), eq(workflows.id, workflowId))),
        ];
      },
      entries,
    ),
  );
  await liveChanged(d);
  return version;
}

/**
 * Two saves of one workflow at the same moment both read version n and
 * both write n + 1: the second insert fails on the version's key. That
 * save is answered 409 (reload and save again), never 500.
 */
async function sameVersionIsConflict(save: () => Promise<void>): Promise<void> {
  try {
    await save();
  } catch (err) {
    const text = `${String(err)} ${String((err as { cause?: unknown })?.cause ?? "")}`;
    if (text.includes("UNIQUE") && text.includes("workflow_versions")) {
      throw new ApiError(
        409,
        ErrorCode.conflict,
        "Someone saved this workflow at the same moment; reload it and save again",
      );
    }
    throw err;
  }
}

/** Makes an existing version live: a rollback, or a draft going live. */
export async function publishVersion(d: Deps, workflowId: string, version: number): Promise<void> {
  const { db } = d;
  const row = await getWorkflowRow(db, d.tenantId, workflowId);
  if (!row) throw notFound("Workflow");
  const v = await getVersionRow(db, d.tenantId, workflowId, version);
  if (!v) throw notFound(`Version ${version}`);
  if (row.liveVersion === version) return;
  // A draft saved with problems goes live only once they are fixed (422).
  const definition = runnable(version, v.definition, "publish");
  await commitWithAudit(
    db,
    d.auditKey,
    d.tenantId,
    d.at,
    () => [
      db
        .update(workflows)
        .set({
          liveVersion: version,
          publishedBy: d.actor.id,
          triggerEvent: triggerType(definition.trigger),
          updatedAt: d.at,
          ...(row.draftVersion !== null && row.draftVersion <= version
            ? { draftVersion: null }
            : {}),
        })
        .where(and(eq(workflows.tenantId, d.tenantId), eq(workflows.id, workflowId))),
    ],
    [
      {
        type: AuditType.workflowPublished,
        actor: d.actor,
        subject: workflowId,
        details: { version, previousLiveVersion: row.liveVersion },
      },
    ],
  );
  await liveChanged(d);
}

export async function setEnabled(d: Deps, workflowId: string, enabled: boolean): Promise<void> {
  const { db } = d;
  const row = await getWorkflowRow(db, d.tenantId, workflowId);
  if (!row) throw notFound("Workflow");
  if (row.enabled === enabled) return;
  await commitWithAudit(
    db,
    d.auditKey,
    d.tenantId,
    d.at,
    () => [
      db
        .update(workflows)
        // Turning it back on ends an automatic pause (its failures count afresh).
        .set({ enabled, updatedAt: d.at, ...(enabled ? { paused: null } : {}) })
        .where(and(eq(workflows.tenantId, d.tenantId), eq(workflows.id, workflowId))),
    ],
    [
      {
        type: enabled ? AuditType.workflowEnabled : AuditType.workflowDisabled,
        actor: d.actor,
        subject: workflowId,
        ...(enabled && row.paused
          ? { details: { pausedAutomatically: JSON.parse(row.paused) } }
          : {}),
      },
    ],
  );
  await liveChanged(d);
}

/** Disables and hides the workflow; its versions and runs stay. */
export async function deleteWorkflow(d: Deps, workflowId: string): Promise<void> {
  const { db } = d;
  const row = await getWorkflowRow(db, d.tenantId, workflowId);
  if (!row) throw notFound("Workflow");
  const items: BatchItem<"sqlite">[] = [
    db
      .update(workflows)
      .set({ enabled: false, deletedAt: d.at, updatedAt: d.at })
      .where(and(eq(workflows.tenantId, d.tenantId), eq(workflows.id, workflowId))),
  ];
  await commitWithAudit(db, d.auditKey, d.tenantId, d.at, () => items, [
    {
      type: AuditType.workflowDeleted,
      actor: d.actor,
      subject: workflowId,
      details: { name: row.name },
    },
  ]);
  await liveChanged(d);
}
