-- K3 target lists: drops the stored lists of the campaigns $1 (an array of
-- campaign ids) before k3_targets_take.sql takes them again.
WITH lists AS (
    DELETE FROM kpi.campaign_target_list WHERE campaign_id = ANY ($1::int[])
)
DELETE FROM kpi.campaign_target WHERE campaign_id = ANY ($1::int[])
