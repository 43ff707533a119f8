-- K3 target lists taken by k3_targets_take.sql on every shard: each
-- campaign's row count and checksum (the shards' sums, through
-- pg_temp.shard_rows) in kpi.campaign_target_list.
WITH part AS (
    SELECT (row->>'campaign_id')::int AS campaign_id, (row->>'rows')::bigint AS rows,
           (row->>'checksum')::numeric AS checksum
    FROM pg_temp.shard_rows
)
INSERT INTO kpi.campaign_target_list (campaign_id, taken_at, rows, checksum)
SELECT campaign_id, now(), sum(rows), sum(checksum)
FROM part
GROUP BY campaign_id
