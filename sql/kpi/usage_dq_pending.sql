-- Usage data quality: the closed months at $1 that a run reads (October of
-- year $2 - 1 onwards) and whose counts are not kept yet in
-- kpi.usage_month_dq, as a date array ('{}' = none). usage_month_dq.sql
-- counts them.
SELECT coalesce(array_agg(bm.month ORDER BY bm.month), '{}')::text
FROM dw.billing_month bm
WHERE bm.closed_on <= $1::date
  AND bm.month >= make_date($2::int - 1, 10, 1)
  AND NOT EXISTS (SELECT 1 FROM kpi.usage_month_dq q WHERE q.month = bm.month)
