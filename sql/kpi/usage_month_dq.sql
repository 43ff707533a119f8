-- Data-quality counts of the closed months $1 of dw.monthly_usage (a date
-- array: usage_dq_pending.sql): rows of a sub_id unknown to dw.subscriber,
-- NULL bills, negative bills. A closed month is final, so each month is
-- counted once and kept; a month without rows is kept with zero counts.
-- One pass over all the months (one hash of dw.subscriber), the months as a
-- constant array so that the planner sees how many rows they hold.
INSERT INTO kpi.usage_month_dq (month, unknown_subscriber, null_bill, negative_bill)
SELECT m.month, coalesce(d.unknown_subscriber, 0), coalesce(d.null_bill, 0),
       coalesce(d.negative_bill, 0)
FROM unnest($1::date[]) AS m(month)
LEFT JOIN (
    SELECT u.month,
           count(*) FILTER (WHERE s.sub_id IS NULL) AS unknown_subscriber,
           count(*) FILTER (WHERE u.bill_amount IS NULL) AS null_bill,
           count(*) FILTER (WHERE u.bill_amount < 0) AS negative_bill
    FROM dw.monthly_usage u
    LEFT JOIN dw.subscriber s ON s.sub_id = u.sub_id
    WHERE u.month = ANY ($1::date[])
    GROUP BY u.month
) d ON d.month = m.month
