-- Tenant settings: time zone (IANA), locale (BCP 47) and how many days run
-- history is kept (GET|PUT /v1/settings/tenant); null means the default.
ALTER TABLE `tenant_settings` ADD `timezone` text;--> statement-breakpoint
ALTER TABLE `tenant_settings` ADD `locale` text;--> statement-breakpoint
ALTER TABLE `tenant_settings` ADD `retention_days` integer;
