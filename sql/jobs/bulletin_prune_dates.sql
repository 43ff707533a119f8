-- The dates with bulletins of this archive left to prune (before the
-- cutoff, not pruned yet), oldest first, through the partial index
-- bulletin_unpruned.
--   $1  the cutoff date
--   $2  this archive: generated_by is HOST/ID:PID (daemon/jobs/archive_id.h)
--   $3  this host: a row made before archive identities names HOST:PID
SELECT DISTINCT as_of::text
FROM kpi.bulletin
WHERE pruned_at IS NULL
  AND as_of < $1::date
  AND regexp_replace(generated_by, ':[^:]*$', '') IN ($2, $3)
ORDER BY 1
