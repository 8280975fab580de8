-- Failure alerts: a tenant's default and each workflow's own choice of who is told
-- when a run fails, and who last made a workflow's version live (told by default).
ALTER TABLE `tenant_settings` ADD `alerts` text;--> statement-breakpoint
ALTER TABLE `workflows` ADD `published_by` text;--> statement-breakpoint
ALTER TABLE `workflows` ADD `alerts` text;