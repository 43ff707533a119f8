-- Reference data a snapshot carries beside the runs: the branch tree, the
-- satisfaction indicator tree and the bundling campaigns, as one row per
-- item tagged by kind: b(ranch) id, code, name, parent_id, level;
-- i(ndicator) -, code, name, parent_code, weight; c(ampaign) id, -, name,
-- starts_on, ends_on.
SELECT 'b' AS kind, branch_id::text AS id, code, name, parent_id::text AS a, level::text AS b
FROM dw.branch
UNION ALL
SELECT 'i', NULL, code, name, parent_code, weight::text
FROM dw.satisfaction_indicator
UNION ALL
SELECT 'c', campaign_id::text, NULL, name, starts_on::text, ends_on::text
FROM dw.bundle_campaign
