-- The run audit archive: segments of finished runs' audit records and
-- run-log entries, copied from the tenant stores (apps/api/src/store/archive.ts).
CREATE TABLE `run_audit_segments` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`from_at` text NOT NULL,
	`to_at` text NOT NULL,
	`first_entry` integer,
	`last_entry` integer,
	`entries` integer NOT NULL,
	`runs` integer NOT NULL,
	`hash` text NOT NULL,
	`body` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `run_audit_segments_tenant` ON `run_audit_segments` (`tenant_id`,`to_at`);