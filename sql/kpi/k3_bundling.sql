-- K3 中高端客户捆绑到位率 at date $1, for every campaign whose window
-- contains $1. A target (fixed list, counted once; kpi.campaign_target, kept
-- equal to dw.bundle_target by k3_targets_stale.sql) is effectively bundled
-- when it is in the network at $1 (a known subscriber, not cancelled on or
-- before $1) and holds a contract of one of the campaign's policies signed
-- inside the window on or before $1 and not ended before $1 (ended_on >= $1
-- still counts).
-- dim NULL: any policy; dim = policy: holders of that policy (a customer
-- counts once per policy); the denominator is always the target list.
-- The same pass over the targets' subscribers counts the target rows of
-- unknown subscribers (data-quality rule bundle_target_unknown_subscriber,
-- kept in pg_temp.run_quality for data_quality.sql).
WITH campaign AS (
    SELECT campaign_id, starts_on, policies
    FROM dw.bundle_campaign
    WHERE starts_on <= $1::date AND ends_on >= $1::date
),
held AS (
    -- each (campaign, subscriber) with the campaign's policies it holds at $1
    -- (a policy held twice is listed twice: only membership is used)
    SELECT c.campaign_id, k.sub_id, array_agg(k.policy) AS policies
    FROM campaign c
    JOIN dw.bundle_contract k ON k.policy = ANY (c.policies)
    WHERE k.signed_on BETWEEN c.starts_on AND $1::date
      AND (k.ended_on IS NULL OR k.ended_on >= $1::date)
    GROUP BY c.campaign_id, k.sub_id
),
target AS (
    -- every target with its subscriber: one pass over dw.subscriber
    SELECT t.campaign_id, t.sub_id, t.branch_id, t.rows, s.sub_id IS NOT NULL AS known,
           s.sub_id IS NOT NULL AND (s.cancelled_on IS NULL OR s.cancelled_on > $1::date)
               AS in_network
    FROM kpi.campaign_target t
    LEFT JOIN dw.subscriber s ON s.sub_id = t.sub_id
    WHERE t.campaign_id IN (SELECT campaign_id FROM campaign)
),
per_combo AS (
    -- targets per branch and set of policies held (NULL: not bundled)
    SELECT t.campaign_id, t.branch_id, t.known,
           CASE WHEN t.in_network THEN h.policies END AS policies,
           count(*) AS targets, sum(t.rows) AS rows
    FROM target t
    LEFT JOIN held h ON h.campaign_id = t.campaign_id AND h.sub_id = t.sub_id
    GROUP BY 1, 2, 3, 4
),
-- a data-modifying CTE always runs, whether or not it is referenced
quality AS (
    INSERT INTO pg_temp.run_quality (rule, rows)
    SELECT 'bundle_target_unknown_subscriber',
           coalesce(sum(rows) FILTER (WHERE NOT known), 0)
    FROM per_combo
),
per_branch AS (
    SELECT campaign_id, branch_id, NULL::text AS dim,
           coalesce(sum(targets) FILTER (WHERE policies IS NOT NULL), 0)::bigint AS bundled,
           sum(targets)::bigint AS targets
    FROM per_combo
    GROUP BY campaign_id, branch_id
    UNION ALL
    SELECT pc.campaign_id, pc.branch_id, p.policy,
           coalesce(sum(pc.targets) FILTER (WHERE p.policy = ANY (pc.policies)), 0)::bigint,
           sum(pc.targets)::bigint
    FROM per_combo pc
    JOIN campaign c ON c.campaign_id = pc.campaign_id
    CROSS JOIN LATERAL unnest(c.policies) AS p(policy)
    GROUP BY pc.campaign_id, pc.branch_id, p.policy
)
INSERT INTO pg_temp.calc (kpi, branch_id, dim, campaign_id, numerator, denominator, value)
SELECT 'bundling_coverage', up.ancestor_id, b.dim, b.campaign_id,
       sum(b.bundled), sum(b.targets), sum(b.bundled)::numeric / sum(b.targets)
FROM per_branch b
JOIN pg_temp.branch_up up ON up.branch_id = b.branch_id
GROUP BY up.ancestor_id, b.dim, b.campaign_id
