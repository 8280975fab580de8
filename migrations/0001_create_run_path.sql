CREATE TABLE `approvals` (
	`tenant_id` text NOT NULL,
	`id` text NOT NULL,
	`run_id` text NOT NULL,
	`step_id` text NOT NULL,
	`workflow_id` text NOT NULL,
	`title` text NOT NULL,
	`description` text,
	`approver` text NOT NULL,
	`status` text NOT NULL,
	`decided_by` text,
	`decided_at` text,
	`comment` text,
	`expires_at` text NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`tenant_id`, `id`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `approvals_step` ON `approvals` (`tenant_id`,`run_id`,`step_id`);--> statement-breakpoint
CREATE INDEX `approvals_list` ON `approvals` (`tenant_id`,`status`,`created_at`);--> statement-breakpoint
CREATE TABLE `effects` (
	`tenant_id` text NOT NULL,
	`idempotency_key` text NOT NULL,
	`result` text NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`tenant_id`, `idempotency_key`)
);
--> statement-breakpoint
CREATE TABLE `event_types` (
	`tenant_id` text NOT NULL,
	`type` text NOT NULL,
	`schema` text,
	`sample` text,
	`declared` integer NOT NULL,
	`last_seen_at` text,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`tenant_id`, `type`)
);
--> statement-breakpoint
CREATE TABLE `events` (
	`tenant_id` text NOT NULL,
	`id` text NOT NULL,
	`type` text NOT NULL,
	`data` text NOT NULL,
	`changes` text,
	`occurred_at` text NOT NULL,
	`received_at` text NOT NULL,
	`source` text NOT NULL,
	`status` text NOT NULL,
	`matched_at` text,
	`causation` text NOT NULL,
	`only_workflow_id` text,
	`only_version` integer,
	`error` text,
	`resends` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`tenant_id`, `id`)
);
--> statement-breakpoint
CREATE INDEX `events_unmatched` ON `events` (`status`,`received_at`);--> statement-breakpoint
CREATE INDEX `events_type` ON `events` (`tenant_id`,`type`,`received_at`);--> statement-breakpoint
CREATE TABLE `notifications` (
	`tenant_id` text NOT NULL,
	`id` text NOT NULL,
	`user` text NOT NULL,
	`message` text NOT NULL,
	`link` text,
	`read` integer NOT NULL,
	`run_id` text,
	`step_id` text,
	`idempotency_key` text,
	`created_at` text NOT NULL,
	PRIMARY KEY(`tenant_id`, `id`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `notifications_key` ON `notifications` (`tenant_id`,`idempotency_key`);--> statement-breakpoint
CREATE INDEX `notifications_list` ON `notifications` (`tenant_id`,`user`,`created_at`);--> statement-breakpoint
CREATE TABLE `outbox` (
	`tenant_id` text NOT NULL,
	`id` text NOT NULL,
	`channel` text NOT NULL,
	`to` text NOT NULL,
	`subject` text,
	`body` text NOT NULL,
	`run_id` text,
	`step_id` text,
	`idempotency_key` text NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`tenant_id`, `id`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `outbox_key` ON `outbox` (`tenant_id`,`idempotency_key`);--> statement-breakpoint
CREATE INDEX `outbox_list` ON `outbox` (`tenant_id`,`channel`,`created_at`);--> statement-breakpoint
CREATE TABLE `records` (
	`tenant_id` text NOT NULL,
	`type` text NOT NULL,
	`id` text NOT NULL,
	`fields` text NOT NULL,
	`version` integer NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`tenant_id`, `type`, `id`)
);
--> statement-breakpoint
CREATE INDEX `records_list` ON `records` (`tenant_id`,`type`,`updated_at`);--> statement-breakpoint
CREATE TABLE `run_steps` (
	`tenant_id` text NOT NULL,
	`run_id` text NOT NULL,
	`step_id` text NOT NULL,
	`ord` integer NOT NULL,
	`kind` text NOT NULL,
	`action` text,
	`status` text NOT NULL,
	`attempts` integer NOT NULL,
	`started_at` text,
	`finished_at` text,
	`input` text,
	`output` text,
	`error` text,
	`branch` text,
	PRIMARY KEY(`tenant_id`, `run_id`, `step_id`)
);
--> statement-breakpoint
CREATE TABLE `runs` (
	`tenant_id` text NOT NULL,
	`id` text NOT NULL,
	`workflow_id` text NOT NULL,
	`workflow_version` integer NOT NULL,
	`event_id` text NOT NULL,
	`status` text NOT NULL,
	`test` integer NOT NULL,
	`started_at` text,
	`finished_at` text,
	`causation` text NOT NULL,
	`filter` text,
	`suppression` text,
	`error` text,
	`seq` integer NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`tenant_id`, `id`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `runs_event_workflow` ON `runs` (`tenant_id`,`event_id`,`workflow_id`);--> statement-breakpoint
CREATE INDEX `runs_tenant_created` ON `runs` (`tenant_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `runs_workflow` ON `runs` (`tenant_id`,`workflow_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `tasks` (
	`tenant_id` text NOT NULL,
	`id` text NOT NULL,
	`title` text NOT NULL,
	`description` text,
	`assignee` text NOT NULL,
	`due` text,
	`status` text NOT NULL,
	`run_id` text,
	`step_id` text,
	`idempotency_key` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`tenant_id`, `id`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `tasks_key` ON `tasks` (`tenant_id`,`idempotency_key`);--> statement-breakpoint
CREATE INDEX `tasks_list` ON `tasks` (`tenant_id`,`status`,`created_at`);