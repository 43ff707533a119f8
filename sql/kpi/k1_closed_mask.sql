-- K1: the mask of the months of year $1 closed at $2 (bit m-1 = month m),
-- as text, for k1_retention.sql.
SELECT coalesce(bit_or(1 << (extract(month FROM month)::int - 1)), 0)::text
FROM dw.billing_month
WHERE month BETWEEN make_date($1::int, 1, 1) AND make_date($1::int, 12, 1)
  AND closed_on <= $2::date
