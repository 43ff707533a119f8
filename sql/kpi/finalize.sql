-- Targets, paths and alarms, then the run's values (staged in
-- pg_temp.stage_value: run_store.sql stores them). $1 run id, $2 as-of date.
-- How each KPI is judged is in kpi.alarm_rule (schema/008_alarm_rules.sql).
--
-- Target: the most specific row of kpi.target (a branch over all branches,
-- the value's own dim over '*' = every dim, a period over all periods; periods 'YYYY', 'YYYY-Qn'
-- or 'YYYY-MM' of the as-of date, or the satisfaction month).
--
-- Path (target_path 'linear'): the target is the one of the period's last
-- day, and at $2 the value is judged against the straight line to it:
--   K1, K2 (the year):   path = 1 - (1 - T) * d / N, d = days from 1 January
--                        to $2, N = days from 1 January to 31 December;
--   K3 (each campaign):  path = T * d / N, d = days from starts_on to $2,
--                        N = days from starts_on to ends_on (a one-day
--                        campaign: T).
-- for the base and the challenge target alike.
--
-- Previous period (kpi.alarm_rule.period): for the step, the newest finished
-- run of the day before ('day') or of the calendar month before ('month');
-- for previous_status, the newest finished run before $2 ('day') or before
-- $2's month ('month'), so that a missing day does not hide a change. Only
-- those runs' values are read (the index on kpi.value).
--
-- status: red when below the base (or the day's base point), fallen by
-- more than the step since the previous period, or (K2) a diamond/gold
-- member cancelled; also red while a value red in the previous period stays
-- within recover_margin above its base (point); else excellent at or above
-- the challenge (or the day's challenge point); else green when a base
-- exists (always for K2). NULL when no rule applies (zone counts, no value,
-- a KPI without a target and without an alarm rule).
INSERT INTO pg_temp.stage_value (run_id, kpi, branch_id, branch_code, dim, campaign_id, period, numerator, denominator,
                       value, partial, status, reason, target_base, target_challenge,
                       path_base, path_challenge, previous_status)
WITH previous AS (
    SELECT
        (SELECT run_id FROM kpi.run
         WHERE as_of = $2::date - 1 AND finished_at IS NOT NULL
         ORDER BY run_id DESC LIMIT 1) AS step_day,
        (SELECT run_id FROM kpi.run
         WHERE as_of >= date_trunc('month', $2::date) - interval '1 month'
           AND as_of < date_trunc('month', $2::date) AND finished_at IS NOT NULL
         ORDER BY as_of DESC, run_id DESC LIMIT 1) AS step_month,
        (SELECT run_id FROM kpi.run
         WHERE as_of < $2::date AND finished_at IS NOT NULL
         ORDER BY as_of DESC, run_id DESC LIMIT 1) AS status_day,
        (SELECT run_id FROM kpi.run
         WHERE as_of < date_trunc('month', $2::date) AND finished_at IS NOT NULL
         ORDER BY as_of DESC, run_id DESC LIMIT 1) AS status_month
),
previous_value AS (
    -- each value's figures in those runs, one row per value (a run has one
    -- row per kpi, branch, dim and campaign): a single join below, on the
    -- value's key only, so that the plan cannot pair every value of a KPI
    -- with every previous one of it
    SELECT p.kpi, p.branch_id, p.dim, p.campaign_id,
           max(p.value) FILTER (WHERE p.run_id = v.step_day) AS step_day_value,
           max(p.value) FILTER (WHERE p.run_id = v.step_month) AS step_month_value,
           max(p.status) FILTER (WHERE p.run_id = v.status_day) AS status_day_status,
           max(p.status) FILTER (WHERE p.run_id = v.status_month) AS status_month_status
    FROM previous v
    JOIN kpi.value p ON p.run_id IN (v.step_day, v.step_month, v.status_day, v.status_month)
    GROUP BY p.kpi, p.branch_id, p.dim, p.campaign_id
),
progress AS (
    -- how far into its period each value is: d / N (NULL: no path)
    SELECT c.kpi, c.campaign_id,
           CASE WHEN c.kpi = 'bundling_coverage' THEN
                    CASE WHEN k.ends_on = k.starts_on THEN 1
                         ELSE ($2::date - k.starts_on)::numeric / (k.ends_on - k.starts_on) END
                ELSE ($2::date - date_trunc('year', $2::date)::date)::numeric
                     / (make_date(extract(year FROM $2::date)::int, 12, 31)
                        - date_trunc('year', $2::date)::date)
           END AS fraction,
           CASE WHEN c.kpi = 'bundling_coverage' THEN 0 ELSE 1 END AS start
    FROM (SELECT DISTINCT kpi, campaign_id FROM pg_temp.calc) c
    JOIN kpi.alarm_rule r ON r.kpi = c.kpi AND r.target_path = 'linear'
    LEFT JOIN dw.bundle_campaign k ON k.campaign_id = c.campaign_id
),
judged AS (
    SELECT c.*, t.base, t.challenge,
           g.start + (t.base - g.start) * g.fraction AS path_base,
           g.start + (t.challenge - g.start) * g.fraction AS path_challenge,
           g.fraction IS NOT NULL AS pathed,
           r.step, coalesce(r.recover_margin, 0) AS recover_margin,
           CASE WHEN r.period = 'month' THEN pv.step_month_value
                ELSE pv.step_day_value END AS step_value,
           CASE WHEN r.period = 'month' THEN pv.status_month_status
                ELSE pv.status_day_status END AS previous_status
    FROM pg_temp.calc c
    LEFT JOIN kpi.alarm_rule r ON r.kpi = c.kpi
    LEFT JOIN progress g ON g.kpi = c.kpi AND g.campaign_id IS NOT DISTINCT FROM c.campaign_id
    LEFT JOIN LATERAL (
        SELECT t.base, t.challenge
        FROM kpi.target t
        WHERE t.kpi = c.kpi
          AND (t.dim IS NOT DISTINCT FROM c.dim OR t.dim = '*')
          AND (t.branch_id IS NULL OR t.branch_id = c.branch_id)
          AND (t.period IS NULL
               OR t.period IN (to_char($2::date, 'YYYY'), to_char($2::date, 'YYYY-"Q"Q'),
                               coalesce(c.period, to_char($2::date, 'YYYY-MM'))))
        ORDER BY t.branch_id IS NOT NULL DESC, t.dim IS DISTINCT FROM '*' DESC,
                 length(coalesce(t.period, '')) DESC
        LIMIT 1
    ) t ON true
    LEFT JOIN previous_value pv
           ON pv.kpi = c.kpi AND pv.branch_id = c.branch_id
          AND pv.dim IS NOT DISTINCT FROM c.dim
          AND pv.campaign_id IS NOT DISTINCT FROM c.campaign_id
),
thresholds AS (
    -- what the value is judged against today: the path's points, or the targets
    SELECT j.*,
           CASE WHEN j.pathed THEN j.path_base ELSE j.base END AS base_at,
           CASE WHEN j.pathed THEN j.path_challenge ELSE j.challenge END AS challenge_at
    FROM judged j
),
reasons AS (
    SELECT j.*,
           nullif(concat_ws(',',
               CASE WHEN j.value < j.base_at
                    THEN CASE WHEN j.pathed THEN 'below_base_path' ELSE 'below_base' END END,
               CASE WHEN j.step_value - j.value > j.step THEN 'step_decline' END,
               CASE WHEN j.key_account_loss THEN 'key_account_cancellation' END), '') AS red_reason,
           j.previous_status = 'red' AND j.value >= j.base_at
               AND j.value < j.base_at + j.recover_margin AS held
    FROM thresholds j
)
SELECT $1::bigint, r.kpi, r.branch_id, b.code,
       r.dim, r.campaign_id, r.period, r.numerator, r.denominator, r.value,
       r.partial,
       CASE WHEN r.kpi = 'zone_count' OR r.value IS NULL THEN NULL
            WHEN r.red_reason IS NOT NULL OR r.held THEN 'red'
            WHEN r.value >= r.challenge_at THEN 'excellent'
            WHEN r.base IS NOT NULL OR r.kpi = 'in_network_rate' THEN 'green'
       END,
       CASE WHEN r.kpi = 'zone_count' OR r.value IS NULL THEN NULL
            WHEN r.red_reason IS NOT NULL THEN r.red_reason
            WHEN r.held THEN 'within_recover_margin'
            WHEN r.value >= r.challenge_at
                THEN CASE WHEN r.pathed THEN 'at_or_above_challenge_path'
                          ELSE 'at_or_above_challenge' END
       END,
       r.base, r.challenge,
       CASE WHEN r.pathed THEN r.path_base END, CASE WHEN r.pathed THEN r.path_challenge END,
       CASE WHEN r.kpi = 'zone_count' THEN NULL ELSE r.previous_status END
FROM reasons r
LEFT JOIN dw.branch b ON b.branch_id = r.branch_id
