// Delivers the failure alerts a tenant's store owes (store/alerts.ts): an
// in-app notification and an email for each person told, through the
// tenant's own email provider (its outbox until it sets one up), like the
// platform's other emails on a tenant's behalf. Runs inside the store, so
// the outbox and the delivery ledger are written here directly. Each
// message has a fixed idempotency key (alert + person), so delivering an
// alert again — after a crash, or a provider that failed — sends nothing twice.
import { rootCausation } from "@switchyard/engine";
import { and, eq, isNull, sql } from "drizzle-orm";
import { createDb, type Db } from "../db/client.ts";
import { auditLog, workflows } from "../db/schema.ts";
import type { Env } from "../env.ts";
import { emailProviderFor } from "../executors/message-providers.ts";
import type { ExecutionContext } from "../executors/types.ts";
import { newId } from "../lib/crypto.ts";
import { AuditType, commitWithAuditIf } from "../repositories/audit.ts";
import { alertAudience } from "../services/alert-settings.ts";
import { auditKeyOf } from "../services/context.ts";
import { type Alert, alertText, owedAlertsOf, settleAlert } from "./alerts.ts";
import { settlePause } from "./auto-pause.ts";
import type { TenantStoreStub } from "./client.ts";
import type { StoreDb } from "./db.ts";
import { insertNotificationOnce } from "./notifications.ts";

export interface AlertDeliveryDeps {
  env: Env;
  db: StoreDb;
  /** The store itself, as executors' providers call it (outbox, ledger). */
  store: TenantStoreStub;
}

/** Delivers what is owed; an alert that fails stays owed for the next run end. Never throws. */
export async function deliverOwedAlerts(deps: AlertDeliveryDeps, tenantId: string): Promise<void> {
  for (const alert of owedAlertsOf(deps.db, tenantId)) {
    try {
      await deliverOne(deps, tenantId, alert);
      settleAlert(deps.db, tenantId, alert.id);
    } catch (err) {
      console.error(`failure alert ${alert.id} not delivered; it stays owed`, err);
    }
  }
}

/**
 * Writes a pause the store decided to D1 (disabled, with why, and its
 * audit entry), once: a workflow someone disabled or deleted meanwhile is
 * left as it is. Then the store's live copy follows D1 again.
 */
async function pauseInD1(deps: AlertDeliveryDeps, d1: Db, tenantId: string, alert: Alert) {
  const paused = JSON.stringify({
    at: alert.at,
    failures: alert.count,
    minutes: alert.threshold?.minutes ?? null,
    runId: alert.runId,
  });
  const where = and(
    eq(workflows.tenantId, tenantId),
    eq(workflows.id, alert.workflowId),
    eq(workflows.enabled, true),
    isNull(workflows.deletedAt),
  );
  await commitWithAuditIf(
    d1,
    auditKeyOf(deps.env),
    tenantId,
    alert.at,
    () => [d1.update(workflows).set({ enabled: false, paused, updatedAt: alert.at }).where(where)],
    [
      {
        // A repeat (the alert owed again after a later step failed) finds it and writes none.
        id: `au_${alert.id}`,
        type: AuditType.workflowPaused,
        actor: { type: "system", id: "auto-pause" },
        subject: alert.workflowId,
        details: {
          failedRuns: alert.count,
          withinMinutes: alert.threshold?.minutes ?? null,
          lastRun: alert.runId,
          step: alert.step,
          error: alert.error,
        },
      },
    ],
    {
      onlyIf: sql`EXISTS (SELECT 1 FROM ${workflows} WHERE ${and(
        eq(workflows.tenantId, tenantId),
        eq(workflows.id, alert.workflowId),
        eq(workflows.paused, paused),
      )}) AND NOT EXISTS (SELECT 1 FROM ${auditLog} WHERE ${and(
        eq(auditLog.tenantId, tenantId),
        eq(auditLog.id, `au_${alert.id}`),
      )})`,
    },
  );
  settlePause(deps.db, alert.workflowId);
}

async function deliverOne(deps: AlertDeliveryDeps, tenantId: string, alert: Alert): Promise<void> {
  const d1 = createDb(deps.env.DB);
  if (alert.kind === "paused") await pauseInD1(deps, d1, tenantId, alert);
  const audience = await alertAudience(d1, tenantId, alert.workflowId);
  if (!audience.enabled || audience.people.length === 0) return;
  const text = alertText(alert, deps.env.SWITCHYARD_PUBLIC_URL ?? "http://localhost:8787");
  const now = new Date().toISOString();
  deps.db.transaction((tx) => {
    for (const p of audience.people) {
      insertNotificationOnce(tx as unknown as StoreDb, {
        tenantId,
        id: newId("ntf"),
        user: p.email,
        message: text.message,
        link: text.link,
        read: false,
        runId: alert.runId,
        stepId: null,
        idempotencyKey: `${alert.id}:${p.userId}`,
        createdAt: now,
      });
    }
  });
  const failures: string[] = [];
  for (const p of audience.people) {
    const key = `${alert.id}:${p.userId}:email`;
    const ctx: ExecutionContext = {
      env: deps.env,
      db: d1,
      store: deps.store,
      tenantId,
      workflowId: alert.workflowId,
      runId: alert.runId,
      stepId: "",
      attempt: 1,
      idempotencyKey: key,
      timeoutMs: 15_000,
      signal: AbortSignal.timeout(15_000),
      now,
      emit: { causation: rootCausation(key), eventId: key },
    };
    const sent = await (await emailProviderFor(ctx)).send(
      { to: p.email, subject: text.subject, body: text.body },
      ctx,
    );
    if (sent.status !== "failed") continue;
    // A provider that cannot send (misconfigured, refused address) will not on a repeat either.
    if (sent.retryable) failures.push(`${p.email}: ${sent.error.message}`);
    else console.error(`alert email to ${p.email} not sent: ${sent.error.message}`);
  }
  // Owed again only for a passing fault; the notifications and sent emails stay as they are.
  if (failures.length > 0) throw new Error(`alert emails not sent: ${failures.join("; ")}`);
}
