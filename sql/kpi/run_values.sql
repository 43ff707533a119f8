-- The values of one stored run ($1), in the order `retentiond compute`
-- prints them (and the daemon serves them): KPI, campaign, branch code, dim (the total first).
SELECT v.kpi, v.branch_code, v.dim, v.campaign_id::text, v.period,
       v.numerator::text, v.denominator::text, v.value::text, v.status,
       v.target_base::text, v.target_challenge::text, v.partial, v.reason
FROM kpi.value v
WHERE v.run_id = $1::bigint
ORDER BY array_position(ARRAY['retention_rate', 'in_network_rate', 'bundling_coverage',
                              'satisfaction', 'satisfaction_gotone', 'zone_count'], v.kpi),
         v.campaign_id, v.branch_code, v.dim NULLS FIRST
