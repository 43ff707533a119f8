-- K3: the running campaigns ($1: the JSON of k3_campaigns.sql) that list
-- more than 63 policies, comma-separated (empty when none). k3_bundling.sql
-- keeps the policies a target holds as the bits of a bigint, one per
-- position in the campaign's list; such a campaign stops the compute with
-- an error naming it rather than be counted wrong.
SELECT coalesce(string_agg(campaign_id::text, ',' ORDER BY campaign_id), '')
FROM json_to_recordset($1::json) AS c(campaign_id int, policies text[])
WHERE cardinality(policies) > 63
