// Writes planned imports (workflow-import.ts) to D1: each workflow with all
// its versions and its audit entry in one batch, so a workflow lands whole
// or not at all. Imports are drafts: no version is live and the store's
// live index is untouched (nothing changes what runs).
import type { BatchItem } from "drizzle-orm/batch";
import type { Actor } from "../auth/principal.ts";
import type { Db } from "../db/client.ts";
import { workflows, workflowVersions } from "../db/schema.ts";
import { canonicalJson } from "../lib/json.ts";
import { AuditType, commitWithAudit } from "../repositories/audit.ts";
import type { PlannedWorkflow } from "./workflow-import.ts";

/** Version rows per statement: 6 columns × 16 = 96 bound parameters (D1 takes 100). */
const VERSIONS_PER_INSERT = 16;

interface Deps {
  db: Db;
  auditKey: string;
  tenantId: string;
  actor: Actor;
  at: string;
}

/**
 * Saves one planned workflow: its row (a draft, enabled like a new
 * workflow), its versions in order, and a `workflow.created` entry with
 * `imported: true`, in one D1 batch.
 * @example await writeImported(deps, plan[0])
 */
export async function writeImported(d: Deps, w: PlannedWorkflow): Promise<void> {
  const { db } = d;
  const latest = w.definitions.length;
  const rows = w.definitions.map((definition, i) => ({
    tenantId: d.tenantId,
    workflowId: w.id,
    version: i + 1,
    definition: canonicalJson(definition),
    createdAt: d.at,
    createdBy: d.actor.id,
  }));
  await commitWithAudit(
    db,
    d.auditKey,
    d.tenantId,
    d.at,
    () => {
      const items: BatchItem<"sqlite">[] = [
        db.insert(workflows).values({
          id: w.id,
          tenantId: d.tenantId,
          name: w.name,
          enabled: true,
          liveVersion: null,
          draftVersion: latest,
          latestVersion: latest,
          triggerEvent: null,
          createdAt: d.at,
          createdBy: d.actor.id,
          updatedAt: d.at,
          publishedBy: null,
          alerts: w.alerts,
          onFailure: w.onFailure,
          autoPause: w.autoPause,
        }),
      ];
      for (let i = 0; i < rows.length; i += VERSIONS_PER_INSERT) {
        items.push(db.insert(workflowVersions).values(rows.slice(i, i + VERSIONS_PER_INSERT)));
      }
      return items;
    },
    [
      {
        type: AuditType.workflowCreated,
        actor: d.actor,
        subject: w.id,
        details: {
          name: w.name,
          version: latest,
          versions: latest,
          published: false,
          enabled: true,
          imported: true,
        },
      },
    ],
  );
}
