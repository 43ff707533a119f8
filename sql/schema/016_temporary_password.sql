-- A password an administrator gave a user (`retentiond user add|passwd
-- --temporary`) is theirs to change before anything else (docs/access.md):
-- until they do, their sessions reach their account page and nothing else.
-- Changing it there (or `user passwd` without --temporary) clears the mark.
ALTER TABLE kpi.app_user ADD COLUMN must_change boolean NOT NULL DEFAULT false;
