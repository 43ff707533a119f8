-- The bulletin archive's retention (bulletin.keep_days, docs/bulletin.md "The
-- archive"): the files of a bulletin of an old date are removed, its row
-- stays, marked. The row, its SHA-256 and sizes and its deliveries are the
-- audit trail of what was sent; pruned_at says since when its files are
-- gone. NULL: its files are in the archive of the daemon in generated_by.
ALTER TABLE kpi.bulletin ADD COLUMN pruned_at timestamptz;

-- The daily prune reads the dates of the bulletins not yet pruned before its
-- cutoff, not every bulletin ever archived (165 a day, kept for good).
CREATE INDEX bulletin_unpruned ON kpi.bulletin (as_of) WHERE pruned_at IS NULL;
