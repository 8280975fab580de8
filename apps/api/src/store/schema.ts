import {
  index,
  integer,
  primaryKey,
  sqliteTable,
  text,
  uniqueIndex,
} from "drizzle-orm/sqlite-core";

// The schema of a tenant's store (durable-objects/tenant-store.ts): the
// data plane. One TenantStore object per tenant (or per shard of a tenant)
// holds these tables in its own SQLite storage; the shared D1 keeps only
// the control plane (db/schema.ts). Rows keep `tenant_id` so that a store
// split into shards, or a misrouted call, can never mix tenants.
// store/migrations.ts creates them; this file must say the same.

export const events = sqliteTable(
  "events",
  {
    tenantId: text("tenant_id").notNull(),
    id: text("id").notNull(),
    type: text("type").notNull(),
    data: text("data").notNull(),
    /** Record events: `{ field: { old, new } }` for the changed fields. */
    changes: text("changes"),
    occurredAt: text("occurred_at").notNull(),
    receivedAt: text("received_at").notNull(),
    /** `api`, `webhook:<sourceId>`, `record`, `run:<runId>`, `test`. */
    source: text("source").notNull(),
    status: text("status", { enum: ["accepted", "matched", "failed"] }).notNull(),
    matchedAt: text("matched_at"),
    causation: text("causation").notNull(),
    /** A test event reaches only this workflow (POST /v1/workflows/:id/runs). */
    onlyWorkflowId: text("only_workflow_id"),
    onlyVersion: integer("only_version"),
    /** The test run's definition (a draft may be tested), JSON. */
    onlyDefinition: text("only_definition"),
    /** The lane its work takes (`main` | `bulk`). */
    lane: text("lane").notNull().default("main"),
    error: text("error"),
    /** Times the store's alarm tried to match it again. */
    resends: integer("resends").notNull().default(0),
    /** When the alarm next tries it while it is still `accepted` (epoch ms). */
    retryAt: integer("retry_at"),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    index("events_unmatched").on(t.status, t.retryAt),
    index("events_type").on(t.tenantId, t.type, t.receivedAt),
  ],
);

export const eventTypes = sqliteTable(
  "event_types",
  {
    tenantId: text("tenant_id").notNull(),
    type: text("type").notNull(),
    schema: text("schema"),
    sample: text("sample"),
    declared: integer("declared", { mode: "boolean" }).notNull(),
    lastSeenAt: text("last_seen_at"),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.type] })],
);

export const runs = sqliteTable(
  "runs",
  {
    tenantId: text("tenant_id").notNull(),
    id: text("id").notNull(),
    workflowId: text("workflow_id").notNull(),
    workflowVersion: integer("workflow_version").notNull(),
    eventId: text("event_id").notNull(),
    status: text("status").notNull(),
    test: integer("test", { mode: "boolean" }).notNull(),
    startedAt: text("started_at"),
    finishedAt: text("finished_at"),
    causation: text("causation").notNull(),
    filter: text("filter"),
    suppression: text("suppression"),
    error: text("error"),
    /** The DO's checkpoint number: index updates only move forward. */
    seq: integer("seq").notNull(),
    /** 1 when a WorkflowRun object holds the run's steps; 0 when it ended at matching. */
    hasObject: integer("has_object", { mode: "boolean" }).notNull(),
    /** The steps of a run that ended at matching (filtered, suppressed), JSON. */
    steps: text("steps"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    /** While the run is failed: its failure group (`fg_<hash>`, store/failure-groups.ts); null otherwise. */
    errorGroup: text("error_group"),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex("runs_event_workflow").on(t.tenantId, t.eventId, t.workflowId),
    index("runs_tenant_created").on(t.tenantId, t.createdAt),
    index("runs_workflow").on(t.tenantId, t.workflowId, t.createdAt),
    index("runs_error_group").on(t.tenantId, t.errorGroup, t.createdAt),
  ],
);

/** Exactly-once markers for effects we own: written in the effect's batch. */
export const effects = sqliteTable(
  "effects",
  {
    tenantId: text("tenant_id").notNull(),
    idempotencyKey: text("idempotency_key").notNull(),
    result: text("result").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.idempotencyKey] })],
);

