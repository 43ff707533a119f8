-- The run a recompute of the date $2 is compared with (run_unchanged.sql):
-- the newest stored run of $2 other than $1, the run being computed; the one
-- the snapshot serves for $2 (api/snapshot_runs.sql). No row: $2 has none.
SELECT r.run_id::text
FROM kpi.run r
WHERE r.as_of = $2::date AND r.run_id <> $1::bigint AND r.finished_at IS NOT NULL
ORDER BY r.run_id DESC
LIMIT 1
