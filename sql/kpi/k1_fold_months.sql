-- K1 per-member state: fold the months of year $1 that are closed at $2 and
-- not folded yet into each member's good_mask (bit m-1 = month m had a bill
-- >= $3, default 50.00). A closed month is final, so it is read once; a
-- month without a usage row, with a NULL or a negative bill leaves its bit
-- clear, i.e. counts as a low month.
WITH new_months AS (
    SELECT bm.month
    FROM dw.billing_month bm
    JOIN kpi.cohort c ON c.year = $1::int
    WHERE bm.month BETWEEN make_date($1::int, 1, 1) AND make_date($1::int, 12, 1)
      AND bm.closed_on <= $2::date
      AND c.folded_mask & (1 << (extract(month FROM bm.month)::int - 1)) = 0
),
good AS (
    SELECT u.sub_id, bit_or(1 << (extract(month FROM u.month)::int - 1)) AS mask
    FROM dw.monthly_usage u
    WHERE u.month BETWEEN (SELECT min(month) FROM new_months) AND (SELECT max(month) FROM new_months)
      AND u.month IN (SELECT month FROM new_months)
      AND u.bill_amount >= $3::numeric
      AND u.sub_id IN (SELECT sub_id FROM kpi.cohort_member WHERE year = $1::int)
    GROUP BY u.sub_id
),
-- a data-modifying CTE always runs, whether or not it is referenced
folded AS (
    UPDATE kpi.cohort_member cm SET good_mask = cm.good_mask | good.mask
    FROM good
    WHERE cm.year = $1::int AND cm.sub_id = good.sub_id
)
UPDATE kpi.cohort c
SET folded_mask = c.folded_mask
    | coalesce((SELECT bit_or(1 << (extract(month FROM month)::int - 1)) FROM new_months), 0)
WHERE c.year = $1::int
