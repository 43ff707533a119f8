-- K2 of year $1 (the period): the shards' counts per branch and tier
-- (k2_in_network.sql through pg_temp.shard_rows) added up and rolled
-- up the branch tree, per tier (dim = tier) and over all tiers (dim NULL).
-- key_account_loss marks a branch where a diamond or gold member cancelled
-- within the alarm's window (recent: k2_in_network.sql).
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
)
SELECT 'in_network_rate', branch_id, tier, $1::text, kept, members, kept::numeric / members,
       tier IN ('diamond', 'gold') AND recent > 0
FROM rolled
UNION ALL
SELECT 'in_network_rate', branch_id, NULL, $1::text, sum(kept), sum(members),
       sum(kept)::numeric / sum(members),
       bool_or(tier IN ('diamond', 'gold') AND recent > 0)
FROM rolled
GROUP BY branch_id
