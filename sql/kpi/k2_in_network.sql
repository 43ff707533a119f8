-- K2 大客户在网率 at date $2 of the frozen snapshot of year $1: in network =
-- not cancelled on or before $2 (suspension and pre-cancellation still count
-- as in network; a member unknown to dw.subscriber is in the network). Only
-- the subscribers cancelled on or before $2 are read (the partial index on
-- cancelled_on). Members and members kept per branch and tier, and the
-- members who cancelled on one of the last $3 days ($2 included: the
-- key-account alarm's window, kpi.alarm_rule.key_account_days); run where
-- the rows are (kpi.shard_task), added up by k2_in_network_store.sql.
WITH cancelled AS (
    SELECT sub_id, cancelled_on FROM dw.subscriber WHERE cancelled_on <= $2::date
)
SELECT vm.branch_id, vm.tier, count(*) AS members, count(*) FILTER (WHERE c.sub_id IS NULL) AS kept,
       count(*) FILTER (WHERE c.cancelled_on > $2::date - $3::int) AS recent
FROM kpi.vip_member vm
LEFT JOIN cancelled c ON c.sub_id = vm.sub_id
WHERE vm.year = $1::int
GROUP BY vm.branch_id, vm.tier