export const records = sqliteTable(
  "records",
  {
    tenantId: text("tenant_id").notNull(),
    type: text("type").notNull(),
    id: text("id").notNull(),
    fields: text("fields").notNull(),
    version: integer("version").notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.type, t.id] }),
    index("records_list").on(t.tenantId, t.type, t.updatedAt),
  ],
);

export const tasks = sqliteTable(
  "tasks",
  {
    tenantId: text("tenant_id").notNull(),
    id: text("id").notNull(),
    title: text("title").notNull(),
    description: text("description"),
    assignee: text("assignee").notNull(),
    due: text("due"),
    status: text("status", { enum: ["open", "done"] }).notNull(),
    runId: text("run_id"),
    stepId: text("step_id"),
    idempotencyKey: text("idempotency_key"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex("tasks_key").on(t.tenantId, t.idempotencyKey),
    index("tasks_list").on(t.tenantId, t.status, t.createdAt),
  ],
);

export const notifications = sqliteTable(
  "notifications",
  {
    tenantId: text("tenant_id").notNull(),
    id: text("id").notNull(),
    user: text("user").notNull(),
    message: text("message").notNull(),
    link: text("link"),
    read: integer("read", { mode: "boolean" }).notNull(),
    runId: text("run_id"),
    stepId: text("step_id"),
    idempotencyKey: text("idempotency_key"),
    createdAt: text("created_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex("notifications_key").on(t.tenantId, t.idempotencyKey),
    index("notifications_list").on(t.tenantId, t.user, t.createdAt),
  ],
);

/** Messages of the built-in email/SMS provider: one per idempotency key, ever. */
export const outbox = sqliteTable(
  "outbox",
  {
    tenantId: text("tenant_id").notNull(),
    id: text("id").notNull(),
    channel: text("channel", { enum: ["email", "sms"] }).notNull(),
    to: text("to").notNull(),
    subject: text("subject"),
    body: text("body").notNull(),
    /** Email only. */
    cc: text("cc"),
    replyTo: text("reply_to"),
    runId: text("run_id"),
    stepId: text("step_id"),
    idempotencyKey: text("idempotency_key").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex("outbox_key").on(t.tenantId, t.idempotencyKey),
    index("outbox_list").on(t.tenantId, t.channel, t.createdAt),
  ],
);

/** One fact on an approval request: "Amount" → "12500". */
export interface ApprovalSummaryLine {
  label: string;
  value: string;
}

export const approvals = sqliteTable(
  "approvals",
  {
    tenantId: text("tenant_id").notNull(),
    id: text("id").notNull(),
    runId: text("run_id").notNull(),
    stepId: text("step_id").notNull(),
    workflowId: text("workflow_id").notNull(),
    title: text("title").notNull(),
    description: text("description"),
    approver: text("approver").notNull(),
    status: text("status", {
      enum: ["pending", "approved", "rejected", "expired", "cancelled"],
    }).notNull(),
    decidedBy: text("decided_by"),
    decidedAt: text("decided_at"),
    comment: text("comment"),
    expiresAt: text("expires_at").notNull(),
    createdAt: text("created_at").notNull(),
    /** The facts to decide on, as the step rendered them; null before issue 14 and when none were chosen. */
    summary: text("summary", { mode: "json" }).$type<ApprovalSummaryLine[]>(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex("approvals_step").on(t.tenantId, t.runId, t.stepId),
    index("approvals_list").on(t.tenantId, t.status, t.createdAt),
  ],
);

/** Deliveries through external providers: a recorded success is never sent again. */
export const deliveries = sqliteTable(
  "deliveries",
  {
    tenantId: text("tenant_id").notNull(),
    idempotencyKey: text("idempotency_key").notNull(),
    /** `chat`: Slack and Teams posts (issue 17), which no provider de-duplicates. */
    channel: text("channel", { enum: ["email", "sms", "chat"] }).notNull(),
    provider: text("provider").notNull(),
    /** `sending`: handed to a provider without an idempotency key, no answer yet. */
    status: text("status", { enum: ["sending", "sent"] })
      .notNull()
      .default("sent"),
    /** Null while `sending`. */
    providerMessageId: text("provider_message_id"),
    createdAt: text("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.idempotencyKey] })],
);

/** The tenant's live workflow versions, refreshed from D1 on every change. */
export const liveWorkflows = sqliteTable(
  "live_workflows",
  {
    workflowId: text("workflow_id").primaryKey(),
    version: integer("version").notNull(),
    triggerEvent: text("trigger_event").notNull(),
    definition: text("definition").notNull(),
    /** The workflow its failed runs' `workflow.failed` event goes to (its settings). */
    onFailure: text("on_failure"),
    /** Its auto-pause threshold (`{ failures, minutes }` JSON, its settings); null: never. */
    autoPause: text("auto_pause"),
  },
  (t) => [index("live_workflows_trigger").on(t.triggerEvent)],
);

/** Small facts about the store itself (the tenant it serves, when the index was read). */
export const storeMeta = sqliteTable("store_meta", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
});

/**
 * The run log: a hash-chained log of what runs record (store/run-log.ts).
 * `seq` is the chain's order; `archived_in` the D1 segment holding a copy.
 */
export const runLog = sqliteTable(
  "run_log",
  {
    seq: integer("seq").primaryKey(),
    id: text("id").notNull(),
    tenantId: text("tenant_id").notNull(),
    at: text("at").notNull(),
    actorType: text("actor_type").notNull(),
    actorId: text("actor_id").notNull(),
    type: text("type").notNull(),
    subject: text("subject").notNull(),
    details: text("details").notNull(),
    prevHash: text("prev_hash").notNull(),
    hash: text("hash").notNull(),
    archivedIn: text("archived_in"),
  },
  (t) => [
    uniqueIndex("run_log_id").on(t.id),
    index("run_log_at").on(t.at, t.seq),
    index("run_log_archive").on(t.archivedIn, t.seq),
  ],
);

/** Each finished run's compact audit record, until it is archived to D1. */
export const runAudit = sqliteTable(
  "run_audit",
  {
    n: integer("n").primaryKey({ autoIncrement: true }),
    /** `<runId>:<checkpoint>`: a run retried and finished again has a second record. */
    id: text("id").notNull(),
    tenantId: text("tenant_id").notNull(),
    at: text("at").notNull(),
    record: text("record").notNull(),
    archivedIn: text("archived_in"),
  },
  (t) => [uniqueIndex("run_audit_id").on(t.id), index("run_audit_archive").on(t.archivedIn, t.n)],
);

/** Segments planned for D1: written again until D1 has them (idempotently, by id). */
export const archiveSegments = sqliteTable("archive_segments", {
  id: text("id").primaryKey(),
  /** The row for D1's run_audit_segments, as JSON. */
  row: text("row").notNull(),
  createdAt: text("created_at").notNull(),
});

/** Runs started per originating event, for the fan-out budget (store/matching.ts). */
export const fanOut = sqliteTable("fan_out", {
  originEventId: text("origin_event_id").primaryKey(),
  runs: integer("runs").notNull(),
  firstAt: text("first_at").notNull(),
});

/**
 * A workflow failing now (issue 14): its streak of failed runs since the
 * last success. The first failure owes an alert, the next ones only count,
 * the first success ends the streak and owes the recovery.
 */
export const failureStreaks = sqliteTable(
  "failure_streaks",
  {
    tenantId: text("tenant_id").notNull(),
    workflowId: text("workflow_id").notNull(),
    since: text("since").notNull(),
    failedRuns: integer("failed_runs").notNull(),
    firstRunId: text("first_run_id").notNull(),
    lastRunId: text("last_run_id").notNull(),
    lastFailedAt: text("last_failed_at").notNull(),
    /** The last failure's step name and error message, for the workflow list. */
    lastStep: text("last_step"),
    lastError: text("last_error"),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.workflowId] })],
);

/**
 * Alerts decided with a run's end, in the same transaction, and delivered
 * after it (notifications, emails) until delivered: a crash in between
 * delivers them again, each message once per idempotency key.
 */
export const owedAlerts = sqliteTable("owed_alerts", {
  id: text("id").primaryKey(),
  tenantId: text("tenant_id").notNull(),
  /** JSON: the alert (store/alerts.ts `Alert`). */
  alert: text("alert").notNull(),
  createdAt: text("created_at").notNull(),
});

/**
 * A run's history (issue 14): each time it ended failed or succeeded, and
 * each retry (who, from which version to which), so a run retried into
 * success still shows that it failed, when and why. Purged with run history.
 */
export const runHistory = sqliteTable(
  "run_history",
  {
    tenantId: text("tenant_id").notNull(),
    /** `<runId>:<seq>` for an end; the run-log entry's id for a retry. */
    id: text("id").notNull(),
    runId: text("run_id").notNull(),
    at: text("at").notNull(),
    kind: text("kind", { enum: ["failed", "succeeded", "retried"] }).notNull(),
    /** The version it ran on (an end) or moved to (a retry). */
    version: integer("version"),
    /** JSON: an end's `{ step, error }`, a retry's `{ actor, fromVersion }`. */
    details: text("details").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    index("run_history_run").on(t.tenantId, t.runId, t.at),
  ],
);

/**
 * A record's history (issue 14): one row per version a write made, with
 * who made it (a run's step, a person, an API key) and the changed fields'
 * old and new values. Written in the record write's own transaction.
 */
export const recordVersions = sqliteTable(
  "record_versions",
  {
    tenantId: text("tenant_id").notNull(),
    type: text("type").notNull(),
    recordId: text("record_id").notNull(),
    version: integer("version").notNull(),
    at: text("at").notNull(),
    /** JSON: `{ type: "run", runId, stepId }` or `{ type: "user" | "api_key" | …, id }`. */
    actor: text("actor").notNull(),
    /** JSON: `{ "<field>": { old, new } }`, the changed fields only. */
    changes: text("changes").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.type, t.recordId, t.version] }),
    index("record_versions_at").on(t.at),
  ],
);

