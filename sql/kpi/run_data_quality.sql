-- The data-quality counts of one stored run ($1), by rule.
SELECT rule, rows::text
FROM kpi.data_quality
WHERE run_id = $1::bigint
ORDER BY rule
