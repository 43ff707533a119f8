-- K3 target lists of the campaigns $1 (an array of campaign ids): each
-- target once, at the smallest branch of its rows (a duplicated target
-- counts once), with the number of its rows and whether dw.subscriber
-- knows its subscriber; and per campaign the row count
-- and checksum that k3_targets_stale.sql compares with dw.bundle_target.
WITH targets AS (
    INSERT INTO kpi.campaign_target (campaign_id, sub_id, branch_id, rows, known)
    SELECT t.campaign_id, t.sub_id, min(t.branch_id), count(*),
           EXISTS (SELECT 1 FROM dw.subscriber s WHERE s.sub_id = t.sub_id)
    FROM dw.bundle_target t
    WHERE t.campaign_id = ANY ($1::int[])
    GROUP BY t.campaign_id, t.sub_id
)
INSERT INTO kpi.campaign_target_list (campaign_id, taken_at, rows, checksum)
SELECT t.campaign_id, now(), count(*), sum(hashint8extended(t.sub_id, t.branch_id))
FROM dw.bundle_target t
WHERE t.campaign_id = ANY ($1::int[])
GROUP BY t.campaign_id
