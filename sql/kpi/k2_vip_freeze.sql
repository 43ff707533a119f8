-- K2 VIP snapshot of 1 January of year $1: a membership row valid that day
-- (valid_from <= day <= valid_to, both ends inclusive, NULL valid_to = open)
-- of a subscriber not cancelled on or before it. With two valid rows the
-- higher tier counts (diamond > gold > silver > member). Frozen once, with
-- the subscriber's branch at that time.
-- Run where the rows are (kpi.shard_task); k2_vip_store.sql adds up the
-- members. The statements run in order, each ended by a line ";".
-- members left by a run whose commit reached this shard but not the
-- coordinator (docs/scaling.md, "Failures"); none otherwise
DELETE FROM kpi.vip_member WHERE year = $1::int
;
INSERT INTO kpi.vip_member (year, sub_id, tier, branch_id)
SELECT DISTINCT ON (v.sub_id) $1::int, v.sub_id, v.tier, s.branch_id
FROM dw.vip_membership v
JOIN dw.subscriber s ON s.sub_id = v.sub_id
WHERE v.valid_from <= make_date($1::int, 1, 1)
  AND (v.valid_to IS NULL OR v.valid_to >= make_date($1::int, 1, 1))
  AND (s.cancelled_on IS NULL OR s.cancelled_on > make_date($1::int, 1, 1))
  AND v.tier IN ('diamond', 'gold', 'silver', 'member')
ORDER BY v.sub_id, array_position(ARRAY['diamond', 'gold', 'silver', 'member'], v.tier)
;
ANALYZE kpi.vip_member
;
SELECT count(*) AS members FROM kpi.vip_member WHERE year = $1::int
