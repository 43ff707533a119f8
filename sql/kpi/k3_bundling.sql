-- K3 中高端客户捆绑到位率 at date $1, for every campaign whose window
-- contains $1. A target (fixed list, counted once; kpi.campaign_target, kept
-- equal to dw.bundle_target by k3_targets_stale.sql) is effectively bundled
-- when it is in the network at $1 (a known subscriber, not cancelled on or
-- before $1) and holds a contract of one of the campaign's policies signed
-- inside the window on or before $1 and not ended before $1 (ended_on >= $1
-- still counts).
-- dim NULL: any policy; dim = policy: holders of that policy (a customer
-- counts once per policy); the denominator is always the target list.
-- The same pass over the targets counts the target rows of
-- unknown subscribers (data-quality rule bundle_target_unknown_subscriber,
-- kept in pg_temp.run_quality for data_quality.sql).
WITH campaign AS (
    SELECT campaign_id, starts_on, policies
    FROM dw.bundle_campaign
    WHERE starts_on <= $1::date AND ends_on >= $1::date
),
held AS (
    -- each (campaign, subscriber) with the campaign's policies it holds at $1,
    -- as a bit string: bit i-1 set = holds the policy first listed at
    -- position i of the campaign's policies (a policy held twice counts once)
    SELECT c.campaign_id, k.sub_id,
           bit_or(set_bit(repeat('0', cardinality(c.policies))::varbit,
                          array_position(c.policies, k.policy) - 1, 1)) AS held
    FROM campaign c
    JOIN dw.bundle_contract k ON k.policy = ANY (c.policies)
    WHERE k.signed_on BETWEEN c.starts_on AND $1::date
      AND (k.ended_on IS NULL OR k.ended_on >= $1::date)
    GROUP BY c.campaign_id, k.sub_id
),
cancelled AS (
    -- the subscribers cancelled on or before $1 (the partial index on
    -- cancelled_on), not the whole of dw.subscriber
    SELECT sub_id FROM dw.subscriber WHERE cancelled_on <= $1::date
),
target AS (
    -- every target: known to dw.subscriber when its list was taken, or
    -- since (only the targets unknown then are looked up again, through the
    -- primary key; the warehouse never deletes a subscriber)
    SELECT t.campaign_id, t.sub_id, t.branch_id, t.rows,
           t.known OR EXISTS (SELECT 1 FROM dw.subscriber s WHERE s.sub_id = t.sub_id) AS known,
           c.sub_id IS NULL AS not_cancelled
    FROM kpi.campaign_target t
    LEFT JOIN cancelled c ON c.sub_id = t.sub_id
    WHERE t.campaign_id IN (SELECT campaign_id FROM campaign)
),
per_target AS (
    -- every target with the policies it holds, if it is bundled (NULL: not)
    SELECT t.campaign_id, t.branch_id, t.known, t.rows,
           CASE WHEN t.known AND t.not_cancelled THEN h.held END AS held
    FROM target t
    LEFT JOIN held h ON h.campaign_id = t.campaign_id AND h.sub_id = t.sub_id
),
per_branch AS (
    -- dim NULL: targets and bundled targets per branch, and the target rows
    -- of unknown subscribers
    SELECT campaign_id, branch_id, count(*) AS targets,
           count(*) FILTER (WHERE held IS NOT NULL) AS bundled,
           coalesce(sum(rows) FILTER (WHERE NOT known), 0) AS unknown_rows
    FROM per_target
    GROUP BY campaign_id, branch_id
),
-- a data-modifying CTE always runs, whether or not it is referenced
quality AS (
    INSERT INTO pg_temp.run_quality (rule, rows)
    SELECT 'bundle_target_unknown_subscriber', coalesce(sum(unknown_rows), 0)
    FROM per_branch
),
policy AS (
    -- each policy of a campaign once, with its bit
    SELECT DISTINCT c.campaign_id, p.policy, array_position(c.policies, p.policy) - 1 AS bit
    FROM campaign c
    CROSS JOIN LATERAL unnest(c.policies) AS p(policy)
),
per_policy AS (
    -- dim = policy: the bundled targets holding it, per branch
    SELECT pt.campaign_id, pt.branch_id, p.policy, count(*) AS holders
    FROM per_target pt
    JOIN policy p ON p.campaign_id = pt.campaign_id AND get_bit(pt.held, p.bit) = 1
    WHERE pt.held IS NOT NULL
    GROUP BY pt.campaign_id, pt.branch_id, p.policy
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
