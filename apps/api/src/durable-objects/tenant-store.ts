import type { EventEnvelope } from "@switchyard/engine";
import { type MarkedResult, type RecordView, toRecordView } from "../services/records.ts";
import { deliverOwedAlerts } from "../store/alert-delivery.ts";
import { type FailureStreak, listStreaks } from "../store/alerts.ts";
import * as approvalStore from "../store/approvals.ts";
import * as bulkRetry from "../store/bulk-retry.ts";
import type { TenantStoreStub } from "../store/client.ts";
import * as ledger from "../store/deliveries.ts";
import * as eventTypeStore from "../store/event-types.ts";
import { eventRow } from "../store/events.ts";
import * as failureGroups from "../store/failure-groups.ts";
import * as jobStore from "../store/jobs.ts";
import { limitSettings } from "../store/limits.ts";
import * as notificationStore from "../store/notifications.ts";
import * as outboxStore from "../store/outbox.ts";
import { listRecordVersionRows, type RecordVersionRow } from "../store/record-versions.ts";
import * as recordStore from "../store/records.ts";
import { noteRetry, type RunHistoryRow, runHistoryOf } from "../store/run-history.ts";
import { type OwedEntry, RunLogType } from "../store/run-log.ts";
import * as taskStore from "../store/tasks.ts";
import * as waitStore from "../store/waits.ts";
import { StoreCredentials } from "./store-credentials.ts";

export type { IngestOptions, IngestReply } from "./store-core.ts";
export { LIVE_REFRESH_MS } from "./store-core.ts";

/**
 * One per tenant: the tenant's data plane (DESIGN.md), in the object's own
 * SQLite storage. StoreCore (store-core.ts) holds events, matching, the runs
 * index, the run log and its archive, retention and the alarm; this class
 * adds the doors to the effects runs and people write: records, tasks,
 * notifications, the outbox, approvals, the delivery ledger and event
 * types. Every door takes the tenant and delegates to a module in store/.
 */
export class TenantStore extends StoreCredentials {
  // ── Effects: records, tasks, notifications, outbox, approvals, ledger ──
  // (store/records.ts, store/tasks.ts, … hold the queries; these are the doors.)

  async getRecord(tenantId: string, type: string, id: string): Promise<RecordView | null> {
    this.tenant(tenantId);
    const row = recordStore.getRecordRow(this.db, tenantId, type, id);
    return row ? toRecordView(row) : null;
  }

  /** By id; fetches limit + 1. */
  async listRecords(
    tenantId: string,
    type: string,
    q: { limit: number; after?: string | undefined },
  ): Promise<RecordView[]> {
    this.tenant(tenantId);
    return recordStore.listRecordRows(this.db, tenantId, type, q).map(toRecordView);
  }

  /** A record's versions, newest first (store/record-versions.ts); fetches limit + 1. */
  async listRecordVersions(
    tenantId: string,
    type: string,
    id: string,
    q: { limit: number; before?: number | undefined },
  ): Promise<RecordVersionRow[]> {
    this.tenant(tenantId);
    return listRecordVersionRows(this.db, tenantId, type, id, q);
  }

  /** The record types in use, by name; fetches limit + 1. */
  async listRecordTypes(
    tenantId: string,
    q: { limit: number; after?: string | undefined },
  ): Promise<{ type: string; records: number; updatedAt: string | null }[]> {
    this.tenant(tenantId);
    return recordStore.listRecordTypeRows(this.db, tenantId, q);
  }

  /**
   * A record write from the API: takes the tenant's `records` limit, then
   * stores the record and its change event (source `record`, root
   * causation) in one transaction, and queues the event for matching like `ingest`.
   * An unchanged write stores and emits nothing.
   */
  async putRecord(
    tenantId: string,
    input: recordStore.RecordWrite,
  ): Promise<recordStore.RecordWriteReply> {
    this.tenant(tenantId);
    const now = Date.now();
    const taken = this.limits.take("records", limitSettings(this.env.SWITCHYARD_RATE_LIMITS), now);
    if (!taken.ok) return { ok: false, reason: "rate_limited", retryAfterMs: taken.retryAfterMs };
    const at = new Date(now).toISOString();
    const result = recordStore.writeRecord(
      this.db,
      tenantId,
      { ...input, at },
      {
        mustExist: input.mode === "merge",
        actor: input.actor,
        eventRow: (e) =>
          eventRow(
            tenantId,
            { type: e.type, data: e.data, changes: e.changes, source: "record" },
            at,
            taken.lane,
          ),
      },
    );
    if (result.status === "not_found") return { ok: false, reason: "not_found" };
    if (result.status !== "written") throw new Error("a write without a key cannot be a replay");
    if (result.stored) {
      this.announce([result.stored]);
      this.notes.note(this.db, tenantId, result.stored.type, result.event?.data, at, now);
    }
    return { ok: true, record: result.record, created: result.plan.created };
  }

