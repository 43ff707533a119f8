-- K1: once every shard has folded the months $2 into its members'
-- good_mask (k1_fold_months.sql), the months are marked folded in the
-- cohort of year $1.
UPDATE kpi.cohort c
SET folded_mask = c.folded_mask
    | (SELECT coalesce(bit_or(1 << (extract(month FROM m)::int - 1)), 0) FROM unnest($2::date[]) m)
WHERE c.year = $1::int
