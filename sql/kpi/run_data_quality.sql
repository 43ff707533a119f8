-- The data-quality counts of stored runs ($1, an array of run ids), run by
-- run (ascending run id), by rule. The run id is the last column.
SELECT rule, rows::text, run_id::text
FROM kpi.data_quality
WHERE run_id = ANY ($1::bigint[])
ORDER BY run_id, rule
