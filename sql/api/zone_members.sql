-- Zone moves or the at-risk list of branch $3 (code) for month $2 (first
-- day of M) of run $1, from kpi.zone_members (sql/schema/005_zone_members_stored.sql).
-- $4 = 'moves': rows (from zone in M-1, to zone in M, members), 'out' where
-- a member is not in that month's population. $4 = 'list': one row per
-- member whose zone in M is in $5 (text[]): sub_id, branch code, zone, bill
-- and minutes of M-1 and M.
WITH z AS (
    SELECT z.*, b.code
    FROM dw.branch root
    CROSS JOIN LATERAL kpi.zone_members($1::bigint, $2::date, root.branch_id) z
    JOIN dw.branch b ON b.branch_id = z.branch_id
    WHERE root.code = $3
)
-- The last four columns order the rows only: the moves by their zones'
-- codes, the list as the at-risk list is (views/zones.h): the most urgent
-- zone first, then the branch code, then the subscriber.
SELECT coalesce(prev_zone, 'out'), coalesce(zone, 'out'), count(*)::text, NULL, NULL, NULL, NULL,
       0, coalesce(prev_zone, 'out'), coalesce(zone, 'out'), 0::bigint
FROM z
WHERE $4 = 'moves' AND (prev_zone IS NOT NULL OR zone IS NOT NULL)
GROUP BY 1, 2
UNION ALL
SELECT sub_id::text, code, zone, prev_bill::text, prev_mou::text, bill::text, mou::text,
       array_position(ARRAY['white', 'red', 'yellow', 'blue', 'green'], zone), code, '', sub_id
FROM z
WHERE $4 = 'list' AND zone = ANY ($5::text[])
ORDER BY 8, 9, 10, 11
