-- Marks pruned the bulletins of one date that may go (docs/bulletin.md "The
-- archive"), under the date's advisory lock (the lock of its generation):
-- generated on this host (their files are in this daemon's data directory),
-- before the cutoff, not pruned yet, and with no delivery still pending:
-- none 'sending' (being sent, or a claim a daemon left, taken over after
-- bulletin.lease and sent from these files), and none 'failed' of the
-- schedule's due date or later (the job tries those again every 30 minutes
-- until the next day's send_at). A 'failed' delivery of an earlier date is
-- final: no job tries it again, and `bulletin --send` refuses a pruned date.
--   $1  the date
--   $2  the cutoff date
--   $3  this host
--   $4  the schedule's due date
-- One row per bulletin marked: its id.
UPDATE kpi.bulletin b
SET pruned_at = clock_timestamp()
WHERE b.as_of = $1::date
  AND b.as_of < $2::date
  AND b.pruned_at IS NULL
  AND regexp_replace(b.generated_by, ':[^:]*$', '') = $3
  AND NOT EXISTS (SELECT 1 FROM kpi.bulletin_delivery d
                  WHERE d.bulletin_id = b.bulletin_id
                    AND (d.status = 'sending' OR (d.status = 'failed' AND b.as_of >= $4::date)))
RETURNING b.bulletin_id
