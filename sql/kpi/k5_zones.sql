-- K5 五区预警 of year $1 at M = $2 (the last closed month at the run's
-- date), from the zones stored by k5_zones_take.sql: the count of each zone
-- per leaf branch, rolled up the branch tree by summing.
-- value = numerator = the count; all five zones for every branch with a
-- population (zero counts included).
INSERT INTO pg_temp.calc (kpi, branch_id, dim, period, numerator, value)
SELECT 'zone_count', up.ancestor_id, zc.zone, to_char($2::date, 'YYYY-MM'),
       sum(zc.members), sum(zc.members)
FROM kpi.zone_count zc
JOIN pg_temp.branch_up up ON up.branch_id = zc.branch_id
WHERE zc.year = $1::int AND zc.month = $2::date
GROUP BY up.ancestor_id, zc.zone