/**
 * Auto-pause (issue 14): the recent failed runs of each workflow that has a
 * threshold, pruned to its window; cleared when it is paused, so turning it
 * back on counts afresh.
 */
export const pauseFailures = sqliteTable(
  "pause_failures",
  {
    workflowId: text("workflow_id").notNull(),
    runId: text("run_id").notNull(),
    at: text("at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.workflowId, t.runId] }),
    index("pause_failures_at").on(t.workflowId, t.at),
  ],
);

/**
 * Pauses decided by the store and not yet written to D1: the live copy
 * leaves these workflows out until D1 says they are disabled.
 */
export const pendingPauses = sqliteTable("pending_pauses", {
  workflowId: text("workflow_id").primaryKey(),
  at: text("at").notNull(),
});

/**
 * Schedule triggers (issue 15): one row per live scheduled workflow, what
 * its alarm decided and what comes next (store/schedules.ts). Times are
 * milliseconds since the epoch.
 */
export const schedules = sqliteTable(
  "schedules",
  {
    workflowId: text("workflow_id").primaryKey(),
    version: integer("version").notNull(),
    spec: text("spec").notNull(),
    timezone: text("timezone").notNull(),
    cursor: integer("cursor").notNull(),
    nextNominal: integer("next_nominal"),
    nextAt: integer("next_at"),
    lastNominal: integer("last_nominal"),
    lastEventId: text("last_event_id"),
    buffered: integer("buffered"),
  },
  (t) => [index("schedules_next_at").on(t.nextAt)],
);

/**
 * Open waits (issue 15, part 3): a waitFor step of a run waiting for an
 * event, one row per event type it waits for, indexed by its keys
 * (store/waits.ts). Written when the run's wait opens, removed when it
 * ends; times are milliseconds since the epoch.
 */
export const waits = sqliteTable(
  "waits",
  {
    tenantId: text("tenant_id").notNull(),
    runId: text("run_id").notNull(),
    stepId: text("step_id").notNull(),
    eventType: text("event_type").notNull(),
    workflowId: text("workflow_id").notNull(),
    /** Every type the step waits for, JSON. */
    events: text("events").notNull(),
    match: text("match"),
    /** Key values by event path, JSON (`{}`: unkeyed). */
    keys: text("keys").notNull(),
    /** The key paths, sorted, joined by newlines ("" when unkeyed). */
    keyPaths: text("key_paths").notNull(),
    /** The key values' canonical JSON ("" when unkeyed). */
    keyHash: text("key_hash").notNull(),
    deadline: integer("deadline").notNull(),
    openedAt: integer("opened_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.runId, t.stepId, t.eventType] }),
    index("waits_key").on(t.eventType, t.keyPaths, t.keyHash),
    index("waits_workflow").on(t.workflowId, t.openedAt),
  ],
);

/**
 * Metrics (issue 16, item 5; store/metrics.ts): per workflow and UTC hour,
 * the runs that ended there (by their finish) and a fixed log-spaced
 * histogram of their durations, upserted in the transaction that writes a
 * run's final index row. Read views sum at most 720 hourly rows (30 days);
 * rows older than 31 days are purged with the store's retention pass.
 */
export const metricHours = sqliteTable(
  "metric_hours",
  {
    tenantId: text("tenant_id").notNull(),
    workflowId: text("workflow_id").notNull(),
    /** Hours since the epoch (UTC): floor(finishedAt ms / 3,600,000). */
    hour: integer("hour").notNull(),
    succeeded: integer("succeeded").notNull(),
    failed: integer("failed").notNull(),
    /** Cancelled runs: counted apart, never in succeeded/failed or the durations. */
    cancelled: integer("cancelled").notNull(),
    /** JSON array of counts per duration bin (store/metrics.ts BOUNDS). */
    hist: text("hist").notNull(),
    minMs: integer("min_ms"),
    maxMs: integer("max_ms"),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.workflowId, t.hour] }),
    index("metric_hours_hour").on(t.hour),
  ],
);

