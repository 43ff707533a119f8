-- Data-quality counts of the closed months $1 of dw.monthly_usage (a date
-- array: usage_dq_pending.sql): rows of a sub_id unknown to dw.subscriber,
-- NULL bills, negative bills. A closed month is final, so each month is
-- counted once and kept (usage_month_dq_store.sql); a month without rows is
-- kept with zero counts.
-- One pass over all the months (one hash of dw.subscriber). A plain SELECT,
-- returning the counts as a JSON array for the store step, so that
-- PostgreSQL may scan in parallel (it never does for a statement that
-- writes; docs/kpis.md, "Where the cold run's time goes"). The scan takes
-- the months' range (BRIN), the join to the array keeps only its months.
SELECT coalesce(json_agg(c ORDER BY c.month), '[]')::text
FROM (
    SELECT m.month, coalesce(d.unknown_subscriber, 0) AS unknown_subscriber,
           coalesce(d.null_bill, 0) AS null_bill, coalesce(d.negative_bill, 0) AS negative_bill
    FROM unnest($1::date[]) AS m(month)
    LEFT JOIN (
        SELECT u.month,
               count(*) FILTER (WHERE s.sub_id IS NULL) AS unknown_subscriber,
               count(*) FILTER (WHERE u.bill_amount IS NULL) AS null_bill,
               count(*) FILTER (WHERE u.bill_amount < 0) AS negative_bill
        FROM dw.monthly_usage u
        LEFT JOIN dw.subscriber s ON s.sub_id = u.sub_id
        WHERE u.month BETWEEN (SELECT min(m) FROM unnest($1::date[]) AS m)
                          AND (SELECT max(m) FROM unnest($1::date[]) AS m)
        GROUP BY u.month
    ) d ON d.month = m.month
) c
