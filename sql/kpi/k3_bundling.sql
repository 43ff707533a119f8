-- K3 中高端客户捆绑到位率 at date $1, for every campaign whose window
-- contains $1. A target (fixed list, counted once) is effectively bundled
-- when it is in the network at $1 (not cancelled on or before $1) and holds a
-- contract of one of the campaign's policies signed inside the window on or
-- before $1 and not ended before $1 (ended_on >= $1 still counts).
-- dim NULL: any policy; dim = policy: holders of that policy (a customer
-- counts once per policy); the denominator is always the target list.
INSERT INTO pg_temp.calc (kpi, branch_id, dim, campaign_id, numerator, denominator, value)
WITH campaign AS (
    SELECT campaign_id, starts_on, policies
    FROM dw.bundle_campaign
    WHERE starts_on <= $1::date AND ends_on >= $1::date
),
target AS (
    SELECT DISTINCT ON (t.campaign_id, t.sub_id) t.campaign_id, t.sub_id, t.branch_id
    FROM dw.bundle_target t
    JOIN campaign c ON c.campaign_id = t.campaign_id
    ORDER BY t.campaign_id, t.sub_id, t.branch_id
),
held AS (
    SELECT DISTINCT t.campaign_id, t.sub_id, k.policy
    FROM target t
    JOIN campaign c ON c.campaign_id = t.campaign_id
    JOIN dw.subscriber s ON s.sub_id = t.sub_id
    JOIN dw.bundle_contract k ON k.sub_id = t.sub_id
    WHERE (s.cancelled_on IS NULL OR s.cancelled_on > $1::date)
      AND k.policy = ANY (c.policies)
      AND k.signed_on BETWEEN c.starts_on AND $1::date
      AND (k.ended_on IS NULL OR k.ended_on >= $1::date)
),
per_target AS (
    SELECT t.campaign_id, t.branch_id, t.sub_id,
           array_agg(h.policy) FILTER (WHERE h.policy IS NOT NULL) AS policies
    FROM target t
    LEFT JOIN held h ON h.campaign_id = t.campaign_id AND h.sub_id = t.sub_id
    GROUP BY t.campaign_id, t.branch_id, t.sub_id
),
per_branch AS (
    SELECT campaign_id, branch_id, NULL::text AS dim,
           count(*) FILTER (WHERE policies IS NOT NULL) AS bundled, count(*) AS targets
    FROM per_target
    GROUP BY campaign_id, branch_id
    UNION ALL
    SELECT pt.campaign_id, pt.branch_id, p.policy,
           count(*) FILTER (WHERE p.policy = ANY (pt.policies)), count(*)
    FROM per_target pt
    JOIN campaign c ON c.campaign_id = pt.campaign_id
    CROSS JOIN LATERAL unnest(c.policies) AS p(policy)
    GROUP BY pt.campaign_id, pt.branch_id, p.policy
)
SELECT 'bundling_coverage', up.ancestor_id, b.dim, b.campaign_id,
       sum(b.bundled), sum(b.targets), sum(b.bundled)::numeric / sum(b.targets)
FROM per_branch b
JOIN pg_temp.branch_up up ON up.branch_id = b.branch_id
GROUP BY up.ancestor_id, b.dim, b.campaign_id
