-- K3 of the running campaigns ($1: the JSON of k3_campaigns.sql): the shards' counts of
-- k3_bundling.sql (pg_temp.shard_rows) added up per campaign and
-- branch, then rolled up the branch tree: the coverage of all policies
-- (dim NULL) and of each policy (dim = policy, zero where no target holds
-- it); the denominator is always the target list. The target rows of
-- unknown subscribers go to pg_temp.run_quality (data-quality rule
-- bundle_target_unknown_subscriber, read by data_quality.sql).
WITH part AS (
    SELECT (row->>'campaign_id')::int AS campaign_id, (row->>'branch_id')::int AS branch_id,
           row->>'dim' AS dim, (row->>'bundled')::bigint AS bundled,
           (row->>'targets')::bigint AS targets, (row->>'unknown_rows')::bigint AS unknown_rows
    FROM pg_temp.shard_rows
),
campaign AS (
    SELECT * FROM json_to_recordset($1::json) AS c(campaign_id int, starts_on date, policies text[])
),
per_branch AS (
    SELECT campaign_id, branch_id, sum(targets) AS targets, sum(bundled) AS bundled,
           sum(unknown_rows) AS unknown_rows
    FROM part
    WHERE dim IS NULL
    GROUP BY campaign_id, branch_id
),
-- a data-modifying CTE always runs, whether or not it is referenced
quality AS (
    INSERT INTO pg_temp.run_quality (rule, rows)
    SELECT 'bundle_target_unknown_subscriber', coalesce(sum(unknown_rows), 0)
    FROM per_branch
),
per_policy AS (
    SELECT campaign_id, branch_id, dim AS policy, sum(bundled) AS holders
    FROM part
    WHERE dim IS NOT NULL
    GROUP BY campaign_id, branch_id, dim
),
policy AS (
    -- each policy of a campaign once
    SELECT DISTINCT c.campaign_id, p.policy
    FROM campaign c
    CROSS JOIN LATERAL unnest(c.policies) AS p(policy)
),
per_dim AS (
    SELECT campaign_id, branch_id, NULL::text AS dim, bundled, targets
    FROM per_branch
    UNION ALL
    SELECT b.campaign_id, b.branch_id, p.policy, coalesce(pp.holders, 0), b.targets
    FROM per_branch b
    JOIN policy p ON p.campaign_id = b.campaign_id
    LEFT JOIN per_policy pp
           ON pp.campaign_id = b.campaign_id AND pp.branch_id = b.branch_id AND pp.policy = p.policy
)
INSERT INTO pg_temp.calc (kpi, branch_id, dim, campaign_id, numerator, denominator, value)
SELECT 'bundling_coverage', up.ancestor_id, b.dim, b.campaign_id,
       sum(b.bundled), sum(b.targets), sum(b.bundled)::numeric / sum(b.targets)
FROM per_dim b
JOIN pg_temp.branch_up up ON up.branch_id = b.branch_id
GROUP BY up.ancestor_id, b.dim, b.campaign_id
