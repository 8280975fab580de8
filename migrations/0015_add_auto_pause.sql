-- Auto-pause (issue 14): a workflow's own threshold (N failed runs within M minutes),
-- and why it was paused automatically (cleared when someone turns it back on).
ALTER TABLE `workflows` ADD `auto_pause` text;--> statement-breakpoint
ALTER TABLE `workflows` ADD `paused` text;