-- The data watermark of run $1 at $2: the last closed month, and the newest
-- dates seen in the source tables. newest_usage is the newest month from the
-- last closed month on: the BRIN index on month limits the max() to the rows
-- of later (open) months, and the last closed month itself only needs one
-- row to exist, not a read of the whole month.
UPDATE kpi.run r
SET last_closed_month = w.last_closed,
    newest_usage = coalesce(
        (SELECT max(u.month) FROM dw.monthly_usage u WHERE u.month > w.last_closed),
        (SELECT u.month FROM dw.monthly_usage u WHERE u.month = w.last_closed LIMIT 1)),
    newest_cancel = (SELECT max(cancelled_on) FROM dw.subscriber),
    newest_contract = (SELECT max(signed_on) FROM dw.bundle_contract),
    newest_survey = (SELECT max(surveyed_on) FROM dw.survey_response),
    finished_at = clock_timestamp()
FROM (SELECT max(month) AS last_closed FROM dw.billing_month WHERE closed_on <= $2::date) w
WHERE r.run_id = $1::bigint