/** The same per (workflow, step, hour): the steps that finished in runs ending that hour. */
export const metricSteps = sqliteTable(
  "metric_steps",
  {
    tenantId: text("tenant_id").notNull(),
    workflowId: text("workflow_id").notNull(),
    hour: integer("hour").notNull(),
    stepId: text("step_id").notNull(),
    runs: integer("runs").notNull(),
    failed: integer("failed").notNull(),
    hist: text("hist").notNull(),
    minMs: integer("min_ms"),
    maxMs: integer("max_ms"),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.workflowId, t.hour, t.stepId] }),
    index("metric_steps_hour").on(t.hour),
  ],
);

/**
 * Failure groups (issue 16, item 3): one row per signature (workflow, failed
 * step without its loop index, error code, normalised message), upserted
 * when a run fails (store/failure-groups.ts). How many runs are failed with
 * it now is counted from the runs index (runs.error_group), never kept here.
 */
export const failureGroups = sqliteTable(
  "failure_groups",
  {
    tenantId: text("tenant_id").notNull(),
    id: text("id").notNull(),
    workflowId: text("workflow_id").notNull(),
    stepId: text("step_id").notNull(),
    action: text("action"),
    code: text("code").notNull(),
    message: text("message").notNull(),
    /** One real message of the group (the latest). */
    example: text("example").notNull(),
    sampleRunId: text("sample_run_id").notNull(),
    firstSeen: text("first_seen").notNull(),
    lastSeen: text("last_seen").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    index("failure_groups_step").on(t.tenantId, t.stepId),
  ],
);

