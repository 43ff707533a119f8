-- K3: the campaigns whose window contains $1, as a JSON array of
-- {campaign_id, starts_on, policies} (dw.bundle_campaign is on the
-- coordinator; the steps run on the shards take it as a parameter).
SELECT coalesce(json_agg(json_build_object('campaign_id', campaign_id, 'starts_on', starts_on,
                                           'policies', policies) ORDER BY campaign_id), '[]')::text
FROM dw.bundle_campaign
WHERE starts_on <= $1::date AND ends_on >= $1::date
