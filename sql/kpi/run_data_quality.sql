-- The data-quality counts of stored runs ($1, an array of run ids), run by
-- run (ascending run id), by rule. The run id is the last column.
-- (ORDER BY names the table's columns: a bare run_id would be the output's
-- text, 10 before 9.)
SELECT q.rule, q.rows::text, q.run_id::text
FROM kpi.data_quality q
WHERE q.run_id = ANY ($1::bigint[])
ORDER BY q.run_id, q.rule
