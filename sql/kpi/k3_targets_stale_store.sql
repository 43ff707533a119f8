-- K3 target lists: the running campaigns ($1, the JSON of k3_campaigns.sql)
-- whose stored list (kpi.campaign_target_list) is missing or no longer
-- matches dw.bundle_target: another row count or another checksum (the
-- shards' sums of k3_targets_stale.sql through pg_temp.shard_rows).
-- Returns the campaign ids as an array ('{}' = none).
WITH part AS (
    SELECT (row->>'campaign_id')::int AS campaign_id, (row->>'rows')::bigint AS rows,
           (row->>'checksum')::numeric AS checksum
    FROM pg_temp.shard_rows
),
source AS (
    SELECT campaign_id, sum(rows) AS rows, sum(checksum) AS checksum
    FROM part
    GROUP BY campaign_id
),
campaign AS (
    SELECT campaign_id FROM json_to_recordset($1::json) AS c(campaign_id int)
)
SELECT coalesce(array_agg(c.campaign_id ORDER BY c.campaign_id), '{}')::text
FROM campaign c
LEFT JOIN source s ON s.campaign_id = c.campaign_id
LEFT JOIN kpi.campaign_target_list l ON l.campaign_id = c.campaign_id
WHERE (coalesce(s.rows, 0), s.checksum) IS DISTINCT FROM (coalesce(l.rows, 0), l.checksum)
