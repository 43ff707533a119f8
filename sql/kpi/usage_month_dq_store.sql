-- Stores the data-quality counts of the months $1 (a date array), the sums
-- of the shards' rows of usage_month_dq.sql (pg_temp.shard_rows), in
-- kpi.usage_month_dq; a month no shard has rows of gets zero counts.
WITH part AS (
    SELECT (row->>'month')::date AS month,
           (row->>'unknown_subscriber')::bigint AS unknown_subscriber,
           (row->>'null_bill')::bigint AS null_bill,
           (row->>'negative_bill')::bigint AS negative_bill
    FROM pg_temp.shard_rows
)
INSERT INTO kpi.usage_month_dq (month, unknown_subscriber, null_bill, negative_bill)
SELECT m.month, coalesce(sum(p.unknown_subscriber), 0), coalesce(sum(p.null_bill), 0),
       coalesce(sum(p.negative_bill), 0)
FROM unnest($1::date[]) AS m(month)
LEFT JOIN part p ON p.month = m.month
GROUP BY m.month
