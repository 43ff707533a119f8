-- The bulletins of one date as a prune sees them, to tell the files of its
-- directory apart (daemon/jobs/bulletin_prune.c).
--   $1  the date
--   $2  the cutoff date
--   $3  this archive: generated_by is HOST/ID:PID (daemon/jobs/archive_id.h)
--   $4  the schedule's due date
--   $5  this host: a row made before archive identities names HOST:PID
-- One row per bulletin: its path (bulletins/DATE/CODE.vN); its state:
-- 'pruned' (its files are to go), 'prunable' (bulletin_prune_mark.sql would
-- mark it: a dry run counts its files), 'pending' (of this archive and
-- before the cutoff, kept for a delivery still pending), 'kept' (recent, or
-- another archive's).
SELECT b.path,
       CASE
           WHEN b.pruned_at IS NOT NULL THEN 'pruned'
           WHEN b.as_of >= $2::date
                OR regexp_replace(b.generated_by, ':[^:]*$', '') NOT IN ($3, $5) THEN 'kept'
           WHEN EXISTS (SELECT 1 FROM kpi.bulletin_delivery d
                        WHERE d.bulletin_id = b.bulletin_id
                          AND (d.status = 'sending'
                               OR (d.status = 'failed' AND b.as_of >= $4::date))) THEN 'pending'
           ELSE 'prunable'
       END AS state
FROM kpi.bulletin b
WHERE b.as_of = $1::date
ORDER BY b.path
