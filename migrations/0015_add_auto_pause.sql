-- Auto-pause (issue 14): a workflow's own threshold (N failed runs within M minutes),
-- why it was paused, and when it was last turned back on.
ALTER TABLE `workflows` ADD `auto_pause` text;--> statement-breakpoint
ALTER TABLE `workflows` ADD `paused` text;--> statement-breakpoint
ALTER TABLE `workflows` ADD `resumed_at` text;