-- How long a key account's cancellation keeps K2 red (docs/kpis.md, "Targets
-- and alarms").
--
--   key_account_days  K2 (in_network_rate) only: a branch is red
--                     (key_account_cancellation) for N days after a diamond
--                     or gold member of the year's snapshot cancelled: while
--                     one cancelled on one of the last N days, the as-of day
--                     included (cancelled_on > D - N), or more of them are
--                     gone than in the newest run N days or more before D
--                     (a cancellation the warehouse received late raises
--                     the alarm when it arrives). 366: for the rest of the
--                     year, as before this column.
--
-- Before, one cancellation kept the branch, its city and the province red
-- for the rest of the year: in the demo's third quarter 58 alarms were
-- raised and none recovered, so K2's red said nothing about the month. The
-- alarm is now raised on the day of the cancellation (turned red, in the
-- bulletin and on /alarms) and recovers N days later unless another key
-- account has cancelled since.
ALTER TABLE kpi.alarm_rule ADD COLUMN key_account_days int;

UPDATE kpi.alarm_rule SET key_account_days = 30 WHERE kpi = 'in_network_rate';

-- (a CHECK that is NULL passes: K2's window is never NULL)
ALTER TABLE kpi.alarm_rule ADD CONSTRAINT alarm_rule_key_account_days
    CHECK (CASE WHEN kpi = 'in_network_rate'
                THEN coalesce(key_account_days BETWEEN 1 AND 366, false)
                ELSE key_account_days IS NULL END);
