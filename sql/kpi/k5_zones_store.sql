-- K5 zones of year $1 at M = $2 as taken by k5_zones_take.sql on every
-- shard (pg_temp.shard_rows: members per branch and zone, NULL =
-- unzoned): the count of each zone per leaf branch with a population, zero
-- counts included (kpi.zone_count), and the thresholds used, A = $3, B =
-- $4, C = $5, with the population (kpi.zone_month).
WITH part AS (
    SELECT (row->>'branch_id')::int AS branch_id, row->>'zone' AS zone,
           (row->>'members')::bigint AS members
    FROM pg_temp.shard_rows
),
-- a data-modifying CTE always runs, whether or not it is referenced
counts AS (
    INSERT INTO kpi.zone_count (year, month, branch_id, zone, members)
    SELECT $1::int, $2::date, b.branch_id, z.zone, coalesce(c.n, 0)
    FROM (SELECT DISTINCT branch_id FROM part) b
    CROSS JOIN (VALUES ('white'), ('red'), ('yellow'), ('blue'), ('green')) AS z(zone)
    LEFT JOIN (SELECT branch_id, zone, sum(members) AS n FROM part WHERE zone IS NOT NULL
               GROUP BY branch_id, zone) c
           ON c.branch_id = b.branch_id AND c.zone = z.zone
)
INSERT INTO kpi.zone_month (year, month, taken_at, bill_a, minutes_b, minutes_c, members)
SELECT $1::int, $2::date, now(), $3::numeric, $4::numeric, $5::numeric,
       coalesce(sum(members), 0)
FROM part
