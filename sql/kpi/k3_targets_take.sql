-- K3 target lists of the campaigns $1 (an array of campaign ids): each
-- target once, at the smallest branch of its rows (a duplicated target
-- counts once), with the number of its rows and whether dw.subscriber
-- knows its subscriber; then per campaign the row count and checksum that
-- k3_targets_stale.sql compares with dw.bundle_target. Run where the rows
-- are (kpi.shard_task: a target's rows and its subscriber are on one
-- shard); k3_targets_store.sql adds up the counts and checksums.
-- The statements run in order, each ended by a line ";".
-- targets left by a run whose commit reached this shard but not the
-- coordinator (docs/scaling.md, "Failures"); none otherwise
DELETE FROM kpi.campaign_target WHERE campaign_id = ANY ($1::int[])
;
INSERT INTO kpi.campaign_target (campaign_id, sub_id, branch_id, rows, known)
SELECT t.campaign_id, t.sub_id, min(t.branch_id), count(*),
       EXISTS (SELECT 1 FROM dw.subscriber s WHERE s.sub_id = t.sub_id)
FROM dw.bundle_target t
WHERE t.campaign_id = ANY ($1::int[])
GROUP BY t.campaign_id, t.sub_id
;
ANALYZE kpi.campaign_target
;
SELECT t.campaign_id, count(*) AS rows, sum(hashint8extended(t.sub_id, t.branch_id)) AS checksum
FROM dw.bundle_target t
WHERE t.campaign_id = ANY ($1::int[])
GROUP BY t.campaign_id