  /**
   * update_record's write, once per idempotency key: the record and its
   * marker commit together, and a replay returns the first result. The
   * change's event is returned, not stored: the run emits it.
   */
  async updateRecord(
    tenantId: string,
    input: { type: string; id: string; fields: Record<string, unknown>; at: string },
    idempotencyKey: string,
  ): Promise<MarkedResult> {
    this.tenant(tenantId);
    const result = recordStore.writeRecord(
      this.db,
      tenantId,
      { ...input, mode: "merge" },
      { idempotencyKey },
    );
    let marked: MarkedResult;
    switch (result.status) {
      case "replayed":
        marked = result.result;
        break;
      case "written":
        marked = {
          output: {
            type: input.type,
            id: input.id,
            version: result.plan.version,
            changed: result.plan.changed,
          },
          events: result.event ? [result.event] : [],
        };
        break;
      case "not_found":
        throw new Error("update_record creates missing records");
    }
    // The run log records the change (once per step: a replay writes the
    // same entry id, so a crash between the write and this completes it).
    const out = marked.output as { version: number; changed: string[] };
    if (out.changed.length > 0) {
      const [runId, stepId] = idempotencyKey.split(":");
      await this.appendLog(tenantId, [
        {
          id: `au_rec_${idempotencyKey}`,
          type: RunLogType.recordChanged,
          actor: { type: "system", id: `run:${runId}` },
          subject: `${input.type}/${input.id}`,
          details: { version: out.version, changed: out.changed, runId, stepId },
        },
      ]);
    }
    return marked;
  }

  /** A task, once per idempotency key (create_task). */
  async createTask(tenantId: string, row: taskStore.TaskRow): Promise<taskStore.TaskRow> {
    this.tenant(tenantId);
    return taskStore.insertTaskOnce(this.db, { ...row, tenantId });
  }

  async getTask(tenantId: string, id: string): Promise<taskStore.TaskRow | null> {
    this.tenant(tenantId);
    return taskStore.getTaskRow(this.db, tenantId, id) ?? null;
  }

  /** Newest first; fetches limit + 1. */
  async listTasks(tenantId: string, q: taskStore.TaskListQuery): Promise<taskStore.TaskRow[]> {
    this.tenant(tenantId);
    return taskStore.listTaskRows(this.db, tenantId, q);
  }

  /** The task after the change, or null when there is none. */
  async setTaskStatus(
    tenantId: string,
    id: string,
    status: taskStore.TaskStatus,
    at: string,
  ): Promise<taskStore.TaskRow | null> {
    this.tenant(tenantId);
    return taskStore.setTaskStatus(this.db, tenantId, id, status, at) ?? null;
  }

  /** A notification, once per idempotency key (notify_user). */
  async createNotification(
    tenantId: string,
    row: notificationStore.NotificationRow,
  ): Promise<notificationStore.NotificationRow> {
    this.tenant(tenantId);
    return notificationStore.insertNotificationOnce(this.db, { ...row, tenantId });
  }

  async getNotification(
    tenantId: string,
    id: string,
  ): Promise<notificationStore.NotificationRow | null> {
    this.tenant(tenantId);
    return notificationStore.getNotificationRow(this.db, tenantId, id) ?? null;
  }

  /** Newest first; fetches limit + 1. */
  async listNotifications(
    tenantId: string,
    q: notificationStore.NotificationListQuery,
  ): Promise<notificationStore.NotificationRow[]> {
    this.tenant(tenantId);
    return notificationStore.listNotificationRows(this.db, tenantId, q);
  }

  async markNotificationRead(tenantId: string, id: string): Promise<void> {
    this.tenant(tenantId);
    notificationStore.markNotificationRead(this.db, tenantId, id);
  }

  // ── Open waits (store/waits.ts) ──

  /**
   * A run's wait opened (its openWait command; a replay changes nothing):
   * answers the events that came before it opened and may resume it.
   */
  async openWait(tenantId: string, w: waitStore.OpenWait): Promise<EventEnvelope[]> {
    this.tenant(tenantId);
    return waitStore.openWait(this.db, tenantId, w, Date.now());
  }

  /** A run's wait ended (resumed, timed out, cancelled). */
  async closeWait(tenantId: string, runId: string, stepId: string): Promise<void> {
    this.tenant(tenantId);
    waitStore.closeWait(this.db, runId, stepId);
  }

  /** By when they opened; fetches limit + 1. */
  async listWaits(
    tenantId: string,
    q: Parameters<typeof waitStore.listWaits>[1],
  ): Promise<waitStore.WaitView[]> {
    this.tenant(tenantId);
    return waitStore.listWaits(this.db, q);
  }

