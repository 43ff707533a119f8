-- K5 五区预警, taken once per (year $1, M = $2): M is the last closed month
-- at the run's date and M-1 the month before. The population is the K1
-- cohort of year $1 still in the network at the end of M (cancellations as
-- known now: the zones are kept, later runs copy them); a missing usage row
-- (or NULL bill/minutes) reads as zero. Thresholds: A = $3 (bill), B = $4
-- (minutes), C = $5 (low minutes). The zone of a member (NULL = unzoned) is
-- kpi.risk_zone (sql/schema/003_risk_zone.sql, with the rules), the same
-- function the daemon's per-member list uses.
-- Stores every member with its zone (kpi.zone_member), the count of each
-- zone per leaf branch with a population, zero counts included
-- (kpi.zone_count), and the thresholds used (kpi.zone_month).
WITH pop AS (
    SELECT cm.sub_id, cm.branch_id
    FROM kpi.cohort_member cm
    JOIN dw.subscriber s ON s.sub_id = cm.sub_id
    WHERE cm.year = $1::int
      AND (s.cancelled_on IS NULL
           OR s.cancelled_on > ($2::date + interval '1 month - 1 day')::date)
),
zoned AS (
    -- each member joined to its rows of M and M-1: at most one row per
    -- month and subscriber (the pk of dw.monthly_usage); the BRIN index on
    -- month reads the two months only
    SELECT p.sub_id, p.branch_id, c.status, coalesce(c.min_commit, false) AS commit,
           coalesce(c.bill_amount, 0) AS bill, coalesce(c.calling_mou, 0) AS mou,
           coalesce(pr.bill_amount, 0) AS prev_bill, coalesce(pr.calling_mou, 0) AS prev_mou,
           kpi.risk_zone(c.status, pr.bill_amount, pr.calling_mou, c.bill_amount,
                         c.calling_mou, coalesce(c.min_commit, false),
                         $3::numeric, $4::numeric, $5::numeric) AS zone
    FROM pop p
    LEFT JOIN dw.monthly_usage c ON c.sub_id = p.sub_id AND c.month = $2::date
    LEFT JOIN dw.monthly_usage pr
           ON pr.sub_id = p.sub_id AND pr.month = ($2::date - interval '1 month')::date
),
-- data-modifying CTEs always run, whether or not they are referenced
members AS (
    INSERT INTO kpi.zone_member (year, month, sub_id, branch_id, zone, bill, mou, prev_bill,
                                 prev_mou, status, min_commit)
    SELECT $1::int, $2::date, sub_id, branch_id, zone, bill, mou, prev_bill, prev_mou, status,
           commit
    FROM zoned
),
counts AS (
    INSERT INTO kpi.zone_count (year, month, branch_id, zone, members)
    SELECT $1::int, $2::date, b.branch_id, z.zone, coalesce(c.n, 0)
    FROM (SELECT DISTINCT branch_id FROM zoned) b
    CROSS JOIN (VALUES ('white'), ('red'), ('yellow'), ('blue'), ('green')) AS z(zone)
    LEFT JOIN (SELECT branch_id, zone, count(*) AS n FROM zoned WHERE zone IS NOT NULL
               GROUP BY branch_id, zone) c
           ON c.branch_id = b.branch_id AND c.zone = z.zone
)
INSERT INTO kpi.zone_month (year, month, taken_at, bill_a, minutes_b, minutes_c, members)
SELECT $1::int, $2::date, now(), $3::numeric, $4::numeric, $5::numeric, count(*)
FROM zoned
