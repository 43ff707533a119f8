-- K3 target lists: the count and the checksum (sum of
-- hashint8extended(sub_id, branch_id)) of the target rows of each running
-- campaign ($1, the JSON of k3_campaigns.sql). One scan of the running
-- campaigns' target rows, no join; run where the rows are
-- (kpi.shard_task), compared by k3_targets_stale_store.sql.
SELECT t.campaign_id, count(*) AS rows, sum(hashint8extended(t.sub_id, t.branch_id)) AS checksum
FROM dw.bundle_target t
WHERE t.campaign_id IN (SELECT campaign_id FROM json_to_recordset($1::json) AS c(campaign_id int))
GROUP BY t.campaign_id
