-- On failure, run workflow X (issue 14): the workflow a failed run's workflow.failed
-- event is sent to, chosen in the failing workflow's settings.
ALTER TABLE `workflows` ADD `on_failure` text;