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
cancelled AS (
    -- the subscribers cancelled on or before $1 (the partial index on
    -- cancelled_on), not the whole of dw.subscriber
    SELECT sub_id FROM dw.subscriber WHERE cancelled_on <= $1::date
),
per_held AS (
    -- per campaign (one campaign at a time: each join below is on sub_id
    -- alone), per branch and per set of policies held: the targets, and the
    -- target rows of unknown subscribers. held is a bigint mask (bit i-1 set
    -- = holds the policy first listed at position i of the campaign's
    -- policies, at most 63 of them: k3_policy_limit.sql; a policy held twice
    -- counts once), NULL for a target not bundled. A bigint, not a bit
    -- string, because a bigint can be hashed: the targets are grouped in a
    -- hash table instead of sorted (docs/kpis.md, "K3 counted one campaign
    -- at a time").
    SELECT c.campaign_id, b.*
    FROM campaign c
    CROSS JOIN LATERAL (
        SELECT t.branch_id,
               CASE WHEN t.known AND x.sub_id IS NULL THEN h.held END AS held,
               count(*) AS targets,
               coalesce(sum(t.rows) FILTER (WHERE NOT t.known), 0) AS unknown_rows
        FROM (
            -- every target: known to dw.subscriber when its list was taken,
            -- or since (only the targets unknown then are looked up again,
            -- through the primary key; the warehouse never deletes a
            -- subscriber). Two branches, so that the planner costs the
            -- look-up for the few unknown targets only: costed for all of
            -- them, it hid the hash aggregate's lower cost below.
            SELECT ct.sub_id, ct.branch_id, ct.rows, true AS known
            FROM kpi.campaign_target ct
            WHERE ct.campaign_id = c.campaign_id AND ct.known
            UNION ALL
            SELECT ct.sub_id, ct.branch_id, ct.rows,
                   EXISTS (SELECT 1 FROM dw.subscriber s WHERE s.sub_id = ct.sub_id)
            FROM kpi.campaign_target ct
            WHERE ct.campaign_id = c.campaign_id AND NOT ct.known
        ) t
        LEFT JOIN (
            -- each subscriber with the campaign's policies it holds at $1
            SELECT k.sub_id,
                   bit_or(1::bigint << (array_position(c.policies, k.policy) - 1)) AS held
            FROM dw.bundle_contract k
            WHERE k.policy = ANY (c.policies)
              AND k.signed_on BETWEEN c.starts_on AND $1::date
              AND (k.ended_on IS NULL OR k.ended_on >= $1::date)
            GROUP BY k.sub_id
        ) h ON h.sub_id = t.sub_id
        LEFT JOIN cancelled x ON x.sub_id = t.sub_id
        GROUP BY 1, 2
    ) b
),
policy AS (
    -- each policy of a campaign once, with its bit
    SELECT DISTINCT c.campaign_id, p.policy, array_position(c.policies, p.policy) - 1 AS bit
    FROM campaign c
    CROSS JOIN LATERAL unnest(c.policies) AS p(policy)
)
SELECT campaign_id, branch_id, NULL::text AS dim,
       coalesce(sum(targets) FILTER (WHERE held IS NOT NULL), 0) AS bundled,
       sum(targets) AS targets, sum(unknown_rows) AS unknown_rows
FROM per_held
GROUP BY campaign_id, branch_id
UNION ALL
SELECT ph.campaign_id, ph.branch_id, p.policy, sum(ph.targets), NULL, NULL
FROM per_held ph
JOIN policy p ON p.campaign_id = ph.campaign_id AND (ph.held >> p.bit) & 1 = 1
GROUP BY ph.campaign_id, ph.branch_id, p.policy
