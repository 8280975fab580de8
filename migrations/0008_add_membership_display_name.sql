-- A name a tenant shows for a member: an admin renames a person only within
-- their own tenant (PATCH /v1/members/:id); null means the person's own name.
ALTER TABLE `memberships` ADD `display_name` text;