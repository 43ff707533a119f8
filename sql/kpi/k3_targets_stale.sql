-- K3 target lists: the campaigns running at $1 whose stored list
-- (kpi.campaign_target_list) is missing or no longer matches dw.bundle_target:
-- another row count or another checksum (sum of hashint8extended(sub_id,
-- branch_id) over the campaign's rows). One scan of the running campaigns'
-- target rows, no join. Returns the campaign ids as an array ('{}' = none).
WITH campaign AS (
    SELECT campaign_id
    FROM dw.bundle_campaign
    WHERE starts_on <= $1::date AND ends_on >= $1::date
),
source AS (
    SELECT t.campaign_id, count(*) AS rows,
           sum(hashint8extended(t.sub_id, t.branch_id)) AS checksum
    FROM dw.bundle_target t
    WHERE t.campaign_id IN (SELECT campaign_id FROM campaign)
    GROUP BY t.campaign_id
)
SELECT coalesce(array_agg(c.campaign_id ORDER BY c.campaign_id), '{}')::text
FROM campaign c
LEFT JOIN source s ON s.campaign_id = c.campaign_id
LEFT JOIN kpi.campaign_target_list l ON l.campaign_id = c.campaign_id
WHERE (coalesce(s.rows, 0), s.checksum) IS DISTINCT FROM (coalesce(l.rows, 0), l.checksum)
