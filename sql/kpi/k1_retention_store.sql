-- K1 retention of year $1 (the period): the shards' counts per branch
-- (k1_retention.sql through pg_temp.shard_rows) added up and rolled
-- up the branch tree into the run's values.
WITH part AS (
    SELECT (row->>'branch_id')::int AS branch_id, (row->>'members')::bigint AS members,
           (row->>'lost')::bigint AS lost
    FROM pg_temp.shard_rows
)
INSERT INTO pg_temp.calc (kpi, branch_id, period, numerator, denominator, value)
SELECT 'retention_rate', up.ancestor_id, $1::text,
       sum(p.members - p.lost), sum(p.members),
       sum(p.members - p.lost)::numeric / sum(p.members)
FROM part p
JOIN pg_temp.branch_up up ON up.branch_id = p.branch_id
GROUP BY up.ancestor_id
