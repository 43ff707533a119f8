-- The runs a quarterly report stands on: of each day from $1 to $2 (the
-- quarter's first and last days), the newest finished run, as the daemon's
-- snapshot takes them (api/snapshot_runs.sql). The month-end ones give the
-- report's figures; all of them its alarm history (api/report_alarms.sql).
-- Times in UTC, so that the report does not depend on the session's zone.
SELECT DISTINCT ON (as_of)
       run_id::text,
       as_of::text,
       to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS started_utc,
       to_char(finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS finished_utc,
       settings::text
FROM kpi.run
WHERE finished_at IS NOT NULL
  AND as_of BETWEEN $1::date AND $2::date
ORDER BY as_of, run_id DESC
