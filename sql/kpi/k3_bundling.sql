-- K3 中高端客户捆绑到位率 at date $1, for every campaign whose window
-- contains $1 ($2: the JSON of k3_campaigns.sql). A target (fixed list,
-- counted once; kpi.campaign_target, kept equal to dw.bundle_target by
-- k3_targets_stale.sql) is effectively bundled when it is in the network at
-- $1 (a known subscriber, not cancelled on or before $1) and holds a
-- contract of one of the campaign's policies signed inside the window on or
-- before $1 and not ended before $1 (ended_on >= $1 still counts).
-- Per campaign and branch: the targets, the bundled targets and the target
-- rows of unknown subscribers (dim NULL), and the bundled targets holding
-- each policy (dim = the policy; a customer counts once per policy). Run
-- where the rows are (kpi.shard_task: a target, its subscriber and its
-- contracts are on one shard); k3_bundling_store.sql adds them up.
WITH campaign AS (
    SELECT * FROM json_to_recordset($2::json) AS c(campaign_id int, starts_on date, policies text[])
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
policy AS (
    -- each policy of a campaign once, with its bit
    SELECT DISTINCT c.campaign_id, p.policy, array_position(c.policies, p.policy) - 1 AS bit
    FROM campaign c
    CROSS JOIN LATERAL unnest(c.policies) AS p(policy)
)
SELECT campaign_id, branch_id, NULL::text AS dim, count(*) FILTER (WHERE held IS NOT NULL) AS bundled,
       count(*) AS targets, coalesce(sum(rows) FILTER (WHERE NOT known), 0) AS unknown_rows
FROM per_target
GROUP BY campaign_id, branch_id
UNION ALL
SELECT pt.campaign_id, pt.branch_id, p.policy, count(*), NULL, NULL
FROM per_target pt
JOIN policy p ON p.campaign_id = pt.campaign_id AND get_bit(pt.held, p.bit) = 1
WHERE pt.held IS NOT NULL
GROUP BY pt.campaign_id, pt.branch_id, p.policy
