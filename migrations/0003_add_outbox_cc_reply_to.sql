ALTER TABLE `outbox` ADD `cc` text;--> statement-breakpoint
ALTER TABLE `outbox` ADD `reply_to` text;