  async getWait(
    tenantId: string,
    runId: string,
    stepId: string,
  ): Promise<waitStore.WaitView | null> {
    this.tenant(tenantId);
    return waitStore.getWait(this.db, runId, stepId);
  }

  /** A message of the built-in provider, once per idempotency key, ever. */
  async storeMessage(tenantId: string, row: outboxStore.OutboxRow): Promise<outboxStore.OutboxRow> {
    this.tenant(tenantId);
    return this.commits.run(() => outboxStore.insertMessageOnce(this.db, { ...row, tenantId }));
  }

  /** Newest first; fetches limit + 1. */
  async listOutbox(
    tenantId: string,
    q: outboxStore.OutboxListQuery,
  ): Promise<outboxStore.OutboxRow[]> {
    this.tenant(tenantId);
    return outboxStore.listOutboxRows(this.db, tenantId, q);
  }

  /** request_approval: the approval, once per run and step. */
  async openApproval(
    tenantId: string,
    approval: approvalStore.ApprovalRow,
  ): Promise<approvalStore.ApprovalRow> {
    this.tenant(tenantId);
    return approvalStore.openApproval(this.db, { ...approval, tenantId });
  }

  async getApproval(tenantId: string, id: string): Promise<approvalStore.ApprovalRow | null> {
    this.tenant(tenantId);
    return approvalStore.getApprovalRow(this.db, tenantId, id) ?? null;
  }

  /** Newest first; fetches limit + 1. */
  async listApprovals(
    tenantId: string,
    q: approvalStore.ApprovalListQuery,
  ): Promise<approvalStore.ApprovalRow[]> {
    this.tenant(tenantId);
    return approvalStore.listApprovalRows(this.db, tenantId, q);
  }

  /**
   * Records a decision the run has accepted (call the run first) and closes
   * the approver's task. Null when the approval was not pending.
   */
  async decideApproval(
    tenantId: string,
    id: string,
    decision: approvalStore.Decision,
  ): Promise<approvalStore.ApprovalRow | null> {
    this.tenant(tenantId);
    return approvalStore.decideApproval(this.db, tenantId, id, decision) ?? null;
  }

  /**
   * Entries a run owes the run log (a retry, a cancel, an approval's
   * decision), each with what it records here: an approval's decision
   * commits in the same transaction as its entry. Safe to repeat (the
   * entry ids are fixed when the run stores them; a decided approval stays
   * as it is), so the run delivers them until this succeeds.
   */
  async recordOwed(tenantId: string, owed: OwedEntry[]): Promise<void> {
    await this.appendLog(
      tenantId,
      owed.map((o) => o.entry),
      (tx) => {
        const at = new Date().toISOString();
        for (const o of owed) noteRetry(tx, tenantId, o.entry, at);
        for (const o of owed) {
          if (!o.approval) continue;
          const { id, ...decision } = o.approval;
          approvalStore.decideApproval(tx, tenantId, id, decision);
        }
      },
    );
  }

  /**
   * The engine's `closeApproval` command: the wait ended without a decision
   * (expired, cancelled). Closes the approval while it is pending, and its
   * approver's task, together; true when it was pending. Safe to repeat.
   */
  async closeApproval(
    tenantId: string,
    runId: string,
    stepId: string,
    status: "expired" | "cancelled",
    at: string,
  ): Promise<boolean> {
    this.tenant(tenantId);
    return approvalStore.closeApproval(this.db, tenantId, runId, stepId, status, at);
  }

  /** The delivery ledger: what was sent under this key through an external provider. */
  async recordedDelivery(
    tenantId: string,
    idempotencyKey: string,
  ): Promise<ledger.SentMessage | null> {
    this.tenant(tenantId);
    return ledger.recordedDelivery(this.db, tenantId, idempotencyKey);
  }

  async recordDelivery(tenantId: string, row: ledger.DeliveryRow): Promise<void> {
    this.tenant(tenantId);
    ledger.recordDelivery(this.db, { ...row, tenantId });
  }

  /** Marks a message `sending` before a provider without an idempotency key is called. */
  async beginDelivery(
    tenantId: string,
    row: {
      idempotencyKey: string;
      channel: ledger.DeliveryChannel;
      provider: string;
      createdAt: string;
    },
  ): Promise<ledger.Begun> {
    this.tenant(tenantId);
    return ledger.beginDelivery(this.db, { ...row, tenantId });
  }

  /** The provider answered no: the `sending` mark goes, so a retry may send. */
  async abandonDelivery(tenantId: string, idempotencyKey: string): Promise<void> {
    this.tenant(tenantId);
    ledger.abandonDelivery(this.db, tenantId, idempotencyKey);
  }

