-- Data-quality counts of each closed month of dw.monthly_usage that a run
-- at $1 reads (October of year $2 - 1 onwards) and that is not counted yet.
-- A closed month is final, so each month is counted once and kept.
INSERT INTO kpi.usage_month_dq (month, unknown_subscriber, null_bill, negative_bill)
SELECT bm.month, d.unknown_subscriber, d.null_bill, d.negative_bill
FROM dw.billing_month bm
CROSS JOIN LATERAL (
    SELECT count(*) FILTER (WHERE s.sub_id IS NULL) AS unknown_subscriber,
           count(*) FILTER (WHERE u.bill_amount IS NULL) AS null_bill,
           count(*) FILTER (WHERE u.bill_amount < 0) AS negative_bill
    FROM dw.monthly_usage u
    LEFT JOIN dw.subscriber s ON s.sub_id = u.sub_id
    WHERE u.month = bm.month
) d
WHERE bm.closed_on <= $1::date
  AND bm.month >= make_date($2::int - 1, 10, 1)
  AND NOT EXISTS (SELECT 1 FROM kpi.usage_month_dq q WHERE q.month = bm.month)
