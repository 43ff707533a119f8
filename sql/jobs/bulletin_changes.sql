-- What a corrected bulletin says changed since the version it replaces
-- (docs/bulletin.md, "Corrections"): the values that differ between run $1
-- (the earlier version's) and run $2 (this version's), of the bulletin's
-- branch $3 (every KPI: the job keeps the figures the bulletin shows) and
-- the K3 totals of every branch (the published ranking's counties; the
-- job keeps the running campaigns'). A value in one run only comes with
-- NULL on the other side. One row: whether run $1 still has its values (a
-- pruned run has none: nothing can be said of what changed) and the
-- changes as a JSON array.
WITH earlier AS (
    SELECT kpi, branch_code, coalesce(dim, '') AS dim, coalesce(campaign_id, -1) AS campaign,
           value
    FROM kpi.value
    WHERE run_id = $1::bigint
      AND (branch_code = $3 OR (kpi = 'bundling_coverage' AND dim IS NULL))
),
later AS (
    SELECT kpi, branch_code, coalesce(dim, '') AS dim, coalesce(campaign_id, -1) AS campaign,
           value
    FROM kpi.value
    WHERE run_id = $2::bigint
      AND (branch_code = $3 OR (kpi = 'bundling_coverage' AND dim IS NULL))
)
SELECT EXISTS (SELECT FROM kpi.value WHERE run_id = $1::bigint) AS known,
       coalesce(json_agg(json_build_object('kpi', kpi, 'branch', branch_code, 'dim', dim,
                                           'campaign', campaign, 'was', e.value::float8,
                                           'now', l.value::float8)
                         ORDER BY kpi, branch_code, dim, campaign), '[]') AS changes
FROM earlier e FULL JOIN later l USING (kpi, branch_code, dim, campaign)
WHERE e.value IS DISTINCT FROM l.value
