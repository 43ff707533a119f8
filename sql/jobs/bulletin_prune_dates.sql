-- The dates with bulletins of this host left to prune (before the cutoff,
-- not pruned yet), oldest first, through the partial index bulletin_unpruned.
--   $1  the cutoff date
--   $2  this host: generated_by is host:pid
SELECT DISTINCT as_of::text
FROM kpi.bulletin
WHERE pruned_at IS NULL
  AND as_of < $1::date
  AND regexp_replace(generated_by, ':[^:]*$', '') = $2
ORDER BY 1
