-- K1: the months of year $1 closed at $2 and not folded yet into the
-- cohort's good_mask (all of them while the cohort is being frozen), as a
-- date array ('{}' = nothing to fold). k1_cohort_freeze.sql and
-- k1_fold_months.sql read them.
SELECT coalesce(array_agg(bm.month ORDER BY bm.month), '{}')::text
FROM dw.billing_month bm
LEFT JOIN kpi.cohort c ON c.year = $1::int
WHERE bm.month BETWEEN make_date($1::int, 1, 1) AND make_date($1::int, 12, 1)
  AND bm.closed_on <= $2::date
  AND coalesce(c.folded_mask, 0) & (1 << (extract(month FROM bm.month)::int - 1)) = 0
