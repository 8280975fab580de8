// Forward-only schema migrations of a tenant's store, applied inside the
// object before it serves its first call (TenantStore's constructor). Each
// entry runs once, in order, in one transaction with its bookkeeping row;
// never edit one that has shipped: add the next. store/schema.ts describes
// the result for drizzle (the first entry was generated from it with
// drizzle-kit; a test checks that the two agree).

export const STORE_MIGRATIONS: readonly (readonly string[])[] = [
  [
    `CREATE TABLE \`approvals\` (
	\`tenant_id\` text NOT NULL,
	\`id\` text NOT NULL,
	\`run_id\` text NOT NULL,
	\`step_id\` text NOT NULL,
	\`workflow_id\` text NOT NULL,
	\`title\` text NOT NULL,
	\`description\` text,
	\`approver\` text NOT NULL,
	\`status\` text NOT NULL,
	\`decided_by\` text,
	\`decided_at\` text,
	\`comment\` text,
	\`expires_at\` text NOT NULL,
	\`created_at\` text NOT NULL,
	PRIMARY KEY(\`tenant_id\`, \`id\`)
);`,
    `CREATE UNIQUE INDEX \`approvals_step\` ON \`approvals\` (\`tenant_id\`,\`run_id\`,\`step_id\`);`,
    `CREATE INDEX \`approvals_list\` ON \`approvals\` (\`tenant_id\`,\`status\`,\`created_at\`);`,
    `CREATE TABLE \`archive_segments\` (
	\`id\` text PRIMARY KEY NOT NULL,
	\`row\` text NOT NULL,
	\`created_at\` text NOT NULL
);`,
    `CREATE TABLE \`deliveries\` (
	\`tenant_id\` text NOT NULL,
	\`idempotency_key\` text NOT NULL,
	\`channel\` text NOT NULL,
	\`provider\` text NOT NULL,
	\`status\` text DEFAULT 'sent' NOT NULL,
	\`provider_message_id\` text,
	\`created_at\` text NOT NULL,
	PRIMARY KEY(\`tenant_id\`, \`idempotency_key\`)
);`,
    `CREATE TABLE \`effects\` (
	\`tenant_id\` text NOT NULL,
	\`idempotency_key\` text NOT NULL,
	\`result\` text NOT NULL,
	\`created_at\` text NOT NULL,
	PRIMARY KEY(\`tenant_id\`, \`idempotency_key\`)
);`,
    `CREATE TABLE \`event_types\` (
	\`tenant_id\` text NOT NULL,
	\`type\` text NOT NULL,
	\`schema\` text,
	\`sample\` text,
	\`declared\` integer NOT NULL,
	\`last_seen_at\` text,
	\`updated_at\` text NOT NULL,
	PRIMARY KEY(\`tenant_id\`, \`type\`)
);`,
    `CREATE TABLE \`events\` (
	\`tenant_id\` text NOT NULL,
	\`id\` text NOT NULL,
	\`type\` text NOT NULL,
	\`data\` text NOT NULL,
	\`changes\` text,
	\`occurred_at\` text NOT NULL,
	\`received_at\` text NOT NULL,
	\`source\` text NOT NULL,
	\`status\` text NOT NULL,
	\`matched_at\` text,
	\`causation\` text NOT NULL,
	\`only_workflow_id\` text,
	\`only_version\` integer,
	\`only_definition\` text,
	\`lane\` text DEFAULT 'main' NOT NULL,
	\`error\` text,
	\`resends\` integer DEFAULT 0 NOT NULL,
	\`retry_at\` integer,
	PRIMARY KEY(\`tenant_id\`, \`id\`)
);`,
    `CREATE INDEX \`events_unmatched\` ON \`events\` (\`status\`,\`retry_at\`);`,
    `CREATE INDEX \`events_type\` ON \`events\` (\`tenant_id\`,\`type\`,\`received_at\`);`,
    `CREATE TABLE \`fan_out\` (
	\`origin_event_id\` text PRIMARY KEY NOT NULL,
	\`runs\` integer NOT NULL,
	\`first_at\` text NOT NULL
);`,
    `CREATE TABLE \`live_workflows\` (
	\`workflow_id\` text PRIMARY KEY NOT NULL,
	\`version\` integer NOT NULL,
	\`trigger_event\` text NOT NULL,
	\`definition\` text NOT NULL
);`,
    `CREATE INDEX \`live_workflows_trigger\` ON \`live_workflows\` (\`trigger_event\`);`,
    `CREATE TABLE \`notifications\` (
	\`tenant_id\` text NOT NULL,
	\`id\` text NOT NULL,
	\`user\` text NOT NULL,
	\`message\` text NOT NULL,
	\`link\` text,
	\`read\` integer NOT NULL,
	\`run_id\` text,
	\`step_id\` text,
	\`idempotency_key\` text,
	\`created_at\` text NOT NULL,
	PRIMARY KEY(\`tenant_id\`, \`id\`)
);`,
    `CREATE UNIQUE INDEX \`notifications_key\` ON \`notifications\` (\`tenant_id\`,\`idempotency_key\`);`,
    `CREATE INDEX \`notifications_list\` ON \`notifications\` (\`tenant_id\`,\`user\`,\`created_at\`);`,
    `CREATE TABLE \`outbox\` (
	\`tenant_id\` text NOT NULL,
	\`id\` text NOT NULL,
	\`channel\` text NOT NULL,
	\`to\` text NOT NULL,
	\`subject\` text,
	\`body\` text NOT NULL,
	\`cc\` text,
	\`reply_to\` text,
	\`run_id\` text,
	\`step_id\` text,
	\`idempotency_key\` text NOT NULL,
	\`created_at\` text NOT NULL,
	PRIMARY KEY(\`tenant_id\`, \`id\`)
);`,
    `CREATE UNIQUE INDEX \`outbox_key\` ON \`outbox\` (\`tenant_id\`,\`idempotency_key\`);`,
    `CREATE INDEX \`outbox_list\` ON \`outbox\` (\`tenant_id\`,\`channel\`,\`created_at\`);`,
    `CREATE TABLE \`records\` (
	\`tenant_id\` text NOT NULL,
	\`type\` text NOT NULL,
	\`id\` text NOT NULL,
	\`fields\` text NOT NULL,
	\`version\` integer NOT NULL,
	\`created_at\` text NOT NULL,
	\`updated_at\` text NOT NULL,
	PRIMARY KEY(\`tenant_id\`, \`type\`, \`id\`)
);`,
    `CREATE INDEX \`records_list\` ON \`records\` (\`tenant_id\`,\`type\`,\`updated_at\`);`,
    `CREATE TABLE \`run_audit\` (
	\`n\` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	\`id\` text NOT NULL,
	\`tenant_id\` text NOT NULL,
	\`at\` text NOT NULL,
	\`record\` text NOT NULL,
	\`archived_in\` text
);`,
    `CREATE UNIQUE INDEX \`run_audit_id\` ON \`run_audit\` (\`id\`);`,
    `CREATE INDEX \`run_audit_archive\` ON \`run_audit\` (\`archived_in\`,\`n\`);`,
    `CREATE TABLE \`run_log\` (
	\`seq\` integer PRIMARY KEY NOT NULL,
	\`id\` text NOT NULL,
	\`tenant_id\` text NOT NULL,
	\`at\` text NOT NULL,
	\`actor_type\` text NOT NULL,
	\`actor_id\` text NOT NULL,
	\`type\` text NOT NULL,
	\`subject\` text NOT NULL,
	\`details\` text NOT NULL,
	\`prev_hash\` text NOT NULL,
	\`hash\` text NOT NULL,
	\`archived_in\` text
);`,
    `CREATE UNIQUE INDEX \`run_log_id\` ON \`run_log\` (\`id\`);`,
    `CREATE INDEX \`run_log_at\` ON \`run_log\` (\`at\`,\`seq\`);`,
    `CREATE INDEX \`run_log_archive\` ON \`run_log\` (\`archived_in\`,\`seq\`);`,
    `CREATE TABLE \`runs\` (
	\`tenant_id\` text NOT NULL,
	\`id\` text NOT NULL,
	\`workflow_id\` text NOT NULL,
	\`workflow_version\` integer NOT NULL,
	\`event_id\` text NOT NULL,
	\`status\` text NOT NULL,
	\`test\` integer NOT NULL,
	\`started_at\` text,
	\`finished_at\` text,
	\`causation\` text NOT NULL,
	\`filter\` text,
	\`suppression\` text,
	\`error\` text,
	\`seq\` integer NOT NULL,
	\`has_object\` integer NOT NULL,
	\`steps\` text,
	\`created_at\` text NOT NULL,
	\`updated_at\` text NOT NULL,
	PRIMARY KEY(\`tenant_id\`, \`id\`)
);`,
    `CREATE UNIQUE INDEX \`runs_event_workflow\` ON \`runs\` (\`tenant_id\`,\`event_id\`,\`workflow_id\`);`,
    `CREATE INDEX \`runs_tenant_created\` ON \`runs\` (\`tenant_id\`,\`created_at\`);`,
    `CREATE INDEX \`runs_workflow\` ON \`runs\` (\`tenant_id\`,\`workflow_id\`,\`created_at\`);`,
    `CREATE TABLE \`store_meta\` (
	\`key\` text PRIMARY KEY NOT NULL,
	\`value\` text NOT NULL
);`,
    `CREATE TABLE \`tasks\` (
	\`tenant_id\` text NOT NULL,
	\`id\` text NOT NULL,
	\`title\` text NOT NULL,
	\`description\` text,
	\`assignee\` text NOT NULL,
	\`due\` text,
	\`status\` text NOT NULL,
	\`run_id\` text,
	\`step_id\` text,
	\`idempotency_key\` text,
	\`created_at\` text NOT NULL,
	\`updated_at\` text NOT NULL,
	PRIMARY KEY(\`tenant_id\`, \`id\`)
);`,
    `CREATE UNIQUE INDEX \`tasks_key\` ON \`tasks\` (\`tenant_id\`,\`idempotency_key\`);`,
    `CREATE INDEX \`tasks_list\` ON \`tasks\` (\`tenant_id\`,\`status\`,\`created_at\`);`,
  ],
  // Failure alerts (issue 14): per-workflow streaks, and alerts owed until delivered.
  [
    `CREATE TABLE \`failure_streaks\` (
	\`tenant_id\` text NOT NULL,
	\`workflow_id\` text NOT NULL,
	\`since\` text NOT NULL,
	\`failed_runs\` integer NOT NULL,
	\`first_run_id\` text NOT NULL,
	\`last_run_id\` text NOT NULL,
	\`last_failed_at\` text NOT NULL,
	\`last_step\` text,
	\`last_error\` text,
	PRIMARY KEY(\`tenant_id\`, \`workflow_id\`)
);`,
    `CREATE TABLE \`owed_alerts\` (
	\`id\` text PRIMARY KEY NOT NULL,
	\`tenant_id\` text NOT NULL,
	\`alert\` text NOT NULL,
	\`created_at\` text NOT NULL
);`,
  ],
  // On failure, run workflow X (issue 14): the live copy keeps each workflow's choice.
  ["ALTER TABLE `live_workflows` ADD `on_failure` text;"],
  // A run's history (issue 14): its ends and retries.
  [
    `CREATE TABLE \`run_history\` (
	\`tenant_id\` text NOT NULL,
	\`id\` text NOT NULL,
	\`run_id\` text NOT NULL,
	\`at\` text NOT NULL,
	\`kind\` text NOT NULL,
	\`version\` integer,
	\`details\` text NOT NULL,
	PRIMARY KEY(\`tenant_id\`, \`id\`)
);`,
    "CREATE INDEX `run_history_run` ON `run_history` (`tenant_id`,`run_id`,`at`);",
  ],
  // Auto-pause (issue 14): each live workflow's threshold, its recent failures, pauses owed to D1.
  [
    "ALTER TABLE `live_workflows` ADD `auto_pause` text;",
    `CREATE TABLE \`pause_failures\` (
	\`workflow_id\` text NOT NULL,
	\`run_id\` text NOT NULL,
	\`at\` text NOT NULL,
	PRIMARY KEY(\`workflow_id\`, \`run_id\`)
);`,
    "CREATE INDEX `pause_failures_at` ON `pause_failures` (`workflow_id`,`at`);",
    `CREATE TABLE \`pending_pauses\` (
	\`workflow_id\` text PRIMARY KEY NOT NULL,
	\`at\` text NOT NULL
);`,
  ],
  // A record's history (issue 14): each version, who made it and what changed.
  [
    `CREATE TABLE \`record_versions\` (
	\`tenant_id\` text NOT NULL,
	\`type\` text NOT NULL,
	\`record_id\` text NOT NULL,
	\`version\` integer NOT NULL,
	\`at\` text NOT NULL,
	\`actor\` text NOT NULL,
	\`changes\` text NOT NULL,
	PRIMARY KEY(\`tenant_id\`, \`type\`, \`record_id\`, \`version\`)
);`,
  ],
  // Approvals with the facts to decide on (issue 14, item 7): the rendered summary, as JSON.
  ["ALTER TABLE `approvals` ADD `summary` text;"],
  // A record's history is kept as long as run history (retention.ts purges by time).
  ["CREATE INDEX `record_versions_at` ON `record_versions` (`at`);"],
  // Schedule triggers (issue 15): one row per live scheduled workflow (store/schedules.ts).
  [
    `CREATE TABLE \`schedules\` (
	\`workflow_id\` text PRIMARY KEY NOT NULL,
	\`version\` integer NOT NULL,
	\`spec\` text NOT NULL,
	\`timezone\` text NOT NULL,
	\`cursor\` integer NOT NULL,
	\`next_nominal\` integer,
	\`next_at\` integer,
	\`last_nominal\` integer,
	\`last_event_id\` text,
	\`buffered\` integer
);`,
    "CREATE INDEX `schedules_next_at` ON `schedules` (`next_at`);",
  ],
  // Open waits (issue 15, part 3): waitFor steps by event type and keys (store/waits.ts).
  [
    `CREATE TABLE \`waits\` (
	\`tenant_id\` text NOT NULL,
	\`run_id\` text NOT NULL,
	\`step_id\` text NOT NULL,
	\`event_type\` text NOT NULL,
	\`workflow_id\` text NOT NULL,
	\`events\` text NOT NULL,
	\`match\` text,
	\`keys\` text NOT NULL,
	\`key_paths\` text NOT NULL,
	\`key_hash\` text NOT NULL,
	\`deadline\` integer NOT NULL,
	\`opened_at\` integer NOT NULL,
	PRIMARY KEY(\`run_id\`, \`step_id\`, \`event_type\`)
);`,
    "CREATE INDEX `waits_key` ON `waits` (`event_type`,`key_paths`,`key_hash`);",
    "CREATE INDEX `waits_workflow` ON `waits` (`workflow_id`,`opened_at`);",
  ],
  // Metrics (issue 16, item 5): hourly counters and duration histograms per
  // workflow and per step, upserted as runs end (store/metrics.ts).
  [
    `CREATE TABLE \`metric_hours\` (
	\`tenant_id\` text NOT NULL,
	\`workflow_id\` text NOT NULL,
	\`hour\` integer NOT NULL,
	\`succeeded\` integer NOT NULL,
	\`failed\` integer NOT NULL,
	\`cancelled\` integer NOT NULL,
	\`hist\` text NOT NULL,
	\`min_ms\` integer,
	\`max_ms\` integer,
	PRIMARY KEY(\`tenant_id\`, \`workflow_id\`, \`hour\`)
);`,
    "CREATE INDEX `metric_hours_hour` ON `metric_hours` (`hour`);",
    `CREATE TABLE \`metric_steps\` (
	\`tenant_id\` text NOT NULL,
	\`workflow_id\` text NOT NULL,
	\`hour\` integer NOT NULL,
	\`step_id\` text NOT NULL,
	\`runs\` integer NOT NULL,
	\`failed\` integer NOT NULL,
	\`hist\` text NOT NULL,
	\`min_ms\` integer,
	\`max_ms\` integer,
	PRIMARY KEY(\`tenant_id\`, \`workflow_id\`, \`hour\`, \`step_id\`)
);`,
    "CREATE INDEX `metric_steps_hour` ON `metric_steps` (`hour`);",
  ],
  // Bulk retry and failure groups (issue 16, items 2 and 3): a failed run's
  // group on the runs index, the groups, and tracked jobs (store/failure-groups.ts, store/jobs.ts).
  [
    "ALTER TABLE `runs` ADD `error_group` text;",
    "CREATE INDEX `runs_error_group` ON `runs` (`tenant_id`,`error_group`,`created_at`);",
    `CREATE TABLE \`failure_groups\` (
	\`tenant_id\` text NOT NULL,
	\`id\` text NOT NULL,
	\`workflow_id\` text NOT NULL,
	\`step_id\` text NOT NULL,
	\`action\` text,
	\`code\` text NOT NULL,
	\`message\` text NOT NULL,
	\`example\` text NOT NULL,
	\`sample_run_id\` text NOT NULL,
	\`first_seen\` text NOT NULL,
	\`last_seen\` text NOT NULL,
	PRIMARY KEY(\`tenant_id\`, \`id\`)
);`,
    "CREATE INDEX `failure_groups_step` ON `failure_groups` (`tenant_id`,`step_id`);",
    `CREATE TABLE \`jobs\` (
	\`tenant_id\` text NOT NULL,
	\`id\` text NOT NULL,
	\`kind\` text NOT NULL,
	\`status\` text NOT NULL,
	\`selection\` text NOT NULL,
	\`targets\` text NOT NULL,
	\`total\` integer NOT NULL,
	\`done\` integer NOT NULL,
	\`failed\` integer NOT NULL,
	\`skipped\` integer NOT NULL,
	\`created_by\` text NOT NULL,
	\`created_at\` text NOT NULL,
	\`finished_at\` text,
	\`next_at\` integer NOT NULL,
	PRIMARY KEY(\`tenant_id\`, \`id\`)
);`,
    "CREATE INDEX `jobs_created` ON `jobs` (`tenant_id`,`created_at`);",
    "CREATE INDEX `jobs_status` ON `jobs` (`status`,`next_at`);",
    `CREATE TABLE \`job_runs\` (
	\`tenant_id\` text NOT NULL,
	\`job_id\` text NOT NULL,
	\`position\` integer NOT NULL,
	\`run_id\` text NOT NULL,
	\`outcome\` text,
	\`reason\` text,
	PRIMARY KEY(\`tenant_id\`, \`job_id\`, \`position\`)
);`,
  ],
  // Flow control (issue 16, item 1): queued runs and debounce slots, the
  // runs holding slots, and the decisions' numbers (store/flow.ts).
  [
    `CREATE TABLE \`flow_queue\` (
	\`run_id\` text PRIMARY KEY NOT NULL,
	\`workflow_id\` text NOT NULL,
	\`lane\` text NOT NULL,
	\`seq\` integer NOT NULL,
	\`kind\` text NOT NULL,
	\`state\` text NOT NULL,
	\`ckey\` text,
	\`climit\` integer,
	\`tkey\` text,
	\`tlimit\` integer,
	\`tperiod\` integer,
	\`dkey\` text,
	\`first_at\` integer,
	\`last_at\` integer,
	\`until\` integer,
	\`payload\` text NOT NULL,
	\`created_at\` integer NOT NULL
);`,
    "CREATE INDEX `flow_queue_lane` ON `flow_queue` (`lane`,`state`,`seq`);",
    "CREATE INDEX `flow_queue_state` ON `flow_queue` (`state`,`seq`);",
    "CREATE INDEX `flow_queue_debounce` ON `flow_queue` (`workflow_id`,`dkey`);",
    `CREATE TABLE \`flow_active\` (
	\`run_id\` text PRIMARY KEY NOT NULL,
	\`workflow_id\` text NOT NULL,
	\`slot\` text,
	\`running\` integer NOT NULL
);`,
    "CREATE INDEX `flow_active_slot` ON `flow_active` (`slot`);",
    "CREATE INDEX `flow_active_running` ON `flow_active` (`running`);",
    `CREATE TABLE \`flow_marks\` (
	\`name\` text PRIMARY KEY NOT NULL,
	\`value\` integer NOT NULL
);`,
  ],
  // Secrets (issue 17, item 1): the tenant's envelope keys, wrapped under
  // the master key, and its secrets sealed with them (store/vault.ts,
  // store/secrets.ts).
  [
    `CREATE TABLE \`tenant_keys\` (
	\`version\` integer PRIMARY KEY NOT NULL,
	\`wrapped\` text NOT NULL,
	\`created_at\` text NOT NULL,
	\`retired_at\` text
);`,
    `CREATE TABLE \`secrets\` (
	\`name\` text PRIMARY KEY NOT NULL,
	\`sealed\` text NOT NULL,
	\`key_version\` integer NOT NULL,
	\`created_at\` text NOT NULL,
	\`updated_at\` text NOT NULL,
	\`updated_by\` text NOT NULL
);`,
    "CREATE INDEX `secrets_key_version` ON `secrets` (`key_version`);",
  ],
  // Connections (issue 17, item 2): named HTTP connections with their
  // credentials sealed, an OAuth connection's cached token (sealed), and a
  // rate limit's GCRA time (store/connections.ts).
  [
    `CREATE TABLE \`connections\` (
	\`name\` text PRIMARY KEY NOT NULL,
	\`description\` text,
	\`base_url\` text NOT NULL,
	\`auth_type\` text NOT NULL,
	\`auth_public\` text NOT NULL,
	\`sealed\` text,
	\`headers\` text NOT NULL,
	\`rate_limit\` integer,
	\`rate_period_ms\` integer,
	\`created_at\` text NOT NULL,
	\`updated_at\` text NOT NULL,
	\`updated_by\` text NOT NULL,
	\`last_success_at\` text,
	\`last_failure_at\` text,
	\`last_error\` text
);`,
    `CREATE TABLE \`connection_tokens\` (
	\`name\` text PRIMARY KEY NOT NULL,
	\`sealed\` text NOT NULL,
	\`use_until\` integer NOT NULL,
	\`version\` text NOT NULL
);`,
    `CREATE TABLE \`connection_marks\` (
	\`name\` text PRIMARY KEY NOT NULL,
	\`tat\` integer NOT NULL
);`,
  ],
];

/** Applies the migrations this storage has not seen yet; returns how many ran. */
export function migrateStore(storage: DurableObjectStorage): number {
  const sql = storage.sql;
  sql.exec(
    "CREATE TABLE IF NOT EXISTS _store_migrations (id INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)",
  );
  const done = sql.exec<{ n: number }>("SELECT count(*) AS n FROM _store_migrations").one().n;
  let ran = 0;
  STORE_MIGRATIONS.forEach((statements, i) => {
    if (i < done) return;
    storage.transactionSync(() => {
      for (const s of statements) sql.exec(s);
      sql.exec(
        "INSERT INTO _store_migrations (id, applied_at) VALUES (?, ?)",
        i,
        new Date().toISOString(),
      );
    });
    ran++;
  });
  return ran;
}
