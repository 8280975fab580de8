-- The data plane moves out of D1 into one TenantStore Durable Object per
-- tenant (apps/api/src/store): events, event types, the runs index and run
-- steps, records and their effect markers, tasks, notifications, the
-- outbox, approvals and the delivery ledger. D1 keeps the control plane.
-- There is no production data yet, so the tables are dropped, not copied.
DROP TABLE `approvals`;--> statement-breakpoint
DROP TABLE `deliveries`;--> statement-breakpoint
DROP TABLE `effects`;--> statement-breakpoint
DROP TABLE `event_types`;--> statement-breakpoint
DROP TABLE `events`;--> statement-breakpoint
DROP TABLE `notifications`;--> statement-breakpoint
DROP TABLE `outbox`;--> statement-breakpoint
DROP TABLE `records`;--> statement-breakpoint
DROP TABLE `run_steps`;--> statement-breakpoint
DROP TABLE `runs`;--> statement-breakpoint
DROP TABLE `tasks`;