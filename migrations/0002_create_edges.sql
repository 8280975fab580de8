CREATE TABLE `deliveries` (
	`tenant_id` text NOT NULL,
	`idempotency_key` text NOT NULL,
	`channel` text NOT NULL,
	`provider` text NOT NULL,
	`provider_message_id` text NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`tenant_id`, `idempotency_key`)
);
--> statement-breakpoint
CREATE TABLE `tenant_settings` (
	`tenant_id` text PRIMARY KEY NOT NULL,
	`webhook_secret_enc` text,
	`webhook_previous_secret_enc` text,
	`webhook_previous_expires_at` text,
	`email_provider` text,
	`email_credentials_enc` text,
	`sms_provider` text,
	`sms_credentials_enc` text,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `webhook_sources` (
	`tenant_id` text NOT NULL,
	`id` text NOT NULL,
	`name` text NOT NULL,
	`event_type` text,
	`secret_enc` text NOT NULL,
	`previous_secret_enc` text,
	`previous_expires_at` text,
	`created_at` text NOT NULL,
	`created_by` text NOT NULL,
	`rotated_at` text,
	`deleted_at` text,
	PRIMARY KEY(`tenant_id`, `id`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `webhook_sources_id` ON `webhook_sources` (`id`);