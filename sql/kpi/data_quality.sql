-- The data-quality section of run $1 at $2 (assessment year $3): one row per
-- rule, zero included (staged in pg_temp.stage_data_quality: run_store.sql
-- stores them). What each rule does to the KPIs:
--   usage_unknown_subscriber   usage of a sub_id not in dw.subscriber: ignored
--   usage_null_bill            NULL bill: read as 0 (a low month, fails the baseline)
--   usage_negative_bill        negative bill: kept as it is
--   survey_null_score          excluded      } a survey row of the K4 month is
--   survey_score_out_of_range  excluded      } counted under the first rule
--   survey_unknown_branch      excluded      } it breaks, in this order
--   survey_indicator_not_leaf  excluded      } (unknown indicators included)
--   survey_duplicate           identical to an earlier row: kept, counted
--   branch_without_parent      a non-root branch whose parent is NULL or
--                              unknown: its values do not roll up
--   bundle_target_unknown_subscriber  a target of a running campaign not in
--                              dw.subscriber: in the denominator, never bundled
--                              (counted by k3_bundling.sql in its pass over
--                              the targets' subscribers: pg_temp.run_quality)
-- Usage counts cover the closed months read: October of $3 - 1 to the last
-- closed month at $2.
INSERT INTO pg_temp.stage_data_quality (run_id, rule, rows)
WITH usage_dq AS (
    SELECT coalesce(sum(unknown_subscriber), 0) AS unknown_subscriber,
           coalesce(sum(null_bill), 0) AS null_bill,
           coalesce(sum(negative_bill), 0) AS negative_bill
    FROM kpi.usage_month_dq q
    JOIN dw.billing_month bm ON bm.month = q.month
    WHERE bm.closed_on <= $2::date AND q.month >= make_date($3::int - 1, 10, 1)
),
survey AS (
    SELECT r.*,
           CASE
               WHEN r.score IS NULL THEN 'survey_null_score'
               WHEN r.score < 0 OR r.score > 100 THEN 'survey_score_out_of_range'
               WHEN NOT EXISTS (SELECT 1 FROM dw.branch b WHERE b.branch_id = r.branch_id)
                   THEN 'survey_unknown_branch'
               WHEN NOT EXISTS (SELECT 1 FROM dw.satisfaction_indicator i WHERE i.code = r.indicator)
                    OR EXISTS (SELECT 1 FROM dw.satisfaction_indicator c
                               WHERE c.parent_code = r.indicator)
                   THEN 'survey_indicator_not_leaf'
           END AS broken,
           row_number() OVER (PARTITION BY r.branch_id, r.brand, r.surveyed_on, r.indicator,
                                           r.score ORDER BY r.response_id) AS copy
    FROM dw.survey_response r
    WHERE r.surveyed_on BETWEEN (date_trunc('month', $2::date) - interval '1 month')::date
                            AND (date_trunc('month', $2::date) - interval '1 day')::date
),
rules (rule, rows) AS (
    SELECT 'usage_unknown_subscriber', unknown_subscriber FROM usage_dq
    UNION ALL SELECT 'usage_null_bill', null_bill FROM usage_dq
    UNION ALL SELECT 'usage_negative_bill', negative_bill FROM usage_dq
    UNION ALL SELECT r, (SELECT count(*) FROM survey WHERE broken = r)
    FROM unnest(ARRAY['survey_null_score', 'survey_score_out_of_range', 'survey_unknown_branch',
                      'survey_indicator_not_leaf']) AS r
    UNION ALL SELECT 'survey_duplicate', (SELECT count(*) FROM survey WHERE copy > 1)
    UNION ALL SELECT 'branch_without_parent',
        (SELECT count(*) FROM dw.branch b
         WHERE b.level > 0
           AND NOT EXISTS (SELECT 1 FROM dw.branch p WHERE p.branch_id = b.parent_id))
    UNION ALL SELECT 'bundle_target_unknown_subscriber',
        (SELECT coalesce(sum(q.rows), 0) FROM pg_temp.run_quality q
         WHERE q.rule = 'bundle_target_unknown_subscriber')
)
SELECT $1::bigint, rule, rows FROM rules
