-- The K1 cohort of year $1 as frozen by k1_cohort_freeze.sql on every shard
-- (pg_temp.shard_rows: each shard's count of members): the year's
-- kpi.cohort row, with the baseline bill $2, the low bill $3 and the months
-- $4 folded in, and its line in kpi.freeze_log (action $5). Returns the
-- members.
WITH part AS (
    SELECT (row->>'members')::bigint AS members FROM pg_temp.shard_rows
),
c AS (
    INSERT INTO kpi.cohort (year, frozen_at, members, folded_mask, baseline_bill, low_bill)
    SELECT $1::int, now(), (SELECT coalesce(sum(members), 0) FROM part),
           (SELECT coalesce(bit_or(1 << (extract(month FROM m)::int - 1)), 0)
            FROM unnest($4::date[]) m),
           $2::numeric, $3::numeric
    RETURNING members
)
INSERT INTO kpi.freeze_log (what, year, action, members)
SELECT 'cohort', $1::int, $5, members FROM c
RETURNING members
