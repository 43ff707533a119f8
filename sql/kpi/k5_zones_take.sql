-- K5 五区预警, taken once per (year $1, M = $2): M is the last closed month
-- at the run's date and M-1 the month before. The population is the K1
-- cohort of year $1 still in the network at the end of M (cancellations as
-- known now: the zones are kept, later runs copy them); a missing usage row
-- (or NULL bill/minutes) reads as zero. Thresholds: A = $3 (bill), B = $4
-- (minutes), C = $5 (low minutes). The zone of a member (NULL = unzoned) is
-- kpi.risk_zone (sql/schema/003_risk_zone.sql, with the rules), the same
-- function the daemon's per-member list uses.
-- Run where the rows are (kpi.shard_task): stores every member of the
-- shard with its zone (kpi.zone_member) and returns the members per branch
-- and zone (NULL = unzoned); k5_zones_store.sql adds them up.
-- members left by a run whose commit reached this shard but not the
-- coordinator (docs/scaling.md, "Failures"); none otherwise
DELETE FROM kpi.zone_member WHERE year = $1::int AND month = $2::date
;
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
)
INSERT INTO kpi.zone_member (year, month, sub_id, branch_id, zone, bill, mou, prev_bill, prev_mou,
                             status, min_commit)
SELECT $1::int, $2::date, sub_id, branch_id, zone, bill, mou, prev_bill, prev_mou, status, commit
FROM zoned
;
SELECT branch_id, zone, count(*) AS members
FROM kpi.zone_member
WHERE year = $1::int AND month = $2::date
GROUP BY branch_id, zone
