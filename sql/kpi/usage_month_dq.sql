-- Data-quality counts of the closed months $1 of dw.monthly_usage (a date
-- array: usage_dq_pending.sql): rows of a sub_id unknown to dw.subscriber,
-- NULL bills, negative bills. A closed month is final, so each month is
-- counted once and kept (usage_month_dq_store.sql adds up the shards' rows;
-- a month without rows is kept with zero counts).
-- Run where the rows are (kpi.shard_task): on each shard over its own rows
-- (a subscriber and its usage are on the same shard), on one server over
-- all. One pass over the months (one hash of dw.subscriber); a plain
-- SELECT, which PostgreSQL may scan in parallel. The scan takes the months'
-- range (BRIN), the array keeps only its months.
SELECT u.month,
       count(*) FILTER (WHERE s.sub_id IS NULL) AS unknown_subscriber,
       count(*) FILTER (WHERE u.bill_amount IS NULL) AS null_bill,
       count(*) FILTER (WHERE u.bill_amount < 0) AS negative_bill
FROM dw.monthly_usage u
LEFT JOIN dw.subscriber s ON s.sub_id = u.sub_id
WHERE u.month BETWEEN (SELECT min(m) FROM unnest($1::date[]) AS m)
                  AND (SELECT max(m) FROM unnest($1::date[]) AS m)
  AND u.month = ANY ($1::date[])
GROUP BY u.month
