-- The K2 VIP snapshot of year $1 as frozen by k2_vip_freeze.sql on every
-- shard (pg_temp.shard_rows: each shard's count of members): the
-- year's kpi.vip_snapshot row and its line in kpi.freeze_log (action $2).
-- Returns the members.
WITH part AS (
    SELECT (row->>'members')::bigint AS members FROM pg_temp.shard_rows
),
v AS (
    INSERT INTO kpi.vip_snapshot (year, frozen_at, members)
    SELECT $1::int, now(), (SELECT coalesce(sum(members), 0) FROM part)
    RETURNING members
)
INSERT INTO kpi.freeze_log (what, year, action, members)
SELECT 'vip_snapshot', $1::int, $2, members FROM v
RETURNING members
