-- The runs a quarterly report stands on: of each day from $1 to $2 (the
-- quarter's first and last days), the newest finished run, as the daemon's
-- snapshot takes them (api/snapshot_runs.sql); with $3 (bigint[], the runs
-- an earlier export read: `audit reproduce`), the newest of those runs
-- instead. The month-end ones give the report's figures; all of them its
-- alarm history (api/report_alarms.sql).
-- Times in UTC, so that the report does not depend on the session's zone.
-- ORDER BY names the table's columns: a bare run_id would be the output's
-- text, by which run 9 is newer than run 23.
SELECT DISTINCT ON (r.as_of)
       r.run_id::text,
       r.as_of::text,
       to_char(r.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS started_utc,
       to_char(r.finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS finished_utc,
       r.settings::text
FROM kpi.run r
WHERE r.finished_at IS NOT NULL
  AND r.as_of BETWEEN $1::date AND $2::date
  AND ($3::bigint[] IS NULL OR r.run_id = ANY ($3::bigint[]))
ORDER BY r.as_of, r.run_id DESC
