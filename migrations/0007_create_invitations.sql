-- Invitations (POST /v1/members): a person joins a tenant by a single-use,
-- expiring link and chooses their own password; only the token's hash is kept.
CREATE TABLE `invitations` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`email` text NOT NULL,
	`role` text NOT NULL,
	`name` text,
	`token_hash` text NOT NULL,
	`invited_by_type` text NOT NULL,
	`invited_by_id` text NOT NULL,
	`created_at` text NOT NULL,
	`sent_at` text NOT NULL,
	`send_error` text,
	`expires_at` text NOT NULL,
	`accepted_at` text,
	`accepted_by` text,
	`revoked_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `invitations_token` ON `invitations` (`token_hash`);--> statement-breakpoint
CREATE INDEX `invitations_tenant_email` ON `invitations` (`tenant_id`,`email`);