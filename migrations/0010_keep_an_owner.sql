-- A tenant keeps at least one owner, enforced by the database: two admins
-- demoting or removing the last two owners at once each passed the route's
-- count check; now the second change aborts its whole batch ("last_owner").
CREATE TRIGGER `memberships_keep_owner_on_update` AFTER UPDATE OF `role` ON `memberships`
WHEN OLD.`role` = 'owner' AND NEW.`role` != 'owner'
  AND (SELECT count(*) FROM `memberships` WHERE `tenant_id` = OLD.`tenant_id` AND `role` = 'owner') = 0
BEGIN
  SELECT RAISE(ABORT, 'last_owner');
END;
--> statement-breakpoint
CREATE TRIGGER `memberships_keep_owner_on_delete` AFTER DELETE ON `memberships`
WHEN OLD.`role` = 'owner'
  AND (SELECT count(*) FROM `memberships` WHERE `tenant_id` = OLD.`tenant_id` AND `role` = 'owner') = 0
  AND EXISTS (SELECT 1 FROM `tenants` WHERE `tenant_id` = OLD.`tenant_id`)
BEGIN
  SELECT RAISE(ABORT, 'last_owner');
END;