/** Tracked jobs (issue 16, item 2): a bulk retry, driven by the store's alarm (store/jobs.ts). */
export const jobs = sqliteTable(
  "jobs",
  {
    tenantId: text("tenant_id").notNull(),
    id: text("id").notNull(),
    kind: text("kind").notNull(),
    status: text("status").notNull(),
    /** The request's body, JSON. */
    selection: text("selection").notNull(),
    /** The version each run moves to: JSON `{ "<workflowId>": n }`; a workflow not named keeps each run's own. */
    targets: text("targets").notNull(),
    total: integer("total").notNull(),
    done: integer("done").notNull(),
    failed: integer("failed").notNull(),
    skipped: integer("skipped").notNull(),
    /** The actor who started it, JSON `{ "type", "id" }`. */
    createdBy: text("created_by").notNull(),
    createdAt: text("created_at").notNull(),
    finishedAt: text("finished_at"),
    /** When the next pass may start (ms): the throttle. */
    nextAt: integer("next_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    index("jobs_created").on(t.tenantId, t.createdAt),
    index("jobs_status").on(t.status, t.nextAt),
  ],
);

/** A job's runs in the order it takes them, each with its outcome once taken. */
export const jobRuns = sqliteTable(
  "job_runs",
  {
    tenantId: text("tenant_id").notNull(),
    jobId: text("job_id").notNull(),
    position: integer("position").notNull(),
    runId: text("run_id").notNull(),
    /** null until taken; then `retried`, `refused` or `skipped`. */
    outcome: text("outcome"),
    reason: text("reason"),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.jobId, t.position] })],
);

/**
 * Flow control (issue 16, item 1; store/flow.ts): runs waiting to start
 * (state `queued`), debounce slots (`debounce`, due at `until`) and runs
 * marked started whose object has not confirmed (`starting`), with the
 * start (or retry) arguments in `payload`.
 */
