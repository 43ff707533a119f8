-- The values of stored runs ($1, an array of run ids), run by run (ascending
-- run id), each in the order `retentiond compute` prints them (and the daemon
-- serves them): KPI, campaign, branch code, dim (the total first). The run id
-- is the last column.
-- $2, $3: only this KPI, only this branch code (NULL: all; `retentiond chart`
-- reads no more than the chart needs; index value_run_code).
SELECT v.kpi, v.branch_code, v.dim, v.campaign_id::text, v.period,
       v.numerator::text, v.denominator::text, v.value::text, v.status,
       v.target_base::text, v.target_challenge::text, v.partial, v.reason,
       v.path_base::text, v.path_challenge::text, v.previous_status,
       v.run_id::text
FROM kpi.value v
WHERE v.run_id = ANY ($1::bigint[])
  AND ($2::text IS NULL OR v.kpi = $2::text)
  AND ($3::text IS NULL OR v.branch_code = $3::text)
ORDER BY v.run_id,
         array_position(ARRAY['retention_rate', 'in_network_rate', 'bundling_coverage',
                              'satisfaction', 'satisfaction_gotone', 'zone_count'], v.kpi),
         v.campaign_id, v.branch_code, v.dim NULLS FIRST
