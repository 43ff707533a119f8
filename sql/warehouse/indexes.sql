-- Secondary indexes the KPI queries use. Created after a bulk load.
-- monthly_usage is loaded month by month, so a BRIN index on month is tiny
-- and lets a query read one month without scanning the others.
CREATE INDEX IF NOT EXISTS monthly_usage_month_brin ON dw.monthly_usage USING brin (month);
CREATE INDEX IF NOT EXISTS subscriber_cancelled_idx ON dw.subscriber (cancelled_on)
    WHERE cancelled_on IS NOT NULL;
CREATE INDEX IF NOT EXISTS vip_membership_sub_idx ON dw.vip_membership (sub_id);
CREATE INDEX IF NOT EXISTS bundle_target_campaign_idx ON dw.bundle_target (campaign_id, sub_id);
CREATE INDEX IF NOT EXISTS bundle_contract_sub_idx ON dw.bundle_contract (sub_id);
CREATE INDEX IF NOT EXISTS survey_response_date_idx ON dw.survey_response (surveyed_on);