  /** By type name; fetches limit + 1. */
  async listEventTypes(
    tenantId: string,
    q: { limit: number; after?: string | undefined },
  ): Promise<eventTypeStore.EventTypeRow[]> {
    this.tenant(tenantId);
    return eventTypeStore.listEventTypeRows(this.db, tenantId, q);
  }

  async declareEventType(
    tenantId: string,
    type: string,
    declaration: eventTypeStore.Declaration,
    at: string,
  ): Promise<eventTypeStore.EventTypeRow> {
    this.tenant(tenantId);
    return eventTypeStore.declareEventType(this.db, tenantId, type, declaration, at);
  }

  /** Declares the types not seen or declared yet (the demo's seed); returns those. */
  async declareNewEventTypes(
    tenantId: string,
    types: { type: string; sample: Record<string, unknown> }[],
    at: string,
  ): Promise<string[]> {
    this.tenant(tenantId);
    return eventTypeStore.declareNewEventTypes(this.db, tenantId, types, at);
  }

  /** Failure alerts the runs index owes (store/alerts.ts), delivered from here. */
  protected override async deliverAlerts(tenantId: string): Promise<void> {
    await deliverOwedAlerts(
      { env: this.env, db: this.db, store: this as unknown as TenantStoreStub },
      tenantId,
    );
  }

  /** Every workflow failing now, with its streak (the workflow list shows them). */
  async failingWorkflows(tenantId: string): Promise<FailureStreak[]> {
    this.tenant(tenantId);
    return listStreaks(this.db, tenantId);
  }

  /** A run's ends and retries, oldest first (store/run-history.ts). */
  async runHistory(tenantId: string, runId: string): Promise<RunHistoryRow[]> {
    this.tenant(tenantId);
    return runHistoryOf(this.db, tenantId, runId);
  }

  /** Liveness and storage check, used by the binding tests. */
  // ── Bulk retry, jobs and failure groups (issue 16; store/bulk-retry.ts, jobs.ts, failure-groups.ts) ──

  /** The failed runs a bulk retry's selection names, oldest first (only the count above `cap`). */
  async selectFailedRuns(
    tenantId: string,
    sel: bulkRetry.RetrySelection,
    cap?: number,
  ): Promise<{ count: number; runs: bulkRetry.SelectedRun[] }> {
    this.tenant(tenantId);
    return bulkRetry.selectFailedRuns(this.db, tenantId, sel, cap);
  }

  /** The planned effects (by idempotency key) already recorded: a retry will not fire them again. */
  async recordedEffects(tenantId: string, planned: bulkRetry.PlannedEffect[]): Promise<string[]> {
    this.tenant(tenantId);
    return [...bulkRetry.recordedEffects(this.db, tenantId, planned)];
  }

  /** The failure groups with runs failed now, largest first. */
  async failureGroups(
    tenantId: string,
    q: failureGroups.FailureGroupQuery,
  ): Promise<failureGroups.FailureGroupView[]> {
    this.tenant(tenantId);
    return failureGroups.listFailureGroups(this.db, tenantId, q);
  }

  /** Stores a job with its runs and arms the alarm that drives it. */
  async startJob(tenantId: string, job: jobStore.NewJob): Promise<jobStore.JobView> {
    this.tenant(tenantId);
    jobStore.insertJob(this.db, tenantId, job);
    this.arm(job.now);
    return jobStore.jobView(this.db, jobStore.getJobRow(this.db, tenantId, job.id)!);
  }

  async getJob(tenantId: string, id: string): Promise<jobStore.JobView | null> {
    this.tenant(tenantId);
    const row = jobStore.getJobRow(this.db, tenantId, id);
    return row ? jobStore.jobView(this.db, row) : null;
  }

  /** Newest first; fetches limit + 1. */
  async listJobs(
    tenantId: string,
    q: { limit: number; after?: { createdAt: string; id: string } | null | undefined },
  ): Promise<jobStore.JobView[]> {
    this.tenant(tenantId);
    return jobStore.listJobRows(this.db, tenantId, q).map((r) => jobStore.jobView(this.db, r));
  }

  /** Cancels a queued or running job; `finished` when it had ended, null when there is none. */
  async cancelJob(
    tenantId: string,
    id: string,
  ): Promise<{ result: "cancelled" | "finished"; job: jobStore.JobView } | null> {
    this.tenant(tenantId);
    const result = jobStore.cancelJob(this.db, tenantId, id, new Date().toISOString());
    if (result === "missing") return null;
    return { result, job: jobStore.jobView(this.db, jobStore.getJobRow(this.db, tenantId, id)!) };
  }

  async ping(): Promise<{ ok: true; storage: "sqlite" }> {
    this.ctx.storage.sql.exec("SELECT 1");
    return { ok: true, storage: "sqlite" };
  }
}
