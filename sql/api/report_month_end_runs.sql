-- The newest finished run of each of a quarterly report's three month ends
-- ($1, date[]), as api/report_runs.sql picks them: a CSV export over HTTP
-- checks that the daemon's snapshot still holds them (a month end computed
-- again since the snapshot was taken is refused until the next refresh,
-- as the PDF is, which reads the whole history).
SELECT DISTINCT ON (r.as_of)
       r.as_of::text,
       r.run_id::text
FROM kpi.run r
WHERE r.finished_at IS NOT NULL
  AND r.as_of = ANY ($1::date[])
ORDER BY r.as_of, r.run_id DESC
