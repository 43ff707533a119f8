-- The runs an export of a quarterly report written before exports recorded
-- them ("days" in its audit row) read for its alarm history: of each day
-- from $1 to $2 (the quarter's first and last days), the newest run that
-- had finished at $3 (the export's time), as api/report_runs.sql took them
-- then. One row: a bigint[] literal, oldest first ('{}': none). A run
-- removed since (runs prune) is missing from it: `audit reproduce` then
-- gives other bytes and says so.
SELECT coalesce(array_agg(run_id ORDER BY as_of), '{}')::text
FROM (
    SELECT DISTINCT ON (r.as_of) r.run_id, r.as_of
    FROM kpi.run r
    WHERE r.finished_at IS NOT NULL
      AND r.finished_at <= $3::timestamptz
      AND r.as_of BETWEEN $1::date AND $2::date
    ORDER BY r.as_of, r.run_id DESC
) newest
