-- K2 of year $1 (the period) at date $2: the shards' counts per branch and
-- tier (k2_in_network.sql through pg_temp.shard_rows) added up and rolled
-- up the branch tree, per tier (dim = tier) and over all tiers (dim NULL).
--
-- key_account_loss (the key-account alarm, kpi.alarm_rule.key_account_days
-- = $3 days) marks a branch where a diamond or gold member cancelled on one
-- of the last $3 days (recent: k2_in_network.sql), or where more of them
-- are gone than in the newest finished run dated $3 days or more before $2:
-- a cancellation the warehouse received late is an alarm from the day it
-- arrives, not never. A base run of an earlier year had none of this
-- year's snapshot gone; without a base run, recent alone.
INSERT INTO pg_temp.calc (kpi, branch_id, dim, period, numerator, denominator, value,
                          key_account_loss)
WITH part AS (
    SELECT (row->>'branch_id')::int AS branch_id, row->>'tier' AS tier,
           (row->>'members')::bigint AS members, (row->>'kept')::bigint AS kept,
           (row->>'recent')::bigint AS recent
    FROM pg_temp.shard_rows
),
rolled AS (
    SELECT up.ancestor_id AS branch_id, p.tier, sum(p.members) AS members, sum(p.kept) AS kept,
           sum(p.recent) AS recent
    FROM part p
    JOIN pg_temp.branch_up up ON up.branch_id = p.branch_id
    GROUP BY up.ancestor_id, p.tier
),
base AS (
    SELECT run_id, as_of < make_date($1::int, 1, 1) AS earlier_year
    FROM kpi.run
    WHERE as_of <= $2::date - $3::int AND finished_at IS NOT NULL
    ORDER BY as_of DESC, run_id DESC
    LIMIT 1
),
base_gone AS (
    SELECT v.branch_id, v.dim AS tier, v.denominator - v.numerator AS gone
    FROM base b
    JOIN kpi.value v ON v.run_id = b.run_id
    WHERE v.kpi = 'in_network_rate' AND v.period = $1::text
      AND v.dim IN ('diamond', 'gold')
),
judged AS (
    SELECT r.*,
           r.tier IN ('diamond', 'gold')
           AND (r.recent > 0
                OR r.members - r.kept > CASE WHEN (SELECT earlier_year FROM base) THEN 0
                                             ELSE g.gone END) IS TRUE AS loss
    FROM rolled r
    LEFT JOIN base_gone g ON g.branch_id = r.branch_id AND g.tier = r.tier
)
SELECT 'in_network_rate', branch_id, tier, $1::text, kept, members, kept::numeric / members, loss
FROM judged
UNION ALL
SELECT 'in_network_rate', branch_id, NULL, $1::text, sum(kept), sum(members),
       sum(kept)::numeric / sum(members), bool_or(loss)
FROM judged
GROUP BY branch_id