export const flowQueue = sqliteTable(
  "flow_queue",
  {
    runId: text("run_id").primaryKey(),
    workflowId: text("workflow_id").notNull(),
    /** FIFO lane: the workflow and its concurrency (or throttle) key. */
    lane: text("lane").notNull(),
    /** Arrival order. */
    seq: integer("seq").notNull(),
    kind: text("kind").notNull(),
    state: text("state").notNull(),
    ckey: text("ckey"),
    climit: integer("climit"),
    tkey: text("tkey"),
    tlimit: integer("tlimit"),
    tperiod: integer("tperiod"),
    dkey: text("dkey"),
    firstAt: integer("first_at"),
    lastAt: integer("last_at"),
    until: integer("until"),
    payload: text("payload").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    index("flow_queue_lane").on(t.lane, t.state, t.seq),
    index("flow_queue_state").on(t.state, t.seq),
    index("flow_queue_debounce").on(t.workflowId, t.dkey),
  ],
);

/** Runs holding a flow slot: started, not ended; `running` for the tenant cap. */
export const flowActive = sqliteTable(
  "flow_active",
  {
    runId: text("run_id").primaryKey(),
    workflowId: text("workflow_id").notNull(),
    /** The concurrency slot (workflow and key); null without concurrency. */
    slot: text("slot"),
    running: integer("running").notNull(),
  },
  (t) => [index("flow_active_slot").on(t.slot), index("flow_active_running").on(t.running)],
);

/** The decisions' numbers: throttle GCRA times, serve marks, counters. */
export const flowMarks = sqliteTable("flow_marks", {
  name: text("name").primaryKey(),
  value: integer("value").notNull(),
});

/**
 * Named HTTP connections (issue 17, item 2; store/connections.ts): where
 * and how to call a system. `auth_public` holds the auth fields that are
 * not secret (a username, an API key's header name, an OAuth client id);
 * `sealed` the credentials, sealed with the tenant's envelope key
 * (store/vault.ts). Health is what the last calls through it said.
 */
export const connections = sqliteTable("connections", {
  name: text("name").primaryKey(),
  description: text("description"),
  baseUrl: text("base_url").notNull(),
  authType: text("auth_type", {
    enum: ["none", "bearer", "basic", "api_key", "oauth2_client_credentials"],
  }).notNull(),
  authPublic: text("auth_public").notNull(),
  sealed: text("sealed"),
  /** Default non-secret headers, JSON. */
  headers: text("headers").notNull(),
  rateLimit: integer("rate_limit"),
  ratePeriodMs: integer("rate_period_ms"),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
  updatedBy: text("updated_by").notNull(),
  lastSuccessAt: text("last_success_at"),
  lastFailureAt: text("last_failure_at"),
  lastError: text("last_error"),
});

/** An OAuth 2 connection's access token (sealed) and until when it is used (ms). */
export const connectionTokens = sqliteTable("connection_tokens", {
  name: text("name").primaryKey(),
  sealed: text("sealed").notNull(),
  useUntil: integer("use_until").notNull(),
  /** The connection's `updated_at` the token was fetched under: a change of credentials voids it. */
  version: text("version").notNull(),
});

/** A connection's rate limit: its GCRA time (ms), shared by every run that calls it. */
export const connectionMarks = sqliteTable("connection_marks", {
  name: text("name").primaryKey(),
  tat: integer("tat").notNull(),
});

/**
 * The tenant's envelope keys (issue 17, store/vault.ts): each version a
 * random 256-bit data key, wrapped (AES-GCM) under the master key derived
 * from SWITCHYARD_ENCRYPTION_KEY. The newest version not retired seals;
 * retired ones still open what they sealed.
 */
export const tenantKeys = sqliteTable("tenant_keys", {
  version: integer("version").primaryKey(),
  wrapped: text("wrapped").notNull(),
  createdAt: text("created_at").notNull(),
  retiredAt: text("retired_at"),
});

/** The tenant's secrets (store/secrets.ts): name → value sealed under key `key_version`. */
export const secrets = sqliteTable(
  "secrets",
  {
    name: text("name").primaryKey(),
    sealed: text("sealed").notNull(),
    keyVersion: integer("key_version").notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    /** The actor (`user:<id>`, `api_key:<id>`) who last set it. */
    updatedBy: text("updated_by").notNull(),
  },
  (t) => [index("secrets_key_version").on(t.keyVersion)],
);
